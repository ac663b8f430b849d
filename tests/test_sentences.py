"""The two sentence splitters (sentences.py): where a chunk may end and what the answerer may quote."""
from __future__ import annotations

import hashlib
import json

import pytest
from conftest import DEMO_CORPUS

from landinfo.chunking import chunk_document
from landinfo.ingest import IngestReport, discover
from landinfo.loaders import load_file
from landinfo.records import DocMeta, Document
from landinfo.sentences import chunk_sentence_spans, split_sentences

# sha256 of the demo corpus's chunk ids (one a line) and of the answerer's sentence spans of every chunk, as the
# code of c4ef808 (before issue #11 moved both splitters into sentences.py) gave them, one word a token.
# A change here moves chunk boundaries: every index must then be re-embedded, and the eval figures may move.
BEFORE = {
    (320, 40): (39, "cfe2d27d4566857a6f7efa1dcf00512a651b0a9cbbf1017805bebcdfd9b73c13",
                "e59b89d33e6f6fc0160cced77bc33363daa287de05168360984b5dc6631d239e"),
    (60, 10): (121, "246ec7ea219fc600760f1b623b8218f2ba00331b046c04814cdf7c75d77256bc",
               "dc7da9d189817d3e2643bb3473f942dc6f735ab182df5a7a1d4adb49a3a6f9eb"),
}


# Demo documents added after the pins above (234d5f9, issue #13): left out, so the pins keep measuring the splitters.
ADDED_SINCE = {"coi/kestrania-military-service-2025.md"}


def _demo_documents() -> list[Document]:
    docs = []
    for path in discover(DEMO_CORPUS, IngestReport()):
        source = path.relative_to(DEMO_CORPUS).as_posix()
        if source in ADDED_SINCE:
            continue
        docs.append(Document(doc_id=source, source=source, path=path, units=load_file(path).units, meta=DocMeta(),
                             content_hash=""))
    return docs


@pytest.mark.parametrize("max_tokens,overlap", list(BEFORE))
def test_the_demo_corpus_chunks_and_quotable_sentences_are_those_before_the_restructuring(max_tokens, overlap):
    chunks = [c for doc in _demo_documents()
              for c in chunk_document(doc, lambda text: len(text.split()), max_tokens, overlap)]
    ids = hashlib.sha256("\n".join(c.chunk_id for c in chunks).encode()).hexdigest()
    spans = hashlib.sha256(json.dumps([split_sentences(c.text) for c in chunks]).encode()).hexdigest()
    assert (len(chunks), ids, spans) == BEFORE[(max_tokens, overlap)]


def _pieces(text: str, spans) -> list[str]:
    return [text[start:end] for start, end in spans]


def test_abbreviations_end_no_sentence_for_either_splitter():
    text = "Enligt 4 kap. 1 § gäller bl.a. flyktingar, jfr prop. 2004/05:170. Se t.ex. MIG 2007:15. Nästa mening."
    expected = ["Enligt 4 kap. 1 § gäller bl.a. flyktingar, jfr prop. 2004/05:170.", "Se t.ex. MIG 2007:15.",
                "Nästa mening."]
    assert _pieces(text, split_sentences(text)) == expected
    assert _pieces(text, chunk_sentence_spans(text)) == expected


def test_a_line_break_ends_a_quotable_sentence_but_not_a_chunk_sentence():
    text = "Returnees are questioned\nat the airport. Some are held."
    assert _pieces(text, split_sentences(text)) == ["Returnees are questioned", "at the airport.", "Some are held."]
    assert _pieces(text, chunk_sentence_spans(text)) == ["Returnees are questioned\nat the airport.", "Some are held."]


def test_each_splitter_keeps_the_abbreviations_only_it_honours():
    # "Nos." ends a quotable sentence (sentences.py says why the lists differ); "ang." ends a chunk sentence.
    text = "As amended by Protocols Nos. 11 and 14. Done."
    assert _pieces(text, split_sentences(text)) == ["As amended by Protocols Nos.", "11 and 14.", "Done."]
    assert _pieces(text, chunk_sentence_spans(text)) == ["As amended by Protocols Nos. 11 and 14.", "Done."]
    text = "Frågan gäller ang. Visum. Klart."
    assert _pieces(text, split_sentences(text)) == ["Frågan gäller ang. Visum.", "Klart."]
    assert _pieces(text, chunk_sentence_spans(text)) == ["Frågan gäller ang.", "Visum.", "Klart."]
