"""Sentences that are no one's answer: a publisher's templates and navigation text.

A template is a sentence that recurs, numbers and names aside, in most documents of one publisher ("Here follows a
summary of the report on <country> with a link to the full report"); navigation points elsewhere ("See the
Department of State's annual report ... at https://www.state.gov/..."). Both are found from the index's own
chunks (`Boilerplate.from_chunks`), never from a list of phrases, and are never quoted.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from . import tuning
from .sentences import split_sentences

_ADDRESS = re.compile(r"\S*(?:https?://|www\.|/)\S*", re.I)
_NAME = re.compile(r"(?<=\S\s)[A-ZÀ-ÖØ-Þ][\w’'-]*")
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
_PUNCT = re.compile(r"[^\w#]+")


def template_key(sentence: str) -> str:
    """The sentence with its numbers and its capitalised words (past the first) left out, lower-cased."""
    text = _NAME.sub("N", sentence.strip())
    text = _NUMBER.sub("#", text)
    return _PUNCT.sub(" ", text.lower()).strip()


def is_navigation(sentence: str) -> bool:
    """A web address, or what is left of one, with fewer words around it than a quote needs: it points to another
    text rather than saying anything itself ("gov/trafficking-in-persons-report/."). A sentence that says something
    and names an address is not navigation; "See the annual report at https://..." is a template of its publisher."""
    if not _ADDRESS.search(sentence):
        return False
    return len(_ADDRESS.sub(" ", sentence).split()) < tuning.MIN_QUOTE_WORDS


@dataclass
class Boilerplate:
    templates: frozenset[str] = field(default_factory=frozenset)  # template keys

    def __contains__(self, sentence: str) -> bool:
        return is_navigation(sentence) or template_key(sentence) in self.templates

    @classmethod
    def from_chunks(cls, texts: list[str], metas: list[dict]) -> "Boilerplate":
        """Templates of the index: sentence keys found in at least `tuning.TEMPLATE_SHARE` of one publisher's
        documents, when the publisher has at least `tuning.TEMPLATE_MIN_DOCUMENTS` of them."""
        docs_of: dict[str, set[str]] = defaultdict(set)
        seen: dict[str, Counter] = defaultdict(Counter)
        counted: set[tuple[str, str]] = set()
        for text, meta in zip(texts, metas):
            publisher = (meta.get("publisher") or "").strip()
            if not publisher:
                continue
            doc = meta.get("doc_id") or meta.get("source", "")
            docs_of[publisher].add(doc)
            for start, end in split_sentences(text):
                key = template_key(text[start:end])
                if len(key.split()) < tuning.MIN_QUOTE_WORDS or (doc, key) in counted:
                    continue
                counted.add((doc, key))
                seen[publisher][key] += 1
        templates = set()
        for publisher, keys in seen.items():
            documents = len(docs_of[publisher])
            if documents < tuning.TEMPLATE_MIN_DOCUMENTS:
                continue
            templates |= {key for key, n in keys.items() if n / documents >= tuning.TEMPLATE_SHARE}
        return cls(frozenset(templates))


def marked(texts: list[str], boilerplate: Boilerplate) -> tuple[int, int]:
    """How many sentences of the texts are navigation, and how many are templates."""
    navigation = template = 0
    for text in texts:
        for start, end in split_sentences(text):
            sentence = text[start:end]
            if is_navigation(sentence):
                navigation += 1
            elif template_key(sentence) in boilerplate.templates:
                template += 1
    return navigation, template
