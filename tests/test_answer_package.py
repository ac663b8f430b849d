"""The shape of `landinfo.answer`: what an answer is stays light to import, and each rule of answering has one home."""
from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from landinfo.answer import checks
from landinfo.answer.extractive import ExtractiveAnswerer
from landinfo.answer.llm import LLMAnswerer
from landinfo.answer.quotes import citations_by_passage, candidate_sentences, verify_citations
from landinfo.answer.types import Answerer, Citation
from landinfo.records import Passage

SRC = Path(__file__).resolve().parents[1] / "src" / "landinfo"


def test_showing_an_answer_loads_no_model_or_numpy():
    done = subprocess.run([sys.executable, "-c", "import sys, landinfo.answer.types, landinfo.export, landinfo.feedback;"
                           "print(sorted({'numpy', 'torch', 'chromadb', 'landinfo.answer.extractive'} & set(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_export_feedback_and_the_ui_import_only_the_answer_types():
    """...and the UI's backend, which makes the one `Assistant` of the process, that too."""
    readers = [SRC / "export.py", SRC / "feedback.py", *SRC.glob("ui*.py")]
    for path in readers:
        allowed = {"answer.types", "answer.assistant"} if path.name == "ui_backend.py" else {"answer.types"}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("answer"):
                assert node.module in allowed, f"{path.name} imports {node.module}"


def test_both_answerers_take_what_the_protocol_gives():
    wanted = list(inspect.signature(Answerer.answer).parameters)
    for answerer in (ExtractiveAnswerer, LLMAnswerer):
        assert list(inspect.signature(answerer.answer).parameters) == wanted, answerer.__name__


def test_a_citation_from_a_passage_quotes_it_verbatim_at_the_source_offsets():
    text = "Journalists were detained. Sixteen remained in prison at the end of the year."
    p = Passage(id="p1", text=text, source="p1.md", title="p1", doc_type="coi", country="Eritrea", language="en",
                date="2025-07", page=3, section="", score=1.0, start=1000, end=1000 + len(text), doc_id="p1")
    sentences = candidate_sentences([p])
    cited = citations_by_passage([p], sentences, [len(sentences) - 1], [0], first_marker=3)
    assert [(c.marker, c.quote) for c in cited] == [(3, "Sixteen remained in prison at the end of the year.")]
    assert cited[0].start == 1000 + p.text.index("Sixteen") and cited[0] == Citation.from_passage(
        3, p, p.text.index("Sixteen"), len(p.text))
    assert verify_citations(cited, [p]) == []


def test_the_reasons_are_listed_in_the_order_the_checks_run():
    before = [check.__name__ for check in checks.BEFORE_SCORING]
    assert list(checks.REASONS[:len(before)]) == before
    assert checks.REASONS[len(before)] == "weak_evidence"
