// Gradio's Markdown opens links in a new tab; a marker [n] must instead bring its card into view in this page.
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
