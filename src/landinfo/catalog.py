"""What the index holds, by name: the decisions, statutes and treaties it has (and their sections and articles) and
the countries its documents concern. Answerability checks ask it whether a named reference exists."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .boilerplate import Boilerplate
from .gazetteer import CorpusNames
from .references import INSTRUMENT_WORDS, Reference, article_number, article_of_section, section_key

_DOCUMENT_KINDS = ("mig", "case_number", "ecthr_application", "sfs")
_RESPONDENT = re.compile(r"\s+(?:mot|v\.?|against)\s+(?:\w+\s+och\s+)?(?:Sverige|Sweden)$", re.I)
_MIN_PARTY_LETTERS = 5  # "Agiza" names a decision; "N." or "A.H." alone are too short to find in free text


@dataclass
class Catalog:
    countries: tuple[str, ...] = ()
    references: dict[str, set[str]] = field(default_factory=dict)  # lower-case reference -> doc ids
    names: dict[str, str] = field(default_factory=dict)  # lower-case reference -> as the index writes it
    sections: dict[str, set[str]] = field(default_factory=dict)  # doc id -> "4 kap. 1 §" keys
    articles: dict[str, set[str]] = field(default_factory=dict)  # doc id -> article numbers ("33")
    instruments: dict[str, set[str]] = field(default_factory=dict)  # "echr" -> doc ids of that instrument
    corpus_names: CorpusNames | None = None  # names the country reports tie to one country (gazetteer)
    boilerplate: Boilerplate | None = None  # publishers' templates and navigation sentences, never quoted
    term_share: Callable[[str], float] | None = None  # share of the chunks that hold a stemmed word (BM25 index)

    @classmethod
    def from_metas(cls, metas: Iterable[dict]) -> "Catalog":
        """From the chunks' metadata as the index stores it (references "|"-joined, countries ", "-joined)."""
        catalog, countries, titled = cls(), set(), {}
        for meta in metas:
            doc = meta.get("doc_id", "")
            for ref in filter(None, (meta.get("references") or "").split("|")):
                catalog.references.setdefault(ref.lower(), set()).add(doc)
                catalog.names.setdefault(ref.lower(), ref)
            countries.update(c.strip() for c in (meta.get("country") or "").split(",") if c.strip())
            section = meta.get("section", "")
            if section:
                key = section_key(section)
                if key:
                    catalog.sections.setdefault(doc, set()).add(key)
                article = article_of_section(section)
                if article:
                    catalog.articles.setdefault(doc, set()).add(article)
            titled.setdefault(doc, (meta.get("title", "") + " " + meta.get("source", "")).lower())
        for instrument, words in INSTRUMENT_WORDS.items():
            catalog.instruments[instrument] = {d for d, text in titled.items() if any(w in text for w in words)}
        catalog.countries = tuple(sorted(countries))
        return catalog

    def has(self, ref: Reference) -> bool | None:
        """Whether the index holds what the reference names; None when the index cannot tell (an article of a
        treaty the index does not hold, a section without its statute)."""
        if ref.kind in _DOCUMENT_KINDS:
            return ref.key.lower() in self.references
        if ref.kind == "case_name":
            return bool(self.documents_of(ref))
        if ref.kind == "section":
            docs = self.references.get(ref.instrument.lower(), set()) if ref.instrument else None
            if ref.instrument and not docs:
                return False  # the statute itself is not indexed
            pool = docs if docs is not None else self.sections.keys()
            return any(ref.key in self.sections.get(d, ()) for d in pool)
        if ref.kind == "article" and self.instruments.get(ref.instrument):
            return any(article_number(ref) in self.articles.get(d, ()) for d in self.instruments[ref.instrument])
        return None

    def documents_of(self, ref: Reference | str) -> set[str]:
        """The doc ids of the decision or act a reference (or a reference as the index writes it) names."""
        key = (ref.key if isinstance(ref, Reference) else ref).lower()
        if key in self.references:
            return set(self.references[key])
        if isinstance(ref, Reference) and ref.kind == "case_name":
            # the parser's name can take in words before it ("UN Human Rights Committee B.B. mot Sverige")
            words = _party(key).split()
            for i in range(len(words)):
                pattern = re.compile(rf"(?:^|[\s,]){re.escape(' '.join(words[i:]))}(?:\s|$)")
                found = {d for name, docs in self.references.items() if _RESPONDENT.search(name)
                         and pattern.search(name) for d in docs}
                if found:
                    return found
        return set()

    def decisions_named(self, text: str) -> list[str]:
        """Decisions the text names by a party's name alone ("the expulsion of Agiza"), as the index writes them."""
        found = []
        for lower, name in self.names.items():
            if not _RESPONDENT.search(lower):
                continue
            party = _party(name)
            letters = sum(c.isalpha() for c in party)
            if letters >= _MIN_PARTY_LETTERS and re.search(rf"(?<![\w.]){re.escape(party)}(?![\w])", text):
                found.append(name)
        return found


def _party(case_name: str) -> str:
    """"T.A. och S.T. mot Sverige" -> "T.A. och S.T."."""
    return _RESPONDENT.sub("", case_name).strip()
