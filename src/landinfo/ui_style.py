"""The look of the browser UI, and the one script it needs: [n] markers scroll to their source card."""

CSS = """
.gradio-container { max-width: 1600px !important; }
#topbar { align-items: center; border-bottom: 1px solid var(--border-color-primary); padding-bottom: 6px; gap: 12px; }
#brand .brand { display: flex; align-items: baseline; gap: 10px; }
#brand .brand-name { font-size: 22px; font-weight: 700; color: #1f3a5f; letter-spacing: -.01em; }
#brand .brand-sub { font-size: 14px; color: var(--body-text-color-subdued); }
#corpus-status .status { font-size: 13px; color: var(--body-text-color-subdued); text-align: right; }
#corpus-status .status code { font-size: 12px; }
#corpus-status .sep { margin: 0 4px; opacity: .6; }
#ui-language { flex: 0 0 200px !important; width: 200px !important; }
#brand { flex: 2 1 0% !important; } #corpus-status { flex: 3 1 0% !important; }
#ui-language .wrap { flex-wrap: nowrap; gap: 4px; }
#ui-language label { padding: 4px 10px; font-size: 13px; }
#chat .message-content .prose, #chat .message-content .prose p, #chat .message-content .prose li {
  font-size: 14.5px; line-height: 1.55; }
#chat .placeholder-content { padding: 28px 32px; color: var(--body-text-color-subdued); max-width: 560px; }
#chat .message-content blockquote { margin: 6px 0; padding: 2px 10px; font-size: 13.5px; color: #8a4b00;
  border-left-color: #f0b44c; }
#chat .message-content ul { margin-top: 4px; }
#feedback { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; gap: 6px; }
#feedback p { margin: 0; font-size: 13.5px; }
#export-row button { font-size: 13px; white-space: nowrap; }
.no-index { background: #fff4e5; border: 1px solid #f0b44c; color: #5c3b00; padding: 14px 18px; border-radius: 8px; }
.no-index pre { background: #1f2933; color: #fff; padding: 8px 12px; border-radius: 4px; margin: 8px 0; font-size: 14px; }
.no-index .detail { font-size: 12px; opacity: .8; }
#filters { background: var(--block-background-fill); border: 1px solid var(--border-color-primary);
           border-radius: 8px; padding: 12px; align-self: flex-start; }
#filters h3 { font-size: 14px; margin: 0 0 4px; text-transform: uppercase; letter-spacing: .05em; color: #1f3a5f; }
#chat .message a.cite, .trainer-answer a.cite { font-weight: 600; text-decoration: none; color: #1d5fbf;
           background: #e8f0fc; border-radius: 3px; padding: 0 2px; }
.answer-meta { font-size: 12px; color: var(--body-text-color-subdued); margin-top: 6px; }
.refusal { border-left: 4px solid #c0392b; background: #fdf1f0; padding: 8px 12px; border-radius: 4px; }
#sources-panel, #trainer-sources { max-height: calc(60vh + 170px); overflow-y: auto !important; padding-right: 4px; }
.sources-empty { color: var(--body-text-color-subdued); font-size: 14px; padding: 24px 8px; text-align: center;
                 border: 1px dashed var(--border-color-primary); border-radius: 8px; }
details.turn { margin-bottom: 12px; }
details.turn > summary { cursor: pointer; font-size: 14px; padding: 6px 4px; color: var(--body-text-color);
                         border-bottom: 1px solid var(--border-color-primary); margin-bottom: 8px; }
.turn-n { font-weight: 600; color: #1f3a5f; margin-right: 6px; }
.card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 14px; margin: 8px 0;
        background: var(--block-background-fill); transition: box-shadow .3s, border-color .3s; scroll-margin-top: 12px; }
.card.cited { border-left: 4px solid #1d5fbf; }
.card.flash { box-shadow: 0 0 0 3px #ffd54f; border-color: #e0a800; }
.card-head { display: flex; gap: 8px; align-items: baseline; }
.card-title { font-weight: 600; font-size: 15px; line-height: 1.35; }
.marker { display: inline-block; min-width: 22px; text-align: center; font-weight: 700; font-size: 13px;
          color: #fff; background: #1d5fbf; border-radius: 4px; padding: 1px 5px; }
.facts { margin: 6px 0 2px; font-size: 12.5px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.fact { color: var(--body-text-color-subdued); }
.fact + .fact::before { content: "·"; margin-right: 6px; }
.badge { font-size: 11px; font-weight: 600; border-radius: 10px; padding: 1px 8px; text-transform: uppercase;
         letter-spacing: .03em; }
.badge.type { background: #e8eef7; color: #1f3a5f; }
.badge.type-precedent, .badge.type-statute, .badge.type-treaty { background: #efe7f8; color: #4b2a7b; }
.badge.stale { background: #fdecea; color: #a3261a; }
.badge.fictional { background: #f1f1f1; color: #666; }
.publisher { font-size: 12px; color: var(--body-text-color-subdued); }
blockquote.passage { margin: 8px 0; padding: 8px 12px; border-left: 3px solid #d0d7e2; background: #f8f9fb;
                     font-size: 13.5px; line-height: 1.55; white-space: pre-wrap; color: #2d3640; }
blockquote.passage .gap { display: block; height: .45em; }
#chat .quote { white-space: pre-wrap; }
blockquote.passage mark { background: #ffe58a; padding: 0 1px; border-radius: 2px; color: inherit; }
.links { display: flex; gap: 14px; flex-wrap: wrap; font-size: 13px; }
.links a { color: #1d5fbf; text-decoration: none; font-weight: 500; }
.links a:hover { text-decoration: underline; }
.links a.secondary { color: var(--body-text-color-subdued); font-weight: 400; }
.source-path { font-family: var(--font-mono); font-size: 11px; color: var(--body-text-color-subdued); margin-top: 4px; }
.closest-label, .expected-label { font-size: 13px; font-weight: 600; color: #a3261a; margin: 10px 0 4px; }
.expected-label { color: #1f3a5f; }
details.others { font-size: 13px; margin: 8px 0; }
details.others summary { cursor: pointer; color: var(--body-text-color-subdued); }
details.others ul { margin: 6px 0 0 18px; padding: 0; }
details.others a { color: #1d5fbf; text-decoration: none; }
#feedback-row { gap: 8px; justify-content: flex-start; }
#feedback-row button { padding: 4px 14px; white-space: nowrap; }
#feedback-status { font-size: 13px; color: #1b6e3a; }
.progress-label { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: #1f3a5f; font-weight: 600; }
.trainer-question { font-size: 18px; font-weight: 600; margin: 4px 0 6px; line-height: 1.4; }
.trainer-meta { font-size: 12.5px; color: var(--body-text-color-subdued); }
.coverage { font-weight: 600; color: #1f3a5f; }
#trainer-setbar { align-items: end; }
#trainer-nav { justify-content: space-between; }
footer { display: none !important; }
"""

# Gradio's Markdown opens links in a new tab; a marker must instead bring its card into view in this page.
HEAD = """
<script>
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest("a.cite, a[href^='#t'][data-card]");
  if (!link) return;
  const id = link.getAttribute("data-card") || (link.getAttribute("href") || "").slice(1);
  const card = document.getElementById(id);
  if (!card) return;
  event.preventDefault();
  event.stopPropagation();
  let parent = card.parentElement;
  while (parent) { if (parent.tagName === "DETAILS") parent.open = true; parent = parent.parentElement; }
  // Scroll the sources panel, not the page, so that the answer being read stays where it is.
  const panel = card.closest("#sources-panel, #trainer-sources");
  if (panel && panel.scrollHeight > panel.clientHeight) {
    const offset = card.getBoundingClientRect().top - panel.getBoundingClientRect().top - 8;
    panel.scrollBy({top: offset, behavior: "smooth"});
  } else {
    card.scrollIntoView({behavior: "smooth", block: "nearest"});
  }
  card.classList.add("flash");
  setTimeout(function () { card.classList.remove("flash"); }, 1600);
}, true);
</script>
"""

COPY_JS = """
(text, ui) => {
  if (!text) return [text, ui];
  const fallback = () => {
    const area = document.createElement("textarea");
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand("copy"); area.remove();
  };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).catch(fallback);
  else fallback();
  return [text, ui];
}
"""
