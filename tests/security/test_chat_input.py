"""The chat answers questions, not punctuation: an empty, blank or symbol-only message gets no answer."""
from __future__ import annotations

import uuid

from served import call_by_index, serving


def _respond(client, config, text: str) -> str:
    fn = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "respond")
    return call_by_index(client, fn, [text, [], [], "en", [], [], [], "", "", False], uuid.uuid4().hex[:11])


def test_symbols_and_blanks_are_not_asked_and_a_warning_says_why(tmp_path):
    with serving(tmp_path) as served:
        client = served.client()
        config = client.get("/config").json()
        symbols = _respond(client, config, "?!... ---")
        blank = _respond(client, config, "   ")
        question = _respond(client, config, "Vad?")
    assert "not a question" in symbols and '"role":"assistant"' not in symbols.replace(" ", "")
    assert "not a question" not in blank and '"role":"assistant"' not in blank.replace(" ", "")
    assert '"role":"assistant"' in question.replace(" ", "")  # a real question is taken (here: no index yet)
