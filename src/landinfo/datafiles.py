"""The package data in landinfo/data/, read once: glossary, countries, stop words, user-facing text, CSS and JS.

Trainers and maintainers edit these files, not Python. Each loader checks what it reads, and a malformed row is
one line naming the file and the line (`DataFileError`); every loader takes an optional path, so a test can
hand it a copy.

    glossary.tsv              one concept a row: Swedish forms | English forms (`#` lines name sections)
    glossary-whole-words.txt  Swedish glossary forms matched as whole words only, never inside a compound
    holding-phrases.txt       how a court states what it decided ("kom fram till", "no violation"), sv and en
    countries.tsv             one country a row: English name, other names, Swedish stems, English adjectives
    stopwords/sv.txt, en.txt  one word a row, with the lists it belongs to (question, document, index)
    text/en.yaml, sv.yaml     what users read: UI labels (ui), answer frames (answer), export headings (export)
    static/                   the browser UI's CSS and JavaScript
"""
from __future__ import annotations

import string
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import DataFileError

__all__ = ["data_file", "glossary", "whole_words", "holding_phrases", "countries", "stopwords", "text", "static",
           "LANGUAGES", "STOPWORD_USES", "TEXT_REFERENCE"]

LANGUAGES = ("sv", "en")
TEXT_REFERENCE = "en"  # text/en.yaml: every other language has exactly its sections, keys and {placeholders}
# What each stop-word list is for: a word a row in stopwords/<language>.txt, followed by the lists it is in.
STOPWORD_USES = {
    "question": "counted to tell the language of a question (glossary.detect_language)",
    "document": "counted to tell the language of a document when it is ingested (metadata.detect_language)",
    "index": "dropped from the words BM25 indexes and searches, whatever the text's language (lexical.tokenize)",
}
GLOSSARY_COLUMNS = ("swedish", "english")
COUNTRY_COLUMNS = ("english", "other_names", "swedish_stems", "english_adjectives")
TEXT_SECTIONS = ("ui", "answer", "export", "check")

Source = Path | Traversable | str


def data_file(name: str) -> Traversable:
    """A file under landinfo/data/ (through importlib.resources, so it is found in an installed wheel too)."""
    return files("landinfo").joinpath("data", *name.split("/"))


def _read(source: Source) -> tuple[str, str]:
    path = data_file(source) if isinstance(source, str) else source
    try:
        return str(path), path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DataFileError(f"{path}: cannot be read: {e}") from None


def _rows(source: Source, header: tuple[str, ...], required: int) -> tuple[str, list[tuple[int, list[str]]]]:
    """The tab-separated rows under the header row, with their line numbers; blank lines and `#` lines skipped.

    A row has `required` to len(header) columns (an editor that strips trailing tabs drops empty last columns).
    """
    name, content = _read(source)
    rows: list[tuple[int, list[str]]] = []
    seen_header = False
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        if not seen_header:
            if tuple(cells) != header:
                raise DataFileError(f"{name}:{number}: the first row must be the header "
                                    f"{' <tab> '.join(header)}, not {_shown(line)}")
            seen_header = True
            continue
        if not required <= len(cells) <= len(header):
            raise DataFileError(f"{name}:{number}: {len(cells)} tab-separated columns, expected "
                                f"{required if required == len(header) else f'{required} to {len(header)}'} "
                                f"({', '.join(header)})")
        rows.append((number, cells + [""] * (len(header) - len(cells))))
    if not seen_header:
        raise DataFileError(f"{name}: empty; the first row must be the header {' <tab> '.join(header)}")
    return name, rows


def _shown(line: str, width: int = 60) -> str:
    line = line.strip()
    return repr(line if len(line) <= width else line[:width] + "…")


def _forms(cell: str, where: str, what: str, lower: bool = True) -> tuple[str, ...]:
    """The `|`-separated entries of one cell: none empty, none twice, lower-case where asked."""
    if not cell:
        return ()
    forms = tuple(form.strip() for form in cell.split("|"))
    if "" in forms:
        raise DataFileError(f"{where}: an empty {what} (two '|' in a row, or one at an end)")
    for form in forms:
        if lower and form != form.lower():
            raise DataFileError(f"{where}: {what} {form!r} must be lower-case")
    twice = sorted({form for form in forms if forms.count(form) > 1})
    if twice:
        raise DataFileError(f"{where}: {what} {twice[0]!r} is listed twice")
    return forms


@cache
def glossary(source: Source = "glossary.tsv") -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(Swedish forms, English forms) for each concept, in file order; each side has at least one form."""
    name, rows = _rows(source, GLOSSARY_COLUMNS, required=2)
    concepts = []
    for number, (swedish, english) in rows:
        where = f"{name}:{number}"
        sv, en = _forms(swedish, where, "Swedish form"), _forms(english, where, "English form")
        if not sv or not en:
            raise DataFileError(f"{where}: a concept needs at least one Swedish and one English form")
        concepts.append((sv, en))
    return tuple(concepts)


def _words(source: Source) -> tuple[str, list[tuple[int, str]]]:
    """One word a line (blank lines and `#` lines skipped), with its line number."""
    name, content = _read(source)
    return name, [(number, line.strip()) for number, line in enumerate(content.splitlines(), 1)
                  if line.strip() and not line.lstrip().startswith("#")]


@cache
def generic_words(source: Source = "generic-words.txt") -> frozenset[str]:
    """Words of a question that name no topic ("risk", "återvända", "returnee"): lower-case single words."""
    name, lines = _words(source)
    seen: dict[str, int] = {}
    for number, word in lines:
        if word != word.lower() or not word.isalpha():
            raise DataFileError(f"{name}:{number}: {word!r} is not one lower-case word")
        if word in seen:
            raise DataFileError(f"{name}:{number}: {word!r} is already listed on line {seen[word]}")
        seen[word] = number
    return frozenset(seen)


@cache
def holding_phrases(source: Source = "holding-phrases.txt") -> tuple[str, ...]:
    """Words and phrases with which a court or committee states what it decided ("kom fram till", "no violation");
    lower-case, matched as whole words."""
    name, lines = _words(source)
    seen: dict[str, int] = {}
    for number, phrase in lines:
        if phrase != phrase.lower() or not any(c.isalpha() for c in phrase):
            raise DataFileError(f"{name}:{number}: {phrase!r} is not a lower-case word or phrase")
        if phrase in seen:
            raise DataFileError(f"{name}:{number}: {phrase!r} is already listed on line {seen[phrase]}")
        seen[phrase] = number
    return tuple(seen)


@cache
def whole_words(source: Source = "glossary-whole-words.txt") -> frozenset[str]:
    """Swedish glossary forms that match only as whole words, never as the start or head of a compound."""
    name, lines = _words(source)
    for number, word in lines:
        if word != word.lower() or not word.isalpha():
            raise DataFileError(f"{name}:{number}: {word!r} is not one lower-case word")
    return frozenset(word for _, word in lines)


@cache
def countries(source: Source = "countries.tsv") -> tuple[tuple[str, tuple[str, ...], tuple[str, ...],
                                                              tuple[str, ...]], ...]:
    """(English name, other names, Swedish adjective and demonym stems, English adjectives) for each country."""
    name, rows = _rows(source, COUNTRY_COLUMNS, required=1)
    table, seen = [], {}
    for number, (english, others, stems, adjectives) in rows:
        where = f"{name}:{number}"
        if not any(c.isalpha() for c in english) or "|" in english:
            raise DataFileError(f"{where}: the first column must be one English country name, not {english!r}")
        if english in seen:
            raise DataFileError(f"{where}: {english!r} is already listed on line {seen[english]}")
        seen[english] = number
        other_names = _forms(others, where, "other name", lower=False)
        adjective_list = _forms(adjectives, where, "English adjective", lower=False)
        stem_list = _forms(stems, where, "Swedish stem")
        for form in other_names + adjective_list + stem_list:
            if not any(c.isalpha() for c in form):
                raise DataFileError(f"{where}: {form!r} has no letter")
        table.append((english, other_names, stem_list, adjective_list))
    return tuple(table)


@cache
def stopwords(use: str, folder: Source = "stopwords") -> dict[str, frozenset[str]]:
    """The stop words of each language (stopwords/sv.txt, en.txt) that belong to the list `use`."""
    if use not in STOPWORD_USES:
        raise ValueError(f"use must be one of {', '.join(STOPWORD_USES)}, not {use!r}")
    base = data_file(folder) if isinstance(folder, str) else folder
    found = {}
    for language in LANGUAGES:
        name, lines = _words(base / f"{language}.txt")
        words: set[str] = set()
        seen: dict[str, int] = {}
        for number, line in lines:
            where = f"{name}:{number}"
            word, _, uses = line.partition("\t")
            word, tags = word.strip(), uses.split()
            if not word or word != word.lower() or any(c.isspace() for c in word):
                raise DataFileError(f"{where}: {word!r} is not one lower-case word")
            if word in seen:
                raise DataFileError(f"{where}: {word!r} is already listed on line {seen[word]}")
            seen[word] = number
            unknown = [tag for tag in tags if tag not in STOPWORD_USES]
            if not tags or unknown:
                raise DataFileError(f"{where}: after the word and a tab, name the lists it belongs to "
                                    f"({', '.join(STOPWORD_USES)}), not {uses.strip()!r}")
            if use in tags:
                words.add(word)
        found[language] = frozenset(words)
    return found


def _fields(value: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}


def _text_file(source: Source) -> tuple[str, dict[str, dict[str, tuple[int, str]]]]:
    """{section: {key: (line, text)}} of one text/<language>.yaml, every text a string."""
    import yaml

    name, content = _read(source)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(content, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise DataFileError(f"{name}{line}: not valid YAML: {getattr(e, 'problem', None) or e}") from None

    def mapping(node, what: str):
        if not isinstance(node, yaml.MappingNode):
            line = f":{node.start_mark.line + 1}" if node is not None else ""
            raise DataFileError(f"{name}{line}: {what} must be a mapping of names to texts")
        return [(key, value) for key, value in node.value]

    sections: dict[str, dict[str, tuple[int, str]]] = {}
    for key, value in mapping(root, "the file"):
        if key.value not in TEXT_SECTIONS:
            raise DataFileError(f"{name}:{key.start_mark.line + 1}: unknown section {key.value!r} "
                                f"(the sections are {', '.join(TEXT_SECTIONS)})")
        texts = sections.setdefault(key.value, {})
        for text_key, text in mapping(value, f"section {key.value!r}"):
            line = text_key.start_mark.line + 1
            if not isinstance(text, yaml.ScalarNode) or text.tag != "tag:yaml.org,2002:str":
                raise DataFileError(f"{name}:{line}: {key.value}.{text_key.value} must be a text (quote it)")
            if text_key.value in texts:
                raise DataFileError(f"{name}:{line}: {key.value}.{text_key.value} is already given on line "
                                    f"{texts[text_key.value][0]}")
            texts[text_key.value] = (line, text.value)
    return name, sections


@cache
def text(folder: Source = "text") -> dict[str, dict[str, dict[str, str]]]:
    """{language: {section: {key: text}}} from text/<language>.yaml. en.yaml is the reference: every other
    language has exactly its sections and keys, and the same {placeholders} in each text."""
    base = data_file(folder) if isinstance(folder, str) else folder
    loaded = {language: _text_file(base / f"{language}.yaml") for language in LANGUAGES}
    ref_name, reference = loaded[TEXT_REFERENCE]
    for section in TEXT_SECTIONS:
        if section not in reference:
            raise DataFileError(f"{ref_name}: the section {section!r} is missing")
    for language, (name, sections) in loaded.items():
        for section, texts in reference.items():
            for key, (ref_line, ref_text) in texts.items():
                if key not in sections.get(section, {}):
                    raise DataFileError(f"{name}: {section}.{key} is missing ({ref_name}:{ref_line} has it)")
                line, value = sections[section][key]
                try:
                    fields = _fields(value)
                except ValueError as e:
                    raise DataFileError(f"{name}:{line}: {section}.{key}: {e}") from None
                if fields != _fields(ref_text):
                    raise DataFileError(f"{name}:{line}: {section}.{key} has the placeholders "
                                        f"{sorted(fields)}, {ref_name}:{ref_line} {sorted(_fields(ref_text))}")
            for key, (line, _) in sections.get(section, {}).items():
                if key not in texts:
                    raise DataFileError(f"{name}:{line}: {section}.{key} is not in {ref_name}")
    return {language: {section: {key: value for key, (_, value) in texts.items()}
                       for section, texts in sections.items()}
            for language, (_, sections) in loaded.items()}


@cache
def static(name: str) -> str:
    """A file of the browser UI (static/landinfo.css, ...) as text."""
    return _read(f"static/{name}")[1]
