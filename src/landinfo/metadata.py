"""What a document is: title, type, countries, date, language, identifiers, publisher.

`detect_meta` reads it from the file's own metadata, its name and its text; `MetadataOverrides`
then applies what maintainers wrote down (listings, manifests, sidecars) without touching code.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import PurePosixPath

from landinfo.countries import COUNTRIES, country_mentions, countries_in_slug
from landinfo.coverage import stated_period
from landinfo.datafiles import stopwords
from landinfo.overrides import MetadataOverrides, is_metadata_file, validated_fields
from landinfo.records import DocMeta, RawDocument
from landinfo.references import document_references

__all__ = ["detect_meta", "detect_language", "iso_date", "MetadataOverrides", "is_metadata_file"]

HEAD_CHARS = 4000
LANGUAGE_SAMPLE_CHARS = 20000

# ---------------------------------------------------------------- file metadata


def _flat_meta(file_meta: dict) -> dict[str, object]:
    """Keys lower-cased without PDF slashes; namespaced keys ("rpubl:avgorandedatum") also under their local name."""
    flat: dict[str, object] = {}
    for key, value in file_meta.items():
        name = str(key).lower().lstrip("/")
        flat.setdefault(name, value)
        if ":" in name:
            flat.setdefault(name.rsplit(":", 1)[1], value)
    return flat


def _first(flat: dict, *keys: str) -> object:
    for key in keys:
        value = flat.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if value not in (None, ""):
            return value
    return None


ISO_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def iso_date(value: object) -> str:
    """ISO form of a date given as a date object, "2009-11-03[T..]", PDF "D:20110214155849", or "20110214"; else ""."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value or "").strip()
    m = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})", text)
    if m:
        text = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    text = re.split(r"[T ]", text)[0]
    m = ISO_RE.match(text)
    if not m:
        return ""
    try:
        if m.group(3):
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif m.group(2) and not 1 <= int(m.group(2)) <= 12:
            return ""
    except ValueError:
        return ""
    return text


# ---------------------------------------------------------------- title

JUNK_TITLE_RE = re.compile(r"^(?:microsoft\s+word|untitled|document\d*$|referat\w*$|normal$|\S+\.(?:docx?|pdf|rtf)$)",
                           re.IGNORECASE)


def _heading(raw: RawDocument) -> str:
    for unit in raw.units[:3]:
        if unit.section:
            return unit.section.split(">")[0].strip()
        for line in unit.text.splitlines()[:3]:
            if line.startswith("# "):
                return line[2:].strip()
    return ""


def _first_lines_title(text: str) -> str:
    """A title from the first lines of a PDF page, joined when it was broken over lines:
    "European Convention\non Human Rights", "CHARTER OF FUNDAMENTAL RIGHTS\n\nOF THE EUROPEAN UNION"."""
    parts: list[str] = []
    for line in text.strip().splitlines()[:8]:
        line = re.sub(r"\s+", " ", line).strip()
        if not parts:
            if line:
                parts.append(line)
            continue
        previous = parts[-1]
        if not line:
            if previous.isupper():
                continue
            break
        continues = line[0].islower() or (previous.isupper() and line.isupper()) \
            or re.search(r"\b(?:of|and|the|for|on|to|om|och|för|i|av)$", previous, re.IGNORECASE)
        if not continues or line.startswith("(") or len(" ".join(parts + [line])) > 120:
            break
        parts.append(line)
    return " ".join(parts)


def _title(raw: RawDocument, flat: dict, head: str) -> str:
    candidates = [_first(flat, "rubrik"), _heading(raw), _first(flat, "title")]
    for candidate in candidates:
        text = re.sub(r"\s+", " ", str(candidate or "").replace("\xad", "")).strip().strip("#").strip()
        if len(text) >= 4 and not JUNK_TITLE_RE.match(text):
            return text
    first = _first_lines_title(head)
    if len(first) >= 4 and not re.fullmatch(r"[\W\d]+", first):
        return first
    return re.sub(r"[_\-]+", " ", raw.path.stem).strip()


# ---------------------------------------------------------------- document type

TYPE_ORDER = ("precedent", "case-summary", "statute", "coi", "legislative", "treaty")
FOLDER_HINTS = {
    "precedent": {"mig", "precedents", "prejudikat", "praxis", "domar", "mig-originals", "judgments"},
    "case-summary": {"case-summaries", "referat", "summaries-of-judgments"},
    "coi": {"coi", "landinfo", "landinformation", "country-reports", "ud-summaries", "country-information"},
    "statute": {"sfs", "lagar", "statutes", "forfattningar", "författningar", "lagstiftning"},
    "legislative": {"legislative", "forarbeten", "förarbeten", "propositioner", "sou", "lagradsremisser"},
    "treaty": {"treaties", "konventioner", "conventions", "traktater"},
}
SHARED_HINTS = {"case-law": ("precedent", "case-summary"), "rattsfall": ("precedent", "case-summary"),
                "law": ("statute", "treaty"), "international": ("treaty", "case-summary")}
TITLE_SIGNALS = {
    "case-summary": r"\bi\s+(?:målet|målen|ärendet)\b.*\bmot\b|\bv\.\s+Sweden|Europadomstolens\s+(?:dom|beslut|avgörande)"
                    r"|kommitténs\s+granskning|[A-Z]+:s\s+granskning|Utlåtande\s+\(\d+/\d{4}\)",
    "coi": r"Mänskliga\s+rättigheter,\s+demokrati\s+och\s+rättsstatens|Country\s+Reports?\s+on\s+Human\s+Rights"
           r"|Human\s+Rights\s+Report|Country\s+(?:of\s+Origin\s+)?(?:Information|Focus|Guidance|Policy)"
           r"|\bCOI\b|Landinfo|Landrapport|Temarapport|Security\s+situation|Säkerhetsläget",
    "legislative": r"(?i:lagr[åa]dsremiss|promemori|proposition|bet[äa]nkande|kommitt[ée]direktiv|departementsserien"
                   r"|utkast\s+till)|\bSOU\s+\d{4}|\bDs\s+\d{4}|\bProp\.\s+\d{4}",
    "treaty": r"(?i:\b(?:Convention|Protocol|Charter|Treaty|Regulation\s+\(E[UC]\)|Directive|Deklaration"
              r"|Överenskommelse|konvention|fördrag))",
}
HEAD_SIGNALS = {
    "precedent": r"Migrationsöverdomstolen|[Aa]vgörandedatum|DOMSLUT|MIGRATIONSÖVERDOMSTOLENS|Högsta\s+förvaltningsdomstolen",
    "case-summary": r"Sammanfattning\s+av\s+(?:domen|beslutet|yttrandet|avgörandet)|Europadomstolen|kommittén\s+fann"
                    r"|European\s+Court\s+of\s+Human\s+Rights|Committee\s+against\s+Torture",
    "coi": r"Executive\s+Summary|[Hh]uman\s+rights\s+(?:situation|issues|abuses)|mänskliga\s+rättigheterna|state\.gov"
           r"|säkerhetsläget|security\s+situation",
    "legislative": r"(?:I\s+(?:promemorian|lagrådsremissen|propositionen|betänkandet))|[Rr]egeringen\s+föreslår"
                   r"|föreslås|träda\s+i\s+kraft",
    "treaty": r"High\s+Contracting\s+Part|Contracting\s+States|HAVE\s+AGREED|[Hh]ave\s+agreed|hava\s+.{0,40}överenskommit"
              r"|THE\s+EUROPEAN\s+PARLIAMENT\s+AND",
}
STATUTE_TITLE_RE = re.compile(r"^(?:Lag|Förordning|Kungörelse|\w+(?:lag|förordning|balk|kungörelse))\b(?!\w)")


def _doc_type(raw: RawDocument, source: str, title: str, head: str, refs: tuple[str, ...], flat: dict) -> str:
    score: Counter[str] = Counter()
    for folder in PurePosixPath(source).parts[:-1]:
        folder = folder.lower()
        for doc_type, names in FOLDER_HINTS.items():
            if folder in names:
                score[doc_type] += 2
        for doc_type in SHARED_HINTS.get(folder, ()):
            score[doc_type] += 1
    if any(r.startswith(("MIG ", "UM ")) for r in refs):
        score["precedent"] += 4
    if any(key.startswith("rpubl:") for key in flat) and flat.get("avgorandedatum"):
        score["precedent"] += 2
    if any(r.startswith("SFS ") for r in refs) and (flat.get("beteckning") or STATUTE_TITLE_RE.match(title)):
        score["statute"] += 4
    elif STATUTE_TITLE_RE.match(title):
        score["statute"] += 2
    sections = sum(1 for unit in raw.units if re.search(r"(?:^|>)\s*\d+\s?[a-h]?\s*§\s*$", unit.section))
    if sections >= 5:
        score["statute"] += 2
    name = re.sub(r"[-_]+", " ", raw.path.stem)
    for doc_type, pattern in TITLE_SIGNALS.items():
        if re.search(pattern, title):
            score[doc_type] += 3
        elif re.search(pattern, name):
            score[doc_type] += 2
    for doc_type, pattern in HEAD_SIGNALS.items():
        hits = len(re.findall(pattern, head))
        score[doc_type] += min(hits, 3)
    if any(r.endswith(" Sverige") for r in refs) and score["precedent"] < 4:
        score["case-summary"] += 2
    if not score:
        return "other"
    best = max(TYPE_ORDER, key=lambda t: (score[t], -TYPE_ORDER.index(t)))
    return best if score[best] >= 2 else "other"


# ---------------------------------------------------------------- countries

NO_COUNTRY_TYPES = ("statute", "treaty")


def _countries(doc_type: str, raw: RawDocument, title: str, text: str, flat: dict) -> tuple[str, ...]:
    if doc_type in NO_COUNTRY_TYPES:
        return ()
    stated = _first(flat, "countries", "country", "land", "länder")
    if stated:
        values = stated if isinstance(stated, (list, tuple)) else re.split(r"[,;]", str(stated))
        named = [c for v in values for c in _country_names(str(v))]
        if named:
            return tuple(dict.fromkeys(named))
    in_title = [m.country for m in country_mentions(title)] + list(countries_in_slug(raw.path.stem))
    in_title = [c for c in dict.fromkeys(in_title) if c != "Sweden" or doc_type == "coi"]
    if in_title and doc_type == "coi":
        return tuple(in_title)
    score: Counter[str] = Counter()
    for mention in country_mentions(text[:60000]):
        if mention.country != "Sweden":
            score[mention.country] += 3 if mention.strong else 1
    if not score:
        return tuple(in_title)
    top = score.most_common(1)[0][1]
    if doc_type in ("case-summary", "precedent"):
        keep = [c for c, s in score.most_common() if s >= max(2, top / 3) or (s >= 1 and c in in_title)]
    else:  # coi without a country in its title, legislative, other: only what dominates the text
        keep = [c for c, s in score.most_common() if s >= max(4, top / 2)]
    return tuple(dict.fromkeys(in_title + keep))


def _country_names(value: str) -> list[str]:
    value = value.strip()
    if value in COUNTRIES:
        return [value]
    return [m.country for m in country_mentions(value)] or ([value] if value else [])


# ---------------------------------------------------------------- date

LABELLED_DATE_RE = re.compile(r"(?i:avgörandedatum|beslutsdatum|datum för (?:dom|beslut)|date of (?:judgment|decision))"
                              r"\s*:?\s*(\d{4}-\d{2}-\d{2})")
TITLE_DATE_RE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)")
FILENAME_MONTH_RE = re.compile(r"(?:^|_)((?:19|20)\d{2})_(0[1-9]|1[0-2])_")
SOURCE_URL_RE = re.compile(r"Source\s+PDF:\s*(\S+)", re.IGNORECASE)
URL_MONTH_RE = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/")
EDITION_RE = re.compile(r"Editions?\s+included:\s*((?:19|20)\d{2})")
MONTHS = {name: i + 1 for i, names in enumerate(
    ["january januari", "february februari", "march mars", "april", "may maj", "june juni", "july juli",
     "august augusti", "september", "october oktober", "november", "december"]) for name in names.split()}
LONG_DATE_RE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d{2})\b", re.IGNORECASE)
FRONT_MATTER_DATE_KEYS = ("date", "datum", "avgorandedatum", "avgörandedatum", "utfardad_datum", "published",
                          "publicerad", "publication_date", "publicerad_datum")
FILE_DATE_KEYS = ("creationdate", "created", "creation_date", "moddate", "modified")


def _date(raw: RawDocument, flat: dict, title: str, head: str) -> str:
    stated = iso_date(_first(flat, *FRONT_MATTER_DATE_KEYS))
    if stated:
        return stated
    for pattern, text in ((LABELLED_DATE_RE, head), (TITLE_DATE_RE, title)):
        m = pattern.search(text)
        if m and iso_date(m.group(1)):
            return m.group(1)
    m = SOURCE_URL_RE.search(head)
    if m and URL_MONTH_RE.search(m.group(1)):
        year, month = URL_MONTH_RE.search(m.group(1)).groups()
        return f"{year}-{month}"
    m = FILENAME_MONTH_RE.search(raw.path.stem)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    m = EDITION_RE.search(head)
    if m:
        return m.group(1)
    m = LONG_DATE_RE.search(head[:1500])
    if m:
        return f"{m.group(3)}-{MONTHS[m.group(2).lower()]:02d}-{int(m.group(1)):02d}"
    return iso_date(_first(flat, *FILE_DATE_KEYS))


# ---------------------------------------------------------------- language, publisher, url, fictional

STOPWORDS = stopwords("document")  # {"sv": ..., "en": ...} from data/stopwords/


def detect_language(text: str, hint: object = None) -> str:
    words = re.findall(r"[a-zåäöé]+", text[:LANGUAGE_SAMPLE_CHARS].lower())
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in STOPWORDS.items()}
    counts["sv"] += sum(1 for w in words if re.search(r"[åäö]", w)) / 4
    if counts["sv"] != counts["en"]:
        return max(counts, key=counts.get)
    hint = str(hint or "").lower()[:2]
    return hint if hint in STOPWORDS else ""


PUBLISHERS = (  # (pattern over title + head + file metadata, publisher)
    (r"Mänskliga\s+rättigheter,\s+demokrati\s+och\s+rättsstatens|Utrikesdepartementet", "Utrikesdepartementet"),
    (r"Country\s+Reports?\s+on\s+Human\s+Rights\s+Practices|state\.gov|Department\s+of\s+State", "US Department of State"),
    (r"\bUNHCR\b|High\s+Commissioner\s+for\s+Refugees", "UNHCR"),
    (r"Council\s+of\s+Europe|European\s+Treaty\s+Series|\bCoE\b|European\s+Convention\s+on\s+Human\s+Rights",
     "Council of Europe"),
    (r"Official\s+Journal\s+of\s+the\s+European|Publications\s+Office|Regulation\s+\(EU\)|EUROPEAN\s+UNION",
     "European Union"),
    (r"Regeringen\s+publicerar|regeringen\.se|[Ll]agrådsremiss|[Pp]romemorian", "Regeringskansliet"),
)


def _publisher(doc_type: str, title: str, head: str, flat: dict) -> str:
    stated = _first(flat, "publisher", "utgivare")
    if stated and not str(stated).startswith("http"):
        return str(stated)
    haystack = "\n".join([title, head[:2500]] + [str(_first(flat, key) or "") for key in ("author", "keywords")])
    if doc_type == "precedent" and re.search(r"Migrationsöverdomstolen|\bMIG\s+\d{4}:", haystack + str(flat)):
        return "Migrationsöverdomstolen"
    if doc_type == "statute" and (flat.get("beteckning") or re.search(r"\(\d{4}:\d+\)", title)):
        return "Regeringskansliet"
    for pattern, publisher in PUBLISHERS:
        if re.search(pattern, haystack):
            return publisher
    return ""


FICTIONAL_RE = re.compile(r"\b(?:FICTIONAL|FIKTIV|FIKTIVT)\b")


def _fictional(flat: dict, head: str) -> bool:
    stated = flat.get("fictional", flat.get("fiktiv"))
    if stated is not None:
        return str(stated).strip().lower() in ("true", "yes", "ja", "1")
    return bool(FICTIONAL_RE.search("\n".join(head.splitlines()[:5])))


def _url(flat: dict, head: str) -> str:
    stated = _first(flat, "url", "source_url", "uri", "identifier_url")
    if stated and str(stated).startswith("http"):
        return str(stated)
    m = SOURCE_URL_RE.search(head)
    return m.group(1) if m and m.group(1).startswith("http") else ""


# ---------------------------------------------------------------- detection


def detect_meta(raw: RawDocument, source: str) -> DocMeta:
    """Metadata read from the file itself: its front matter/properties, its name, its folder and its text."""
    flat = _flat_meta(raw.file_meta)
    text = "\n\n".join(unit.text for unit in raw.units)
    head = text[:HEAD_CHARS]
    title = _title(raw, flat, head)
    refs = document_references(f"{title}\n{head}", raw.file_meta)
    doc_type = _doc_type(raw, source, title, head, refs, flat)
    mig = next((r for r in refs if r.startswith("MIG ")), "")
    if mig and doc_type == "precedent":
        title = mig  # what a case officer cites; the court's header line or "rubrik" is not a title
    sfs = next((r for r in refs if r.startswith("SFS ")), "")
    if sfs and doc_type == "statute" and sfs[4:] not in title:
        title = f"{title} ({sfs[4:]})"
    detected = DocMeta(
        title=title,
        doc_type=doc_type,
        countries=_countries(doc_type, raw, title, text, flat),
        date=_date(raw, flat, title, head),
        language=detect_language(f"{title}\n{text}", _first(flat, "language", "lang", "xml:lang", "dc:language")),
        references=refs,
        url=_url(flat, head),
        publisher=_publisher(doc_type, title, head, flat),
        fictional=_fictional(flat, f"{title}\n{head}"),
        period=stated_period(title, head, _date(raw, flat, title, head)),
    )
    # Fields the file states under DocMeta's own names (front matter `doc_type: coi`) win over guesses;
    # a value that does not validate is ignored here (a sidecar is the place that reports problems).
    stated = {k: v for k, v in raw.file_meta.items() if k in DocMeta.__dataclass_fields__ and k != "title"}
    return detected.with_overrides(**validated_fields(stated, source, [])) if stated else detected
