"""The package data in src/landinfo/data/: every file loads and is valid, a malformed row fails with its file and
line, the files ship in the wheel, and the data equal the Python literals they replaced."""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

from conftest import REPO
from landinfo import datafiles
from landinfo.errors import DataFileError, LandinfoError

# The last commit where the glossary, the country table and the texts were Python literals.
LITERALS_COMMIT = "c4ef808"
DATA = files("landinfo") / "data"
LOADERS = {
    "glossary.tsv": lambda p: datafiles.glossary(p),
    "glossary-whole-words.txt": lambda p: datafiles.whole_words(p),
    "holding-phrases.txt": lambda p: datafiles.holding_phrases(p),
    "generic-words.txt": lambda p: datafiles.generic_words(p),
    "countries.tsv": lambda p: datafiles.countries(p),
    "stopwords/sv.txt": lambda p: [datafiles.stopwords(use, p.parent) for use in datafiles.STOPWORD_USES],
    "stopwords/en.txt": lambda p: [datafiles.stopwords(use, p.parent) for use in datafiles.STOPWORD_USES],
    "text/en.yaml": lambda p: datafiles.text(p.parent),
    "text/sv.yaml": lambda p: datafiles.text(p.parent),
    "static/landinfo.css": lambda p: p.read_text(encoding="utf-8"),
    "static/cite-click.js": lambda p: p.read_text(encoding="utf-8"),
    "static/copy.js": lambda p: p.read_text(encoding="utf-8"),
    "publishers.tsv": lambda p: __import__("landinfo.publishers").publishers.load(p),
}


def _data_names(folder=DATA, prefix="") -> list[str]:
    names = []
    for entry in folder.iterdir():
        if entry.name == "__pycache__":
            continue
        name = prefix + entry.name
        names += _data_names(entry, name + "/") if entry.is_dir() else [name]
    return sorted(names)


def test_every_data_file_is_read_through_importlib_resources_and_validated():
    names = _data_names()
    assert names == sorted(LOADERS), "a data file without a loader here is never validated"
    for name in names:
        assert LOADERS[name](DATA.joinpath(*name.split("/"))), name


def test_the_wheel_ships_every_data_file(tmp_path):
    """An editable install reads src/ directly; a wheel has only what package-data names."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(REPO / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist"), str(project)], check=True, timeout=300, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("landinfo-*.whl")
    shipped = {n.removeprefix("landinfo/data/") for n in zipfile.ZipFile(wheel).namelist()
               if n.startswith("landinfo/data/")}
    assert shipped == set(_data_names())


# ------------------------------------------------------------------ a malformed row: its file and line


def _copy(tmp_path: Path, name: str, edit) -> Path:
    """A copy of data/<name> (and of its siblings) under tmp_path, with `edit` applied to its lines."""
    folder = tmp_path / Path(name).parent
    source = DATA.joinpath(*name.split("/"))
    for sibling in source.parent.iterdir():
        if sibling.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            (folder / sibling.name).write_text(sibling.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / name
    lines = path.read_text(encoding="utf-8").split("\n")
    edit(lines)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _line_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


def _fails(load, path: Path, line: int, reason: str):
    with pytest.raises(DataFileError) as caught:
        load(path)
    message = str(caught.value)
    assert f"{path.name}:{line}:" in message and re.search(reason, message), message
    assert "\n" not in message
    assert isinstance(caught.value, LandinfoError)


@pytest.mark.parametrize("change, reason", [
    (lambda row: row.replace("\t", " "), r"1 tab-separated columns, expected 2"),
    (lambda row: row + "\textra", r"3 tab-separated columns"),
    (lambda row: row.replace("asyl|", "Asyl|", 1), r"'Asyl' must be lower-case"),
    (lambda row: row.replace("asyl|", "asyl||", 1), r"an empty Swedish form"),
    (lambda row: row.replace("asyl|", "asyl|asyl|", 1), r"'asyl' is listed twice"),
    (lambda row: row.split("\t")[0] + "\t", r"at least one Swedish and one English form"),
])
def test_a_malformed_glossary_row_names_its_file_and_line(tmp_path, change, reason):
    found = {}

    def edit(lines):
        found["i"] = _line_of(lines, "asyl|asylen")
        lines[found["i"]] = change(lines[found["i"]])

    path = _copy(tmp_path, "glossary.tsv", edit)
    _fails(datafiles.glossary, path, found["i"] + 1, reason)


def test_a_glossary_without_its_header_row_is_refused(tmp_path):
    found = {}

    def edit(lines):
        del lines[_line_of(lines, "swedish\tenglish")]
        found["i"] = _line_of(lines, "asyl|asylen")

    path = _copy(tmp_path, "glossary.tsv", edit)
    _fails(datafiles.glossary, path, found["i"] + 1, r"the first row must be the header swedish <tab> english, not "
                                                      r"'asyl\|asylen\|.{20,60}'$")


@pytest.mark.parametrize("change, reason", [
    (lambda row: row + "\tmore\tcolumns", r"6 tab-separated columns, expected 1 to 4"),
    (lambda row: row.replace("iransk|", "Iransk|"), r"'Iransk' must be lower-case"),
    (lambda row: "\t" + row.split("\t", 1)[1], r"the first column must be one English country name"),
    (lambda row: "Afghanistan" + row[len("Iran"):], r"'Afghanistan' is already listed on line \d+"),
])
def test_a_malformed_country_row_names_its_file_and_line(tmp_path, change, reason):
    found = {}

    def edit(lines):
        found["i"] = _line_of(lines, "Iran\t")
        lines[found["i"]] = change(lines[found["i"]])

    path = _copy(tmp_path, "countries.tsv", edit)
    _fails(datafiles.countries, path, found["i"] + 1, reason)


def test_a_country_row_whose_empty_last_columns_an_editor_stripped_still_loads(tmp_path):
    path = _copy(tmp_path, "countries.tsv", lambda lines: None)
    assert "Republic of the Congo\tRepubliken Kongo|Kongo-Brazzaville|Congo-Brazzaville\n" in path.read_text()
    assert ("Republic of the Congo", ("Republiken Kongo", "Kongo-Brazzaville", "Congo-Brazzaville"), (), ()) \
        in datafiles.countries(path)


@pytest.mark.parametrize("change, reason", [
    (lambda row: row.split("\t")[0], r"name the lists it belongs to"),
    (lambda row: row + " glossary", r"name the lists it belongs to \(question, document, index\), not "),
    (lambda row: row.upper(), r"'OCH' is not one lower-case word"),
])
def test_a_malformed_stop_word_row_names_its_file_and_line(tmp_path, change, reason):
    found = {}

    def edit(lines):
        found["i"] = _line_of(lines, "och\t")
        lines[found["i"]] = change(lines[found["i"]])

    path = _copy(tmp_path, "stopwords/sv.txt", edit)
    _fails(lambda p: datafiles.stopwords("question", p.parent), path, found["i"] + 1, reason)


def test_a_stop_word_listed_twice_is_refused(tmp_path):
    found = {}

    def edit(lines):
        found["i"] = _line_of(lines, "och\t")
        lines.append("och\tindex")

    path = _copy(tmp_path, "stopwords/sv.txt", edit)
    lines = path.read_text().split("\n")
    _fails(lambda p: datafiles.stopwords("index", p.parent), path, len(lines),
           rf"'och' is already listed on line {found['i'] + 1}")


def test_a_whole_word_that_is_two_words_is_refused(tmp_path):
    path = _copy(tmp_path, "glossary-whole-words.txt", lambda lines: lines.append("två ord"))
    _fails(datafiles.whole_words, path, len(path.read_text().split("\n")), r"'två ord' is not one lower-case word")


@pytest.mark.parametrize("added, reason", [
    ("Kom Fram Till", r"'Kom Fram Till' is not a lower-case word or phrase"),
    ("avslår", r"'avslår' is already listed on line \d+"),
])
def test_a_malformed_holding_phrase_names_its_file_and_line(tmp_path, added, reason):
    path = _copy(tmp_path, "holding-phrases.txt", lambda lines: lines.append(added))
    _fails(datafiles.holding_phrases, path, len(path.read_text().split("\n")), reason)


@pytest.mark.parametrize("change, below, reason", [
    (lambda row: "  ask: Fråga: nu", 0, r"not valid YAML"),
    (lambda row: "  ask: 12", 0, r"ui.ask must be a text \(quote it\)"),
    (lambda row: row + "\n  ask_again: Fråga igen", 1, r"ui.ask_again is not in .*en.yaml"),
    (lambda row: row + "\n  ask: Fråga igen", 1, r"ui.ask is already given on line \d+"),
    (lambda row: row + "\nfooter:\n  note: x", 1, r"unknown section 'footer'"),
])
def test_a_malformed_text_names_its_file_and_line(tmp_path, change, below, reason):
    found = {}

    def edit(lines):
        found["i"] = _line_of(lines, "  ask:")
        lines[found["i"]] = change(lines[found["i"]])

    path = _copy(tmp_path, "text/sv.yaml", edit)
    _fails(lambda p: datafiles.text(p.parent), path, found["i"] + 1 + below, reason)


def test_a_text_with_other_placeholders_than_english_names_both_lines(tmp_path):
    found = {}

    def edit(lines):
        found["i"] = _line_of(lines, "  stale:")
        lines[found["i"]] = lines[found["i"]].replace("{months}", "{manader}")

    path = _copy(tmp_path, "text/sv.yaml", edit)
    _fails(lambda p: datafiles.text(p.parent), path, found["i"] + 1,
           r"ui.stale has the placeholders \['manader'\], .*en.yaml:\d+ \['months'\]")


def test_a_text_missing_in_one_language_names_the_key_and_where_english_has_it(tmp_path):
    path = _copy(tmp_path, "text/sv.yaml", lambda lines: lines.remove(next(x for x in lines if x.startswith(
        "  llm_fallback:"))))
    with pytest.raises(DataFileError, match=r"sv.yaml: answer.llm_fallback is missing \(.*en.yaml:\d+ has it\)"):
        datafiles.text(path.parent)


# ------------------------------------------------------------------ the data are what the code had


def _literal_at(commit: str, path: str, name: str):
    """The value of the module-level literal `name` in `path` at `commit`, or a skip without the git history."""
    try:
        source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=REPO, capture_output=True, text=True,
                                check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip(f"the git history with {path} at {commit} is not available")
    for node in ast.parse(source).body:
        target = getattr(node, "target", None) or (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not in {path} at {commit}")


def test_the_glossary_file_holds_every_concept_of_the_literal_it_replaced():
    """All 315 concepts, in order, each with its forms in order; rows and forms added later are allowed."""
    from landinfo.glossary import CONCEPTS

    old = _literal_at(LITERALS_COMMIT, "src/landinfo/glossary.py", "CONCEPTS")
    assert len(old) == 315 and sum(len(sv) + len(en) for sv, en in old) == 3363
    at = 0
    for sv, en in old:
        while at < len(CONCEPTS) and not (CONCEPTS[at][0][:len(sv)] == sv and CONCEPTS[at][1][:len(en)] == en):
            at += 1
        assert at < len(CONCEPTS), f"the concept {sv[0]!r} / {en[0]!r} is missing or out of order"
        at += 1


def test_the_country_file_holds_every_row_of_the_table_it_replaced():
    old = _literal_at(LITERALS_COMMIT, "src/landinfo/countries.py", "LEXICON")
    table = {row[0]: row for row in datafiles.countries()}
    for line in old.strip().splitlines():
        english, others, stems, adjectives = (line.split("|") + ["", "", ""])[:4]
        row = table[english]
        for was, now in zip((others, stems, adjectives), row[1:]):
            assert now[:len(was.split(",")) if was else 0] == tuple(filter(None, was.split(","))), english


def test_each_stop_word_list_has_one_source():
    from landinfo import glossary, lexical, metadata

    assert glossary._STOP == datafiles.stopwords("question")
    assert metadata.STOPWORDS == datafiles.stopwords("document")
    assert lexical._STOPWORDS == datafiles.stopwords("index")["sv"] | datafiles.stopwords("index")["en"]
    assert "och" in lexical._STOPWORDS and "the" in lexical._STOPWORDS
    assert "och" not in lexical.tokenize("journalister och bloggare i Eritrea")


def test_every_text_the_code_asks_for_is_in_each_language():
    from landinfo.answer.types import FRAME
    from landinfo.export import HEADINGS
    from landinfo.ui_text import TEXT, t

    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "src" / "landinfo").rglob("*.py"))
    asked = set(re.findall(r"\bt\([^,()]+,\s*\"(\w+)\"(?!\s*\+)", source))  # t(ui, "ask"), t(language, "stale", ...)
    assert asked and asked <= set(TEXT["en"]), asked - set(TEXT["en"])
    framed = set(re.findall(r"frame\[\"(\w+)\"\]|FRAME\[[^]]+\]\[\"(\w+)\"\]", source))
    assert {k for pair in framed for k in pair if k} <= set(FRAME["en"])
    for language in ("sv", "en"):
        assert set(TEXT[language]) == set(TEXT["en"]) and set(FRAME[language]) == set(FRAME["en"])
    assert HEADINGS["sv"]["closest"] == "Närmaste avsnitt" and HEADINGS["en"]["closest"] == "Closest passages"
    assert t("sv", "progress", i=2, n=5) == "Fråga 2 av 5"
    assert t("fr", "ask") == "Ask"


def test_the_ui_style_and_scripts_are_the_static_files():
    from landinfo.ui_style import COPY_JS, CSS, HEAD

    assert ".gradio-container { max-width: 1600px !important; }" in CSS and "footer { display: none" in CSS
    assert HEAD.strip().startswith("<script>") and HEAD.strip().endswith("</script>")
    assert 'closest("a.cite' in HEAD
    assert COPY_JS.startswith("(text, ui) =>") and "navigator.clipboard" in COPY_JS
