"""Legal references in text: MIG precedents, court case numbers, SFS numbers, statute sections,
treaty articles, "X mot Sverige" case names and ECtHR application numbers.

One parser serves both sides: `parse_references` reads everything a question names,
`document_references` picks the identifiers of a document itself from its header and file metadata.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("mig", "case_number", "sfs", "section", "article", "case_name", "ecthr_application")


@dataclass(frozen=True)
class Reference:
    kind: str  # one of KINDS
    key: str  # canonical form: "MIG 2009:30", "UM 7867-08", "4 kap. 1 §", "Article 33", ...
    text: str  # as written
    instrument: str = ""  # "SFS 2005:716" for a section, "echr" for an article, when the text names it


STATUTES = (  # abbreviations match case-sensitively, names in any case
    (r"(?i:lagen\s+om\s+mottagande\s+av\s+asyls[öo]kande)|LMA", "SFS 1994:137"),
    (r"(?i:utl[äa]nningsf[öo]rordning(?:en)?)|UtlF", "SFS 2006:97"),
    (r"(?i:utl[äa]nningslag(?:en)?|Aliens\s+Act)|UtlL", "SFS 2005:716"),
    (r"(?i:f[öo]rvaltningslag(?:en)?|Administrative\s+Procedure\s+Act)", "SFS 2017:900"),
    (r"(?i:medborgarskapslag(?:en)?|lagen\s+om\s+svenskt\s+medborgarskap)", "SFS 2001:82"),
    (r"(?i:(?:den\s+)?tillf[äa]lliga\s+lagen)", "SFS 2016:752"),
)
STATUTE_RE = [(re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])"), sfs) for pattern, sfs in STATUTES]

TREATIES = (
    (r"(?i:1951\s+(?:Refugee\s+|Geneva\s+)?Convention|Refugee\s+Convention|Status\s+of\s+Refugees"
     r"|flyktingkonvention(?:en)?|Genèvekonventionen)", "refugee-convention"),
    (r"ECHR|EKMR|(?i:Europakonvention(?:en|ens)?|European\s+Convention\s+on\s+Human\s+Rights"
     r"|Convention\s+for\s+the\s+Protection\s+of\s+Human\s+Rights)", "echr"),
    (r"Charter|(?i:r[äa]ttighetsstadgan|EU-stadgan|stadgan\s+om\s+de\s+grundl[äa]ggande)", "eu-charter"),
    (r"(?i:Dublin\w*)", "dublin"),
    (r"(?i:Qualification\s+Regulation|skyddsgrundsf[öo]rordningen)|2024/1347", "qualification-regulation"),
    (r"CAT|(?i:Convention\s+against\s+Torture|(?:FN-)?konventionen\s+mot\s+tortyr|tortyrkonventionen)", "cat"),
    (r"I?CCPR|(?i:Covenant\s+on\s+Civil\s+and\s+Political\s+Rights"
     r"|konventionen\s+om\s+medborgerliga\s+och\s+politiska)", "iccpr"),
    (r"(?i:barnkonventionen|Convention\s+on\s+the\s+Rights\s+of\s+the\s+Child)", "crc"),
)
TREATY_RE = [(re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])"), hint) for pattern, hint in TREATIES]

# Retrieval's instrument names, looser than TREATY_RE on purpose: a question's "Article 3" takes the one instrument
# the question names anywhere in it, in either language, also in genitive and compound forms ("europakonventionens").
INSTRUMENT_IN_QUERY = {
    "refugee-convention": re.compile(r"refugee convention|1951 convention|geneva convention|flyktingkonvention"
                                     r"|genèvekonvention", re.I),
    "echr": re.compile(r"echr|european convention|europakonvention|ekmr", re.I),
    "eu-charter": re.compile(r"charter|stadgan|rättighetsstadga", re.I),
    "dublin": re.compile(r"dublin", re.I),
    "qualification-regulation": re.compile(r"qualification regulation|skyddsgrundsförordning|2024/1347", re.I),
}
INSTRUMENT_WORDS = {  # matched against a document's title and file name: the document IS that instrument
    "refugee-convention": ("status of refugees", "refugee convention"),
    "echr": ("convention on human rights", "protection of human rights and fundamental freedoms"),
    "eu-charter": ("charter of fundamental rights",),
    "dublin": ("dublin", "604/2013"),
    "qualification-regulation": ("2024/1347", "qualification"),
}
PROTOCOL_RE = re.compile(r"\b(?:protocol|protokoll|tilläggsprotokoll)\b", re.I)

MIG_RE = re.compile(r"\bMIG\s*(DEMO\s*)?(\d{4})\s*:\s*(\d{1,3})\b", re.IGNORECASE)  # DEMO: training precedents
CASE_NUMBER_RE = re.compile(r"\bUM\s*(\d{1,5})\s*[-–—]\s*(\d{2})\b")
SFS_RE = re.compile(r"\bSFS\s*(\d{4})\s*:\s*(\d{1,4})\b|\((\d{4}):(\d{1,4})\)")
BARE_SFS_RE = re.compile(r"^\s*(?:SFS\s*)?(\d{4})\s*:\s*(\d{1,4})\s*$")
_LETTER = r"(?:\s?[a-h](?![\w]))?"  # "1 a §", "19 b §"
_SEC = rf"\d{{1,3}}{_LETTER}\s*§"
SECTION_RE = re.compile(
    rf"\b(?P<chap>\d{{1,2}}{_LETTER})\s*kap\.?\s*(?P<sec>{_SEC}(?:\s*(?:,|och|samt|eller|and)\s*{_SEC})*)"
    rf"|(?<![\w.])(?P<bare>{_SEC}(?:\s*(?:,|och|samt|eller)\s*{_SEC})*)"
    rf"|\b[Cc]hapter\s+(?P<echap>\d{{1,2}}{_LETTER}),?\s+[Ss]ection\s+(?P<esec>\d{{1,3}}{_LETTER})\b"
)
ONE_SECTION_RE = re.compile(rf"(\d{{1,3}})\s?([a-h]?)\s*§")
ARTICLE_RE = re.compile(
    r"\b(?:Articles?|Art\.|art\.|[Aa]rtikel(?:n|arna)?|[Aa]rtiklarna)\s*"
    r"(?P<nums>\d{1,3}(?:\s*\(\d{1,2}\))?(?:\s*(?:,|och|and|or|eller)\s*\d{1,3}(?:\s*\(\d{1,2}\))?)*)"
)
ONE_ARTICLE_RE = re.compile(r"(\d{1,3})(?:\s*\((\d{1,2})\))?")
ECTHR_RE = re.compile(r"(?<![\w/.])(\d{3,5})/(\d{2})(?![\w/:])")
# "X mot Sverige", "X v. Sweden", and a decision against another state: "X v. Italy", "X mot Förenade kungariket"
CASE_NAME_RE = re.compile(r"\s(?:mot\s+(?P<other>[A-ZÅÄÖ]\w+\s+och\s+)?Sverige|v\.?\s+Sweden|against\s+Sweden|"
                          r"(?:mot|v\.|vs\.?|against)\s+(?:the\s+)?(?P<state>[A-ZÅÄÖ][\w-]+(?:\s+[A-ZÅÄÖa-zåäö][\w-]+)?))"
                          r"\b")
NAME_STOPWORDS = {
    "i", "målet", "ärendet", "se", "jfr", "enligt", "domen", "beslutet", "avgörandet", "europadomstolens",
    "europadomstolen", "kommitténs", "in", "case", "see", "cf", "the", "judgment", "decision", "of", "under",
    "ecthr", "court", "klagomål", "klagomålet", "dom", "beslut", "granskning", "och", "and", "med", "av",
    "sverige", "sweden", "målen", "cases", "mot",
}
NAME_CONNECTORS = {"och", "and", "&", "de", "van", "von", "el", "al", "bin", "ben", "da"}
NAME_SUFFIXES = {"m.fl.", "m.fl", "others"}
INITIALS_RE = re.compile(r"\b([A-ZÅÄÖ])\.\s+(?=[A-ZÅÄÖ]\.)")


def _mig(m: re.Match) -> str:
    demo = "DEMO " if m.group(1) else ""
    return f"MIG {demo}{m.group(2)}:{int(m.group(3))}"


def _case_number(m: re.Match) -> str:
    return f"UM {int(m.group(1))}-{m.group(2)}"


def _nearest(patterns, text: str, start: int, end: int, after: int = 90, before: int = 40) -> str:
    """The statute or treaty named closest after a reference (else just before it), within its sentence."""
    tail = re.split(r"(?<=[a-zåäö)\]])\.\s+[A-ZÅÄÖ]|\n\s*\n", text[end:end + after])[0]
    head = re.split(r"[.;]\s|\n\s*\n", text[max(0, start - before):start])[-1]
    after_hits = [(m.start(), value) for rx, value in patterns for m in [rx.search(tail)] if m]
    if after_hits:
        return min(after_hits)[1]
    before_hits = [(m.end(), value) for rx, value in patterns for m in rx.finditer(head)]
    return max(before_hits)[1] if before_hits else ""


def _section_instrument(text: str, start: int, end: int) -> str:
    tail = text[end:end + 90]
    m = re.match(r"\s*(?:(?:första|andra|tredje|fjärde|femte|sjätte|\d+)\s+(?:stycket|styckena|punkten|meningen)"
                 r"[\w\s,]*?\s+)?(?:i\s+)?(\S+(?:\s+\S+){0,6}?)?\s*\((\d{4}):(\d{1,4})\)", tail)
    if m and len(m.group(0)) < 80 and not re.search(r"kap\.|§", m.group(0)):
        return f"SFS {m.group(2)}:{m.group(3)}"
    return _nearest(STATUTE_RE, text, start, end, after=60, before=30)


def _sections(text: str) -> list[Reference]:
    refs = []
    for m in SECTION_RE.finditer(text):
        if m.group("echap"):
            keys = [f"{_norm_part(m.group('echap'))} kap. {_norm_part(m.group('esec'))} §"]
        elif m.group("chap"):
            chap = _norm_part(m.group("chap"))
            keys = [f"{chap} kap. {n}{' ' + l if l else ''} §" for n, l in ONE_SECTION_RE.findall(m.group("sec"))]
        else:
            keys = [f"{n}{' ' + l if l else ''} §" for n, l in ONE_SECTION_RE.findall(m.group("bare"))]
        instrument = _section_instrument(text, m.start(), m.end())
        if m.group("bare") and not instrument:
            continue  # "8 §" alone says nothing; "8 § LMA" does
        refs += [Reference("section", key, m.group(0).strip(), instrument) for key in keys]
    return refs


def _norm_part(part: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"(\d)([a-h])$", r"\1 \2", part.strip()))


def _articles(text: str) -> list[Reference]:
    refs = []
    for m in ARTICLE_RE.finditer(text):
        instrument = _nearest(TREATY_RE, text, m.start(), m.end())
        for number, paragraph in ONE_ARTICLE_RE.findall(m.group("nums")):
            key = f"Article {int(number)}" + (f"({int(paragraph)})" if paragraph else "")
            refs.append(Reference("article", key, m.group(0).strip(), instrument))
    return refs


def _case_names(text: str) -> list[Reference]:
    refs = []
    for m in CASE_NAME_RE.finditer(text):
        state = _respondent_state(m.group("state")) if m.group("state") else "Sverige"
        if not state:
            continue
        line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 120)
        tokens = text[line_start:m.start()].split()
        name: list[str] = []
        for token in reversed(tokens):
            bare = token.strip(",;:()")
            lower = bare.lower()
            if lower in NAME_SUFFIXES or (lower in NAME_CONNECTORS and name):
                name.insert(0, bare)
            elif lower in NAME_STOPWORDS or not bare or not (bare[0].isupper() or bare.startswith("[")):
                break
            else:
                name.insert(0, bare)
            if len(name) >= 16:
                break
        while name and name[0].lower() in NAME_CONNECTORS | NAME_SUFFIXES:
            name.pop(0)
        if not name:
            continue
        joined = " ".join(name).replace("[", "").replace("]", "")
        joined = re.sub(r"\band\s+[Oo]thers\b|\bm\.fl\b\.?", "m.fl.", joined)
        joined = INITIALS_RE.sub(r"\1.", joined)
        start = line_start + text[line_start:m.start()].rfind(name[0])
        respondent = f"mot {m.group('other')}Sverige" if m.group("other") else f"mot {state}"
        end = m.start("state") + len(_written_state(m.group("state"))) if m.group("state") else m.end()
        refs.append(Reference("case_name", f"{joined} {respondent}", text[start:end].strip()))
    return refs


def _respondent_state(written: str) -> str:
    """The state a decision is against, in English ("Italien" -> Italy), or '' when the words name no state;
    the deciding state keeps the index's own spelling, "Sverige"."""
    from .countries import countries_in

    found = countries_in(_written_state(written))
    if not found:
        return ""
    return "Sverige" if found[0] == "Sweden" else found[0]


def _written_state(written: str) -> str:
    """"Italy and" -> "Italy": the state's words, without a lower-case word after them."""
    words = written.split()
    return " ".join(words[:1] + [w for w in words[1:2] if w[:1].isupper()])


def _ecthr(text: str) -> list[Reference]:
    refs = []
    for m in ECTHR_RE.finditer(text):
        first, second = m.group(1), m.group(2)
        if len(first) == 4 and (int(first[2:]) + 1) % 100 == int(second):
            continue  # "2004/05" is a parliamentary year (riksmöte), not an application
        if re.search(r"(?:Prop|prop|bet|rskr|SOU|Ds|Dir|\(EU\)|\(EG\))\.?\s*$", text[max(0, m.start() - 8):m.start()]):
            continue  # "Prop. 2015/16", "Dir. 2014/28": Swedish and EU document numbers
        refs.append(Reference("ecthr_application", m.group(0), m.group(0)))
    return refs


def parse_references(text: str) -> list[Reference]:
    """Every reference the text names, in order of appearance, without repeats."""
    found: list[tuple[int, Reference]] = []
    for m in MIG_RE.finditer(text):
        found.append((m.start(), Reference("mig", _mig(m), m.group(0))))
    for m in CASE_NUMBER_RE.finditer(text):
        found.append((m.start(), Reference("case_number", _case_number(m), m.group(0))))
    for m in SFS_RE.finditer(text):
        year, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found.append((m.start(), Reference("sfs", f"SFS {year}:{int(number)}", m.group(0))))
    for finder in (_sections, _articles, _case_names, _ecthr):
        for ref in finder(text):
            found.append((text.find(ref.text), ref))
    seen: set[tuple[str, str, str]] = set()
    out = []
    for _, ref in sorted(found, key=lambda pair: pair[0]):
        if (ref.kind, ref.key, ref.instrument) not in seen:
            seen.add((ref.kind, ref.key, ref.instrument))
            out.append(ref)
    return out


def instruments_named(query: str) -> list[str]:
    """The instruments a question names anywhere in it (INSTRUMENT_IN_QUERY), in the table's order."""
    return [name for name, pattern in INSTRUMENT_IN_QUERY.items() if pattern.search(query)]


def mentions_protocol(query: str) -> bool:
    """The question asks about a protocol ("Article 3 of Protocol No. 6"), not the convention's own article."""
    return bool(PROTOCOL_RE.search(query))


def document_is_instrument(instrument: str, title: str, source: str) -> bool:
    """The document, by its title or file name, is that instrument; True for an instrument without known words."""
    words = INSTRUMENT_WORDS.get(instrument)
    if not words:
        return True
    haystack = (title + " " + source).lower()
    return any(w in haystack for w in words)


# BM25's reference tokens ("4 kap. 1 §" -> "ref:4kap1"), read alike from questions and documents so that a
# reference is not lost as stop-numbers. Looser than the parser above (any "2005:716" is an SFS number): changing
# one changes every BM25 index.
SECTION_TOKEN_RE = re.compile(r"\b(\d+)\s*kap\.?\s*(\d+\s*[a-z]?)\s*§", re.I)
ARTICLE_TOKEN_RE = re.compile(r"\b(?:article|artikel|art\.)\s*(\d+[a-z]?)", re.I)
MIG_TOKEN_RE = re.compile(r"\bMIG\s*(?:DEMO\s*)?(\d{4})\s*:\s*(\d+)", re.I)
CASE_TOKEN_RE = re.compile(r"\bUM\s*(\d{1,5})\s*[-–]\s*(\d{2})\b", re.I)
SFS_TOKEN_RE = re.compile(r"\b(\d{4}):(\d{1,4})\b")


def reference_tokens(text: str) -> list[str]:
    """Every reference in the text as one BM25 token: "ref:4kap1", "ref:art33", "ref:mig2009:30", "ref:um7867-08",
    "ref:sfs2005:716"."""
    tokens = [f"ref:{a}kap{b.replace(' ', '')}" for a, b in SECTION_TOKEN_RE.findall(text)]
    tokens += [f"ref:art{n.lower()}" for n in ARTICLE_TOKEN_RE.findall(text)]
    tokens += [f"ref:mig{a}:{b}" for a, b in MIG_TOKEN_RE.findall(text)]
    tokens += [f"ref:um{a}-{b}" for a, b in CASE_TOKEN_RE.findall(text)]
    tokens += [f"ref:sfs{a}:{b}" for a, b in SFS_TOKEN_RE.findall(text)]
    return tokens


IDENTIFIER_KEYS = {"dcterms:identifier", "identifier", "mig", "referat", "beteckning", "sfs", "sfsnr",
                   "rpubl:malnummer", "malnummer", "målnummer", "case_number", "application", "application_no"}
TITLE_KEYS = ("title", "rubrik", "dcterms:title", "dc:title")
OWN_KINDS = ("mig", "case_number", "case_name", "ecthr_application")
LABELLED_LINE_RE = re.compile(r"^\s*(?:Målnummer|Mål\s*nr|Målnr|Application\s+no|Ansökan\s+nr|Referat)\b", re.IGNORECASE)
CITING_LINE_RE = re.compile(r"^\s*(?:Rättsfall|Lagrum|Litteratur|Sökord|Rubrik|Prop\.)", re.IGNORECASE)
STATUTE_TITLE_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:Lag|Förordning|Kungörelse|\w+(?:lag|förordning|balk|kungörelse))\b[^\n]*?(\(\d{4}:\d{1,4}\))?\s*$")


def _meta_values(file_meta: dict) -> tuple[list[str], list[str]]:
    identifiers, titles = [], []
    for key, value in file_meta.items():
        name = str(key).lower().lstrip("/")
        values = value if isinstance(value, (list, tuple)) else [value]
        if name in IDENTIFIER_KEYS:
            identifiers += [str(v) for v in values if v]
        elif name in TITLE_KEYS:
            titles += [str(v) for v in values if v]
    return identifiers, titles


def _identifier(value: str) -> list[str]:
    bare = BARE_SFS_RE.match(value)
    if bare:
        return [f"SFS {bare.group(1)}:{int(bare.group(2))}"]
    return [r.key for r in parse_references(value) if r.kind in OWN_KINDS + ("sfs",)]


def document_references(text_head: str, file_meta: dict) -> tuple[str, ...]:
    """The identifiers OF a document (its MIG number, case number, SFS number, case name), not those it cites.

    Read from file metadata (RDFa identifiers, front matter `beteckning`), the title, the first two lines of
    `text_head` and labelled header lines such as "Målnummer: UM7533-12"; a court's list of cited cases
    ("Rättsfall: MIG 2007:48") is never taken for the document's own.
    """
    identifiers, titles = _meta_values(file_meta)
    keys: list[str] = []
    for value in identifiers:
        keys += _identifier(value)
    lines = [line.strip() for line in text_head.splitlines() if line.strip()]
    head_lines = []
    for i, line in enumerate(lines[:15]):
        if CITING_LINE_RE.match(line):
            break  # what follows is what the document cites
        if i < 2 or LABELLED_LINE_RE.match(line):
            head_lines.append(line[:300])
    has_meta_mig = any(k.startswith("MIG ") for k in keys)
    for line in titles + head_lines:
        for ref in parse_references(line):
            if ref.kind == "mig" and has_meta_mig:
                continue
            if ref.kind in OWN_KINDS:
                keys.append(ref.key)
        statute = STATUTE_TITLE_RE.match(line)
        if statute and statute.group(1):
            keys.append("SFS " + statute.group(1).strip("()"))
    return tuple(dict.fromkeys(keys))


SECTION_PART_RE = re.compile(r"^(\d{1,3}\s?[a-h]?)\s*§")
CHAPTER_PART_RE = re.compile(r"^(\d{1,2}\s?[a-h]?)\s*kap\b")
ARTICLE_PART_RE = re.compile(r"^(?:Article|Artikel|Art\.)\s*(\d{1,3})\b", re.IGNORECASE)


_ARTICLE_IN_SECTION = re.compile(r"(?:article|artikel)\s+(\d+[a-z]?)", re.I)


def article_of_section(section_path: str) -> str:
    """The number of the innermost article a heading path names ("Chapter II > Article 15" -> "15"), or ''."""
    found = _ARTICLE_IN_SECTION.findall(section_path or "")
    return found[-1].lower() if found else ""


def article_number(ref: Reference) -> str:
    """"Article 19(2)" -> "19": sections are addressed by the article's number."""
    return ref.key.split()[-1].split("(")[0].lower()


def section_key(section_path: str) -> str | None:
    """The citable key of a heading path: "Utlänningslag > 4 kap. ... > Flyktingar > 1 §" -> "4 kap. 1 §"."""
    parts = [part.strip() for part in section_path.split(">")]
    for i in range(len(parts) - 1, -1, -1):
        article = ARTICLE_PART_RE.match(parts[i])
        if article:
            return f"Article {int(article.group(1))}"
        section = SECTION_PART_RE.match(parts[i])
        if section:
            number = _norm_part(section.group(1))
            for earlier in reversed(parts[:i]):
                chapter = CHAPTER_PART_RE.match(earlier)
                if chapter:
                    return f"{_norm_part(chapter.group(1))} kap. {number} §"
            return f"{number} §"
    return None
