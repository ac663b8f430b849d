"""An applicant's account -> its claims: the statements about the country situation that country information can
speak to (events, places, dates, actors, practices), each with its offsets in the account, and the statements only
the applicant can know ("my father was ill"), kept and marked personal, never checked.

No model: sentences (sentences.split_sentences), cut further at ';' and at a dash between clauses, and a statement
told in the first person also where it goes on to a general one ("I was called up in 2019, and nobody knew how long
it would last"), then sorted by what they name. A statement is checkable when it names an actor (police, army, an
armed group) or a practice (arrests, conscription, torture, checkpoints), when it is a general statement (not told in
the first person or of the family), or when it names a place and is not about the applicant's own life only (born,
married, ill); a date alone does not make a statement checkable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .countries import country_mentions
from .errors import AccountTooLargeError
from .glossary import detect_language
from .sentences import split_sentences, strip_span
from .ui_text import number, t

# Who acts in a country's situation, as an account names them, in English and Swedish (word starts; a trailing *
# in the pattern's words is any ending). Generic roles only: no group, place or country is named here.
_ACTORS = (
    r"police\w*|polis\w*|army|armies|armé\w*|militar\w*|military|militär\w*|soldier\w*|soldat\w*|troops?|trupp\w*|"
    r"security (?:forces?|services?|agents?)|säkerhets\w*|intelligence|underrättelse\w*|authorit\w*|myndighet\w*|"
    r"government\w*|regering\w*|regim\w*|regime\w*|state agents?|officials?|tjänstem[aä]n\w*|guards?|vakt\w*|"
    r"militia\w*|milis\w*|rebel\w*|insurgent\w*|gerilla\w*|guerrill\w*|armed groups?|väpnad\w* grupp\w*|"
    r"terrorist\w*|extremist\w*|gang\w*|gäng\w*|clan\w*|klan\w*|tribe\w*|stam(?:men|mar)?|"
    r"party|parti\w*|opposition\w*|court\w*|domstol\w*|judge\w*|domare|prosecutor\w*|åklagar\w*|"
    r"border guards?|gränsvakt\w*|gränspolis\w*|checkpoints?|vägspärr\w*|kontrollstation\w*|"
    r"church\w*|kyrk\w*|mosque\w*|moské\w*|imam\w*|priest\w*|präst\w*|religious leaders?|"
    r"smugglers?|smugglar\w*|traffickers?|människohandlar\w*|journalist\w*|activist\w*|aktivist\w*|"
    r"revolutionary guards?|revolutionsgard\w*|morality police|moralpolis\w*|neighbourhood committee\w*"
)
# What happens in a country's situation: arrests, detention, service, violence, restrictions, protest.
_PRACTICES = (
    r"arrest\w*|grip\w*|greps|gripen|gripna|häkta\w*|detain\w*|detention|frihetsberöv\w*|imprison\w*|prison\w*|"
    r"fängel\w*|fängsl\w*|jail\w*|custody|förvar\w*|abduct\w*|kidnap\w*|kidnapp\w*|bortför\w*|disappear\w*|"
    r"försvunn\w*|tortur\w*|torture\w*|beat(?:en|ing|ings)?|misshand\w*|slag(?:en)?|execut\w*|avrätt\w*|"
    r"kill\w*|dödad\w*|mörda\w*|murder\w*|shot|shoot\w*|sköt\w*|skjut\w*|bomb\w*|attack\w*|angr\w*|raid\w*|"
    r"razzi\w*|massacre\w*|massaker\w*|fighting|strider|striderna|conflict\w*|konflikt\w*|war|krig\w*|"
    r"conscript\w*|värnplikt\w*|national service|nationaltjänst\w*|military service|militärtjänst\w*|"
    r"round-?ups?|giffa|recruit\w*|rekryter\w*|forced labou?r|tvångsarbete\w*|desert\w*|"
    r"protest\w*|demonstrat\w*|uprising|uppror\w*|strike\w*|strejk\w*|election\w*|val(?:et|en)?|"
    r"curfew\w*|utegångsförbud\w*|ban(?:ned|s)?|förbj\w*|förbud\w*|censor\w*|blocked|blockera\w*|"
    r"persecut\w*|förfölj\w*|harass\w*|trakasser\w*|discriminat\w*|diskriminer\w*|threat\w*|hot(?:ad|ade|et|en)?|"
    r"convert\w*|konverter\w*|konvertit\w*|apostasy|avfäll\w*|blasphemy|hädelse\w*|"
    r"exit visas?|utresetillstånd\w*|passports?|pass(?:et)?|border|gräns(?:en)?|smuggl\w*|"
    r"law|lag(?:en)?|illegal|olaglig\w*|punish\w*|straff\w*|sentenced|dömd\w*|death penalty|dödsstraff\w*|"
    r"fgm|genital mutilation|könsstympning\w*|forced marriage\w*|tvångsäktenskap\w*|honou?r\w*|heder\w*|"
    r"bribe\w*|mutor|muta|corruption|korruption|released|släpptes|frigavs|displac\w*|fördriv\w*|refugee camps?|"
    r"flyktingläger\w*|camps?|läger\w*|training camp\w*|question(?:ed|ing)|interrogat\w*|förhör\w*|"
    r"held|hölls|airports?|flygplats\w*|returnees?|återvänd\w*|deport\w*|utvis\w*"
)
# What only the applicant's own life is about: when a statement names a place but nothing else, these keep it
# personal ("I was born in X", "we lived in X").
_OWN_LIFE = (
    r"born|född\w*|grew up|växte upp|married|gift(?:e|a)?|wedding|bröllop\w*|ill|sick|sjuk\w*|died|dog|död(?!ad)|"
    r"lived|live|bodde|bor|moved|flyttade|studied|studerade|school|skola\w*|worked as|arbetade som|"
    r"love\w*|älska\w*|children|barn(?:en)?|my (?:father|mother|brother|sister|wife|husband|son|daughter)|"
    r"min (?:far|mor|pappa|mamma|bror|syster|fru|man|son|dotter)|mitt barn"
)
# The applicant and the family: what a statement only the applicant can know is told about.
_FIRST_PERSON = (
    r"me|my|mine|myself|we|us|our|jag|mig|mej|min|mitt|mina|vi|oss|vår|vårt|våra|"
    r"father|mother|brother|sister|wife|husband|son|daughter|uncle|aunt|cousin|grand\w+|family|"
    r"far|mor|pappa|mamma|bror|syster|fru|make|dotter|farbror|morbror|faster|moster|kusin|familj\w*"
)
_FIRST_PERSON_RE = re.compile(rf"\b(?:{_FIRST_PERSON})\b", re.I)
_ENGLISH_I = re.compile(r"\bI\b")  # Swedish "I" is "in": counted only in an English statement
_ACTOR_RE = re.compile(rf"\b(?:{_ACTORS})\b", re.I)
_PRACTICE_RE = re.compile(rf"\b(?:{_PRACTICES})\b", re.I)
_OWN_LIFE_RE = re.compile(rf"\b(?:{_OWN_LIFE})\b", re.I)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b")
# A capitalised word that does not open its sentence or a clause: a place or a name ("in Keren", "i Herat").
_PLACE_AFTER = re.compile(r"\b(?:in|at|to|from|near|outside|i|vid|till|från|nära|utanför|mot)\s+"
                          r"([A-ZÅÄÖÉ][\w'’-]+)")
# A clause boundary inside a sentence: a semicolon, or a dash with space around it.
_CLAUSE_BREAK = re.compile(r"\s*;\s*|\s+[–—-]\s+")
# Where a sentence goes on to another main clause: a comma before a word that joins two ("..., and ...", "..., men
# ..."); the joining word stays with the clause it opens.
_JOINING = r"and|but|yet|while|whereas|och|men|fast|medan"
_JOINED = re.compile(rf",\s+(?=(?:{_JOINING})\s)", re.I)
# A clause with a subject of its own that is nobody in the applicant's family: none, everyone, people, there ...
# ("and grew up there" shares the first clause's subject and is the applicant's life, not a general statement).
_GENERAL_SUBJECT = re.compile(
    rf"(?:(?:{_JOINING})\s+)?(?:nobody|no one|none|nothing|everyone|everybody|everything|anyone|anybody|people|"
    r"there|all|many|most|few|no|every|each|ingen|inget|inga|ingenting|alla|allt|varje|många|få|de flesta|folk|"
    r"man|det|någon|något|några)\b", re.I)
_MIN_WORDS = 3
_WRAPPED_LINE = re.compile(r"(?<=\S)[ \t]*\n(?![ \t]*\n)")  # one line break, not a blank line


@dataclass(frozen=True)
class Claim:
    """One statement of an account: its words as in the account, where it stands, and whether it is checkable."""

    text: str
    start: int  # offsets in the account; -1 when a user's edit no longer stands in the account as written
    end: int
    personal: bool = False

    def to_json(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "personal": self.personal}


def split_claims(account: str) -> list[Claim]:
    """The account's statements in order, each a Claim with its offsets; personal ones marked, none dropped
    (a statement of fewer than three words is part of the one before it)."""
    claims: list[Claim] = []
    # A line break inside a paragraph is where the text was wrapped, not where a sentence ends: the sentences are
    # read with it as a space (same length, so the offsets hold), the claims keep the account's own characters.
    flowing = _WRAPPED_LINE.sub(lambda m: " " * len(m.group()), account)
    for start, end in split_sentences(flowing):
        language = detect_language(account[start:end])  # a clause is too short to tell its language by itself
        for clause in _clauses(account, start, end):
            for s, e in _general_parts(account, *clause, language):
                text = account[s:e]
                if claims and len(text.split()) < _MIN_WORDS and claims[-1].end <= s:
                    previous = claims.pop()
                    s, text = previous.start, account[previous.start:e]
                claims.append(Claim(text, s, e, personal=is_personal(text, language)))
    return claims


def is_personal(text: str, language: str = "") -> bool:
    """True for a statement only the applicant can know: told in the first person or of the family, naming no actor
    and no practice, and a place only in telling of the applicant's own life. A general statement ("converts are
    arrested", "the schools teach only in the official language") is checkable. `language`: the statement's, when
    the text around it tells it better than its own words (detected from them when not given)."""
    if _ACTOR_RE.search(text) or _PRACTICE_RE.search(text):
        return False
    english = _ENGLISH_I.search(text) and (language or detect_language(text)) == "en"
    if not (_FIRST_PERSON_RE.search(text) or english):
        return False
    if names_a_place(text):
        return bool(_OWN_LIFE_RE.search(text))
    return True


def names_a_place(text: str) -> bool:
    """A country (in English or Swedish) or a capitalised place after 'in', 'from', 'i', 'från' ..."""
    return bool(country_mentions(text)) or bool(_PLACE_AFTER.search(text))


def years_named(text: str) -> list[int]:
    return sorted({int(y) for y in _YEAR.findall(text)})


def locate(account: str, text: str, near: int = 0) -> tuple[int, int]:
    """Offsets of a claim's text in the account (the occurrence nearest `near`; white space may differ), or
    (-1, -1) when it is not there as written (a user reworded it)."""
    return _Locator(account).find(text, near)


def claims_from_lines(account: str, lines: list[str], personal_marks: tuple[str, ...] = ()) -> list[Claim]:
    """A user's edited list (one claim a line) as Claims: each located in the account where it stands as written;
    a line that starts with one of `personal_marks` is personal, the mark removed. Lines in the account's order
    are found in one pass over it, each from where the one before ended."""
    locator = _Locator(account)
    claims, cursor = [], 0
    for line in lines:
        text = line.strip()
        personal = False
        for mark in personal_marks:
            if text.startswith(mark):
                text, personal = text[len(mark):].strip(), True
                break
        if not text:
            continue
        start, end = locator.find(text, cursor)
        if start >= 0:
            cursor = end
        claims.append(Claim(text, start, end, personal=personal))
    return claims


def bounded_claims(account: str, max_chars: int, max_claims: int, lines: list[str] | None = None,
                   personal_marks: tuple[str, ...] = ()) -> list[Claim]:
    """The claims one check of `account` takes: the splitter's, or a user's `lines` (claims_from_lines).
    AccountTooLargeError, before any claim is read, when the account is longer than `max_chars` characters or has
    more than `max_claims` claims (non-empty lines): the one rule every way into a check applies before model work."""
    if len(account) > max_chars:
        raise AccountTooLargeError("chars", len(account), max_chars)
    if lines is not None:
        count = sum(1 for line in lines if line.strip())
        if count > max_claims:
            raise AccountTooLargeError("claims", count, max_claims)
        return claims_from_lines(account, lines, personal_marks)
    claims = split_claims(account)
    if len(claims) > max_claims:
        raise AccountTooLargeError("claims", len(claims), max_claims)
    return claims


def too_large_message(error: AccountTooLargeError, language: str) -> str:
    """'This account is 52,000 characters long; one check takes at most 40,000. ...' in the user's language."""
    return t(language, f"check_too_many_{error.what}", size=number(language, error.size),
             limit=number(language, error.limit))


class _Locator:
    """Finds claims' texts in one account, searching outwards from where the last one stood, so that lines in the
    account's order cost one pass over it; a line that cannot be there (a word between its first and last that
    is no word of the account) costs nothing."""

    def __init__(self, account: str):
        self.account = account
        self.words = frozenset(account.split())

    def find(self, text: str, near: int) -> tuple[int, int]:
        words = text.split()
        if not words or any(w not in self.words for w in words[1:-1]):  # inner words stand whole, space around
            return -1, -1
        pattern = re.compile(r"\s+".join(re.escape(word) for word in words))  # a wrapped line reads as one space
        after = pattern.search(self.account, near)
        # only a match that starts before `near` and is nearer than `after` can win: look back no further
        before, lo = None, 0 if after is None else max(0, 2 * near - after.start())
        for m in pattern.finditer(self.account, lo):
            if m.start() >= near:
                break
            before = m
        best = min((m for m in (before, after) if m is not None), key=lambda m: abs(m.start() - near), default=None)
        return (best.start(), best.end()) if best is not None else (-1, -1)


def _general_parts(text: str, start: int, end: int, language: str) -> list[tuple[int, int]]:
    """A statement told in the first person cut where it goes on to a general one, after a comma and a joining word
    ("I was called up in 2019, and nobody knew how long it would last"; "Jag kallades in 2019, och ingen visste hur
    länge tjänsten skulle vara"): the personal part and the general part, each a claim of at least three words, so
    that the general one is searched. Any other statement is left whole."""
    if not is_personal(text[start:end], language):
        return [(start, end)]
    joins = list(_JOINED.finditer(text, start, end))  # the comma ends a clause, the joining word opens the next
    starts, ends = [start, *(m.end() for m in joins)], [*(m.start() for m in joins), end]
    spans = [strip_span(text, s, e) for s, e in zip(starts, ends)]
    parts: list[tuple[int, int]] = []  # neighbouring clauses of one kind (personal or general) are one part
    kinds: list[bool] = []
    for s, e in spans:
        kind = _general(text[s:e], language)
        if kinds and kinds[-1] == kind:
            parts[-1] = (parts[-1][0], e)
        else:
            parts.append((s, e))
            kinds.append(kind)
    if len(parts) < 2 or any(len(text[s:e].split()) < _MIN_WORDS for s, e in parts):
        return [(start, end)]
    return parts


def _general(clause: str, language: str) -> bool:
    """A clause about the country rather than the applicant: not personal, with a subject of its own."""
    return bool(_GENERAL_SUBJECT.match(clause)) and not is_personal(clause, language)


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence's clauses split at ';' or a spaced dash, each a span without its surrounding white space."""
    spans, at = [], start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        spans.append((at, m.start()))
        at = m.end()
    spans.append((at, end))
    out = []
    for s, e in spans:
        s, e = strip_span(text, s, e)
        if e > s:
            out.append((s, e))
    return out
