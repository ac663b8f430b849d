"""Whether the retrieved sources can answer a parsed question, as explicit checks that each give their own reason.

Each check reads the `Query` and the index's `Catalog` or the passages, never the question's raw text, and returns
a `Refusal` (why not, with what was missing) or None. The similarity threshold is the last check, not the first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..catalog import Catalog
from ..coverage import period_years
from ..query import Query
from ..records import Passage

# every reason a refusal can give, in the order the checks run: the first four before any sentence is scored
# (BEFORE_SCORING), then the evidence of the best sentence, then whether any sentence that answers well enough bears
# on what the question asks about, then whether the best sentences give the figure or date
REASONS = ("missing_reference", "missing_country", "missing_source", "missing_period", "weak_evidence",
           "missing_topic", "missing_figure", "missing_date")


@dataclass(frozen=True)
class Refusal:
    reason: str  # one of REASONS
    detail: dict = field(default_factory=dict)  # what was missing: {"reference": "MIG 2099:1"}, {"country": "Libya"}


def missing_reference(query: Query, passages: list[Passage], catalog: Catalog | None = None) -> Refusal | None:
    """A decision, act, section or article the question names that the index does not hold."""
    if catalog is None:
        return None
    for ref in query.references:
        if catalog.has(ref) is False:
            name = ref.key if not ref.instrument or ref.kind not in ("section", "article") \
                else f"{ref.key} {catalog.names.get(ref.instrument.lower(), ref.instrument)}"
            return Refusal("missing_reference", {"reference": name.strip()})
    return None


def concerns(passage: Passage, countries: tuple[str, ...]) -> bool:
    """The passage's document is about one of the countries."""
    own = {c.strip() for c in passage.country.split(",") if c.strip()}
    return bool(own & set(countries))


def quotable(passage: Passage, query: Query) -> bool:
    """A passage the answer may quote: about a country asked about, or about no country (a law, a treaty); never a
    country report on another country."""
    countries = query.subject_countries
    if not countries or not passage.country.strip():
        return True
    return concerns(passage, countries)


def missing_country(query: Query, passages: list[Passage], catalog: Catalog | None = None) -> Refusal | None:
    """The question asks about a country (by name or through a city) that none of the passages concerns. A question
    that names a law, article or decision is about that text, and passes."""
    countries = query.subject_countries
    if not countries or query.references or query.named_decisions:
        return None
    if any(concerns(p, countries) for p in passages):
        return None
    return Refusal("missing_country", {"country": ", ".join(countries)})


def covers_year(passage: Passage, year: int) -> bool:
    """The passage's document reports on that year, was issued in it, or its title, section or text names it."""
    span = period_years(passage.period)
    if span and span[0] <= year <= span[1]:
        return True
    if passage.date[:4] == str(year) and passage.doc_type != "coi":
        return True  # a judgment or law of that year; a country report of a year reports on the year before
    return bool(re.search(rf"\b{year}\b", f"{passage.title} {passage.section} {passage.text}"))


def from_publisher(passage: Passage, names: tuple[str, ...]) -> bool:
    from ..publishers import find

    known = find(passage.publisher)
    return bool(known) and known.name in names


def cites_publisher(passage: Passage, names: tuple[str, ...]) -> bool:
    """The passage reports what the publisher said: it names the publisher ("according to Amnesty International")."""
    from ..publishers import all_publishers

    for alias, publisher in all_publishers():
        if publisher.name in names and re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", passage.text,
                                                 0 if alias.isupper() else re.I):
            return True
    return False


def fitting(query: Query, passages: list[Passage]) -> list[Passage]:
    """The passages that meet the question's country and publisher together ("UD:s rapport om Libyen" is not met
    by UD on Iran and a judgment on Libya); a report that cites the publisher meets it ("what does Amnesty report"
    is answered by a report quoting Amnesty)."""
    out = passages
    if query.subject_countries and not (query.references or query.named_decisions):
        out = [p for p in out if concerns(p, query.subject_countries) or not p.country.strip()]
    if query.publishers:
        out = [p for p in out if from_publisher(p, query.publishers) or cites_publisher(p, query.publishers)]
    return out


def missing_source(query: Query, passages: list[Passage], catalog: Catalog | None = None) -> Refusal | None:
    """The question asks what a publisher says (about a country) and no passage of that publisher (on it) was found."""
    if not query.publishers or fitting(query, passages):
        return None
    return Refusal("missing_source", {"publisher": ", ".join(query.publishers)})


def missing_period(query: Query, passages: list[Passage], catalog: Catalog | None = None) -> Refusal | None:
    """The question names a year that no passage (of the country and publisher asked about) reports on or
    mentions."""
    if not query.years or any(covers_year(p, y) for p in fitting(query, passages) for y in query.years):
        return None
    return Refusal("missing_period", {"years": list(query.years)})


_MONTHS = r"jan\w*|feb\w*|mar\w*|apr\w*|ma[jy]|jun\w*|jul\w*|aug\w*|sep\w*|o[ck]t\w*|nov\w*|dec\w*"
_DATE = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b|\b\d{{4}}-\d{{2}}(?:-\d{{2}})?\b|"
                   rf"\b(?:1[89]|20)\d\d\b", re.I)
_NUMBER_WORD = re.compile(r"\b(?:(?:two|three|four|five|six|seven|eight|nine)(?:teen|ty)?|ten|eleven|twelve|twenty|"
                          r"thirt(?:een|y)|fift(?:een|y)|forty|eighteen|eighty|dozens?|hundreds?|thousands?|millions?|"
                          r"half|third|quarter|majority|två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tretton|"
                          r"fjorton|femton|sexton|sjutton|arton|nitton|tjugo|trettio|fyrtio|femtio|sextio|sjuttio|"
                          r"åttio|nittio|tiotals|hundra|hundratals|tusen|tusentals|miljon(?:er)?|hälften|"
                          r"tredjedel(?:ar)?|fjärdedel(?:ar)?|majoriteten)\b", re.I)
# what a figure is not: a date, a year, a section or article number, a law's number
_NOT_A_FIGURE = re.compile(rf"{_DATE.pattern}|\b\d+\s*(?:kap\.|§)|\b(?:article|artikel|art\.)\s*\d+|"
                           r"\b\d{1,4}\s*[/:]\s*\d{1,4}\b", re.I)


def gives_figure(text: str) -> bool:
    """A number of something ("16 journalists", "två tredjedelar", "40 percent"), not a date or a section number."""
    rest = _NOT_A_FIGURE.sub(" ", text)
    return bool(re.search(r"\d", rest) or _NUMBER_WORD.search(rest))


def gives_date(text: str) -> bool:
    return bool(_DATE.search(text))


def missing_figure(query: Query, quoted: list[str]) -> Refusal | None:
    """A question for a number or a date whose best sentences hold none."""
    if query.asks_figure and not any(gives_figure(s) for s in quoted):
        return Refusal("missing_figure")
    if query.asks_date and not query.asks_figure and not any(gives_date(s) for s in quoted):
        return Refusal("missing_date")
    return None


BEFORE_SCORING = (missing_reference, missing_country, missing_source, missing_period)


def before_scoring(query: Query, passages: list[Passage], catalog: Catalog | None) -> Refusal | None:
    """The first of `BEFORE_SCORING` that fails, in that order; None when all pass."""
    for check in BEFORE_SCORING:
        refusal = check(query, passages, catalog)
        if refusal:
            return refusal
    return None


def weak_evidence(best: float, threshold: float) -> Refusal | None:
    """The last resort: no sentence matches the question well enough."""
    return Refusal("weak_evidence", {"evidence": round(best, 4)}) if best < threshold else None


def missing_topic(query: Query, bearing: list[bool], answers: list[bool]) -> Refusal | None:
    """A question about a country whose sentences that answer well enough (`answers`) include none that bears on
    its aspect (`bearing`): the sources on that country say nothing about it."""
    if any(b and a for b, a in zip(bearing, answers)):
        return None
    return Refusal("missing_topic", {"country": ", ".join(query.subject_countries), "aspect": " ".join(query.aspect)})
