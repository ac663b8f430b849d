"""Markdown and plain text: decode the bytes, read YAML front matter, split at headings."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from ..errors import LoadError
from ..records import RawDocument
from .limits import check_time
from .sections import Block, units_from_blocks

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")


def decode_text(data: bytes) -> str:
    """The text of a file that should be text: UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError("not valid UTF-16 text") from None
    sample = data[:65536]
    if b"\x00" in sample or len(_CONTROL_BYTES.findall(sample)) * 100 > len(sample):
        raise LoadError("binary data, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError("not valid UTF-8 text")


# ---- Markdown ----------------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML 1.2 scalars: "2009:30" stays a string (not a base-60 number), "no" stays a string (not false)."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."))


def _plain_values(value):
    """Dates as ISO strings, all the way down."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_values(v) for v in value]
    return value


def split_front_matter(text: str) -> tuple[dict, str]:
    """(front matter, the rest of the text); ({}, text) when the file has none."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.load(match.group(1), Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        raise LoadError(f"front matter is not valid YAML{line}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise LoadError("front matter is not a list of 'key: value' lines")
    return _plain_values(meta), text[match.end():]


def _inline_markdown(line: str) -> str:
    """What a reader sees: link and image text without their targets, strong text without asterisks."""
    return _STRONG.sub(r"\2", _LINK.sub(r"\1", _IMAGE.sub(r"\1", line)))


def markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    fence = ""

    def end_paragraph() -> None:
        if paragraph:
            blocks.append(Block("\n".join(paragraph)))
            paragraph.clear()

    for number, line in enumerate(text.splitlines()):
        if number % 4096 == 0:
            check_time()
        opening = _FENCE.match(line)
        if fence:
            paragraph.append(line)
            if opening and opening.group(1) == fence:
                fence = ""
            continue
        if opening:
            end_paragraph()
            fence = opening.group(1)
            paragraph.append(line)
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            end_paragraph()
            blocks.append(Block(_inline_markdown(heading.group(2) or ""), level=len(heading.group(1))))
        elif line.strip():
            paragraph.append(_inline_markdown(line))
        else:
            end_paragraph()
    end_paragraph()
    return blocks


def load_markdown(path: Path, data: bytes) -> RawDocument:
    text = decode_text(data)
    meta, body = split_front_matter(text)
    units = units_from_blocks(markdown_blocks(body))
    if not units and meta:
        # A stub (a statute published as its header only): its front matter is all the file says.
        units = units_from_blocks([Block(_FRONT_MATTER.match(text).group(1))])
    if not units:
        raise LoadError("no text")
    return RawDocument(path=path, units=units, file_meta=meta)


# ---- Plain text --------------------------------------------------------------------------------------

# "1. Background", "2.3 Internal relocation", "4 Bedömning": a short line of its own, capitalised, unpunctuated.
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?[ \t]+([A-ZÅÄÖÉÜ][^\n]{0,90}?)[ \t]*$")
_NO_HEADING_END = (".", ",", ";", ":", "?", "!")


def _numbered_headings(paragraphs: list[str]) -> dict[int, tuple[int, str]]:
    """paragraph index -> (level, heading) for one-line paragraphs numbered 1, 2, 3 ... in order.

    Only a run that starts at 1 and counts up without gaps is taken for structure, so that a numbered
    paragraph of body text ("16 kap. 5 §", a list item) does not split the file.
    """
    found: dict[int, tuple[int, str]] = {}
    last: list[int] = []  # the number of the heading taken before, e.g. [2, 3] for "2.3"
    for i, paragraph in enumerate(paragraphs):
        if i % 4096 == 0:
            check_time()
        match = _NUMBERED_HEADING.match(paragraph)
        if not match or paragraph.endswith(_NO_HEADING_END) or "§" in paragraph:
            continue
        numbers = [int(n) for n in match.group(1).split(".")]
        following = [last[:k] + [last[k] + 1] for k in range(len(last))] + [last + [1]]
        if numbers in following:
            found[i] = (len(numbers), paragraph)
            last = numbers
    tops = sum(1 for level, _ in found.values() if level == 1)
    return found if tops >= 2 else {}


def plain_text_blocks(text: str) -> list[Block]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    headings = _numbered_headings([p.strip() for p in paragraphs])
    return [Block(headings[i][1], headings[i][0]) if i in headings else Block(p) for i, p in enumerate(paragraphs)]


def load_plain_text(path: Path, data: bytes) -> RawDocument:
    units = units_from_blocks(plain_text_blocks(decode_text(data)))
    if not units:
        raise LoadError("no text")
    return RawDocument(path=path, units=units, file_meta={})
