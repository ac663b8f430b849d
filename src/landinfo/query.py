"""A question read once: its language, the references, countries, places and years it names, whether it asks for a
figure or a date, the premise it asserts, and its glossary terms in the other language. Retrieval, the answerers
and the UI read this object; none of them parses the question's text again."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import tuning
from .references import Reference, instruments_named, mentions_protocol, parse_references

# a figure: a count, an amount, a share or a rate ("what was the unemployment rate", "how high was inflation",
# "hur hög är arbetslösheten", "hur stor")
_ASKS_FIGURE = re.compile(r"\b(how many|how much|number of|what percentage|what share|what proportion|hur många|"
                          r"hur mycket|antal(?:et)?|hur stor andel|vilket belopp|vilken andel|hur stort|hur stor|"
                          r"hur höga?|how high|how large|how big|what (?:was|is|were|are) the (?:\w+\s+){0,2}?"
                          r"(?:rate|level|percentage|share|number|amount|figure)|vilken (?:\w+\s+)?nivå)\b", re.I)
# A date is asked for when the question asks when something happened or was decided: "When did/was ...?",
# "När beslutade/infördes/blev ...?" (a past tense) at the start of a question or a clause, or "which year";
# "when may ...", "när får ...", "when does ... expire" ask for a condition or a duration, and "what happens
# when ..." for no date at all
_ASKS_DATE = re.compile(r"(?:^|[,;:–-]\s*)(?:when\s+(?:did|was|were|has|have|had)\b|"
                        r"när\s+(?:\w+(?:ade|ades|de|des|te|tes)|blev|var|kom|fick|gav|tog|trädde|skedde)\b)|"
                        r"\b(?:what date|which date|what year|which year|since when|from when|until when|"
                        r"vilket datum|vilket år|vilken dag|sedan när|från när|fram till när)\b", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_YEAR_SPAN = re.compile(r"\b((?:1[89]|20)\d\d)\s*(?:[-–—]|till|to|and|och)\s*((?:1[89]|20)\d\d)\b")
# "Regulation (EU) 2024/1347", "604/2013", "MIG 2009:30", "(2005:716)": a year inside a number names an act
_NUMBERED_ACT = re.compile(r"\b\d{1,4}\s*[/:]\s*\d{1,4}\b")
# "Why did the court grant X?", "Varför beviljades ...": the rest of the question is what it takes for granted
_WHY = re.compile(r"^\s*(?:(?:in|i|enligt|according to)\s+[^,?]{1,80},\s*)?(?:why|varför|how come|hur kommer det sig att)"
                  r"\s+(?P<clause>[^?]+)", re.I)
# "Since X, ...", "Eftersom X, ...", "Given that X, ..."
_SINCE = re.compile(r"^\s*(?:since|as|given that|considering that|eftersom|då|med tanke på att|i och med att)\s+"
                    r"(?P<clause>[^,?]{8,}?)\s*(?:,|\s[-–—]\s)", re.I)
# "Utlänningslagen tillåter ... – vilka villkor gäller?", "Nigeria verkställer ju dödsdomar – hur många ...?"
_STATEMENT_THEN_QUESTION = re.compile(r"^\s*(?P<clause>[^?]{12,}?)\s+[-–—]\s+(?P<question>[^?]+\?)\s*$")
_QUESTION_WORD = re.compile(r"^\s*(?:vad|vilk\w*|hur|när|var|varför|vem|kan|får|är|what|which|how|when|where|why|who|"
                            r"can|is|are|does|do)\b", re.I)


@dataclass(frozen=True)
class Query:
    text: str
    language: str  # "sv" | "en"
    references: tuple[Reference, ...] = ()
    countries: tuple[str, ...] = ()  # the countries the question names, English names, first mention first
    places: tuple = ()  # places.Place: the cities, subdivisions and corpus-tied names it names, with their countries
    country_sources: tuple = ()  # (country, via, as written): via "name" | "demonym" | "city" | "subdivision" | "corpus"
    aspect: tuple[str, ...] = ()  # what it asks about, in its own words: what is left without country, places,
    # references, publishers, question words and the words every risk question uses (data/generic-words.txt)
    years: tuple[int, ...] = ()
    asks_figure: bool = False
    asks_date: bool = False
    premise: str = ""  # the clause a "why ..." / "since ..." question takes for granted
    premise_kind: str = ""  # "why" | "since" | "statement" | ""
    expansions: tuple[str, ...] = ()  # the question's glossary terms in the other language
    home_country: str = ""  # the deciding state (settings.home_country): its law is asked about, not its risks
    decisions: tuple[str, ...] = field(default=())  # decisions named by party name, as the index's references
    publishers: tuple[str, ...] = ()  # publishers of country information it names ("UD" -> Utrikesdepartementet)
    instruments: tuple[str, ...] = ()  # treaties and regulations named anywhere in it ("echr", "dublin")
    protocol: bool = False  # it asks about a protocol ("Article 3 of Protocol No. 6"), not the convention itself

    @property
    def subject_countries(self) -> tuple[str, ...]:
        """The countries asked about: named, or named through a city, the deciding state left out."""
        named = [*self.countries, *(p.country for p in self.places)]
        return tuple(dict.fromkeys(c for c in named if c != self.home_country))

    @property
    def named_decisions(self) -> tuple[str, ...]:
        """Every decision the question names: by its MIG, UM or application number, or by a party's name."""
        keys = [r.key for r in self.references if r.kind in ("mig", "case_number", "case_name", "ecthr_application")]
        return tuple(dict.fromkeys([*keys, *self.decisions]))

    def lexical_tokens(self) -> list[str]:
        """BM25 tokens of the question, plus its domain terms in the other language."""
        from .lexical import tokenize

        tokens = tokenize(self.text)
        if self.expansions:
            tokens += tokenize(" ".join(self.expansions))
        return tokens

    def to_json(self) -> dict:
        return {
            "language": self.language,
            "references": [{"kind": r.kind, "key": r.key, "text": r.text, "instrument": r.instrument}
                           for r in self.references],
            "decisions": list(self.named_decisions),
            "countries": list(self.countries), "places": [p.to_json() for p in self.places],
            "subject_countries": list(self.subject_countries), "years": list(self.years),
            "asks_figure": self.asks_figure, "asks_date": self.asks_date,
            "premise": self.premise or None, "premise_kind": self.premise_kind or None,
            "publishers": list(self.publishers), "expansions": list(self.expansions),
            "aspect": list(self.aspect),
            "countries_via": [{"country": c, "via": via, "name": name} for c, via, name in self.country_sources
                              if c != self.home_country],
        }


def parse_query(text: str, language: str = "", home_country: str = "Sweden", catalog=None) -> Query:
    """Read a question once. `catalog` (the index's `Catalog`) lets a city count when its country is indexed and
    finds decisions named only by a party's name ("why did CAT accept Agiza's expulsion ..."); without it, only
    large cities count and decisions are found by their numbers and "X v. Sweden" names."""
    from .countries import country_mentions, is_proper_name
    from .gazetteer import regions_in
    from .glossary import detect_language, translate_terms
    from .places import Place, places_in

    language = language or detect_language(text)
    mentions = country_mentions(text)
    countries = tuple(dict.fromkeys(m.country for m in mentions))
    indexed = set(catalog.countries) if catalog is not None else set()
    decisions = tuple(catalog.decisions_named(text)) if catalog is not None else ()
    references = tuple(parse_references(text))
    parties = [r.key for r in references if r.kind == "case_name"]
    places = tuple(p for p in places_in(text)
                   if p.country not in countries and p.country != home_country
                   and (p.population >= tuning.PLACE_MIN_POPULATION
                        or (p.country in indexed and p.population >= tuning.PLACE_MIN_INDEXED_POPULATION))
                   and not _inside_country_name(p, text, countries) and not _party_of(p, parties, catalog))
    corpus = getattr(catalog, "corpus_names", None)
    taken = [(p.start, p.end) for p in places] + [(m.start, m.end) for m in mentions]
    places += tuple(Place(r.name, r.country, 0, r.start, r.end, r.via) for r in regions_in(text, corpus)
                    if r.country not in countries and r.country != home_country
                    and not any(r.start < end and start < r.end for start, end in taken)
                    and not _party_of(r, parties, catalog))
    dropped = taken + [(p.start, p.end) for p in places] + _reference_spans(text, references)
    publishers = publishers_named(text)
    aspect = aspect_of(text, dropped, publishers, getattr(catalog, "term_share", None), language)
    sources = [(m.country, "name" if is_proper_name(text[m.start:m.end]) else "demonym", text[m.start:m.end])
               for m in mentions] + [(p.country, p.via, p.name) for p in places]
    premise, kind = premise_clause(text)
    return Query(
        text=text, language=language, references=references, countries=countries,
        places=places, years=years_in(text), asks_figure=bool(_ASKS_FIGURE.search(text)),
        asks_date=bool(_ASKS_DATE.search(text)), premise=premise, premise_kind=kind,
        expansions=tuple(translate_terms(text, language)), home_country=home_country,
        decisions=decisions, instruments=tuple(instruments_named(text)), protocol=mentions_protocol(text),
        publishers=publishers, country_sources=tuple(dict.fromkeys(sources)), aspect=aspect,
    )


_WORD = re.compile(r"[^\W\d_]+(?:[-’'][^\W\d_]+)*")


def aspect_of(text: str, dropped: list[tuple[int, int]], publishers: tuple[str, ...] = (), term_share=None,
              language: str = "en") -> tuple[str, ...]:
    """The question's own content words: not in a dropped span (countries, places, references), not a question word,
    not a form of a word every risk question uses (data/generic-words.txt), not a word of a name of the `publishers`
    it asks for (`publishers_named`); and, where the index can tell (`term_share`), not a word that more than
    `tuning.ASPECT_MAX_SHARE` of the indexed chunks hold, nor an everyday word the index never uses ("guy", "thing":
    `tuning.ASPECT_ABSENT_EVERYDAY_ZIPF`)."""
    from . import datafiles
    from .lexical import tokenize
    from .publishers import all_publishers

    stop = set().union(*datafiles.stopwords("question").values())
    generic = _generic_stems()
    publisher_words = {w.lower() for alias, p in all_publishers() if p.name in publishers
                       for w in re.findall(r"\w+", alias)}
    words = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        lower = word.lower()
        if len(word) < 3 or lower in stop or lower in publisher_words \
                or any(m.start() < end and start < m.end() for start, end in dropped):
            continue
        stems = tokenize(word)
        if not stems or word in words or set(stems) & generic:  # "behandlades" is "behandlas" is generic
            continue
        if term_share is not None:
            share = min(term_share(s) for s in stems)
            if share > tuning.ASPECT_MAX_SHARE or (share == 0 and _zipf(lower, language)
                                                   >= tuning.ASPECT_ABSENT_EVERYDAY_ZIPF):
                continue
        words.append(word)
    return tuple(words)


@lru_cache(maxsize=1)
def _generic_stems() -> frozenset[str]:
    """The stems of data/generic-words.txt, so that every form of a listed word is generic."""
    from . import datafiles
    from .lexical import tokenize

    return frozenset(tokenize(" ".join(datafiles.generic_words())))


def warm() -> None:
    """Load the everyday-word frequencies of both languages now (about 50 ms each), not at the first question."""
    for language in ("sv", "en"):
        _zipf("warm", language)


def _zipf(word: str, language: str) -> float:
    """How common a word is in everyday language (wordfreq's Zipf scale, offline: 3 rare, 6 very common)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, language if language in ("sv", "en") else "en")


def _reference_spans(text: str, references) -> list[tuple[int, int]]:
    spans = []
    for ref in references:
        start = text.find(ref.text) if ref.text else -1
        if start >= 0:
            spans.append((start, start + len(ref.text)))
    return spans


# A publisher is asked for as a source only in an attribution frame: "according to X", "enligt X", "X:s rapport",
# "what does X report/say"; "why did the Migration Agency stop transfers" names it as the subject
_ATTRIBUTED_BEFORE = re.compile(r"(?:according\s+to|enligt|as\s+reported\s+by|reported\s+by|cited\s+by|in|i|"
                                r"skriver|säger|rapporterar|uppger|beskriver|bedömer|anger)\s+(?:the\s+)?$", re.I)
_ATTRIBUTED_AFTER = re.compile(r"^(?:['’]s|:s|s)?\s+(?:\w+\s+){0,2}?(?:report\w*|rapport\w*|say\w*|said|säger|sa|"
                               r"skriver|skrev|uppge\w*|uppgav|state[sd]?|write\w*|wrote|note[sd]?|finds?|found|"
                               r"describe[sd]?|beskriv\w*|assess\w*|bedöm\w*|landinformation|summar\w*|"
                               r"sammanfattning\w*|människorätts\w*|country\s+report\w*|publish\w*|publicera\w*)\b",
                               re.I)
_ACCORDING_TO = re.compile(r"\b(?:according\s+to|enligt)\s", re.I)


def publishers_named(text: str) -> tuple[str, ...]:
    """Publishers of country information the question asks for as its source, by a name data/publishers.tsv gives
    ("UD", "US Department of State"; an abbreviation in capitals only as written, other names in any case): named
    in an attribution frame ("according to X", "enligt X", "X:s rapport", "what does X say"). When the question has
    an "according to" frame, only the publishers in one count ("what did Amnesty report, according to the US
    report?" asks the US report)."""
    from .publishers import COI_TYPES, all_publishers

    found: list[tuple[str, bool]] = []  # (publisher, inside an "according to" frame)
    for alias, publisher in all_publishers():  # longest first; a name inside a longer one is not read again
        if publisher.source_type not in COI_TYPES:
            continue
        pattern = re.compile(rf"(?<![\w]){re.escape(alias)}(?![\w])", 0 if alias.isupper() else re.I)
        for m in list(pattern.finditer(text)):
            before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 60]
            according = bool(_ATTRIBUTED_BEFORE.search(before) and _ACCORDING_TO.search(before[-25:]))
            if _ATTRIBUTED_BEFORE.search(before) or _ATTRIBUTED_AFTER.match(after):
                found.append((publisher.name, according))
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    if _ACCORDING_TO.search(text) and any(according for _, according in found):
        found = [(name, according) for name, according in found if according]
    return tuple(dict.fromkeys(name for name, _ in found))


def years_in(text: str) -> tuple[int, ...]:
    """The years a text names ("2024", "2015–2016" -> 2015, 2016), leaving out numbers of acts and cases."""
    cleaned = _NUMBERED_ACT.sub(" ", text)
    years = {int(y) for y in _YEAR.findall(cleaned)}
    for m in _YEAR_SPAN.finditer(cleaned):
        first, last = int(m.group(1)), int(m.group(2))
        if 0 < last - first <= 20:
            years.update(range(first, last + 1))
    return tuple(sorted(years))


def premise_clause(text: str) -> tuple[str, str]:
    """What the question takes for granted, and how it says so: "why" (Why did the court grant X?), "since"
    (Since X, ...?), "statement" (X – what ...?); ("", "") when it asserts nothing."""
    m = _WHY.match(text)
    if m:
        return m.group("clause").strip(), "why"
    m = _SINCE.match(text)
    if m:
        return m.group("clause").strip(), "since"
    m = _STATEMENT_THEN_QUESTION.match(text)
    if m and _QUESTION_WORD.match(m.group("question")) and not _QUESTION_WORD.match(m.group("clause")):
        return m.group("clause").strip(), "statement"
    return "", ""


def _party_of(place, case_names: list[str], catalog) -> bool:
    """"Paez v. Sweden": a party's name is not a place, when the question or the index names a decision so."""
    names = list(case_names)
    if catalog is not None:
        names += [n for n in catalog.names.values() if place.name in n]
    return any(re.search(rf"(?<![\w.]){re.escape(place.name)}(?![\w])", n) for n in names)


def _inside_country_name(place, text: str, countries: tuple[str, ...]) -> bool:
    """"South Sudan" is not the city "Sudan"... a place written inside a country's name is that country."""
    return any(place.name in c for c in countries)
