"""Documents -> chunks sized in the embedder's tokens, cut at structure (headings, articles, paragraphs)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from .records import Chunk, Document
from .sentences import chunk_sentence_spans, strip_span

# A line that opens an article of a treaty or regulation, e.g. "Article 33", "ARTICLE 3", "Artikel 17".
_ARTICLE_HEADING = re.compile(r"^\s*(?:ARTICLE|Article|ARTIKEL|Artikel)\s+(\d+[a-z]?)\b[^\n]{0,90}$", re.M)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    tokens: int
    opens_paragraph: bool
    opens_article: str  # article heading that starts here ("Article 33 ..."), else ""


def chunk_document(doc: Document, count_tokens: Callable[[str], int], max_tokens: int = 320,
                   overlap_tokens: int = 40) -> list[Chunk]:
    """Split every unit of `doc` into chunks of at most `max_tokens`, never across units or articles."""
    chunks: list[Chunk] = []
    article = ""
    for unit_index, unit in enumerate(doc.units):
        atoms = list(_atoms(unit.text, count_tokens, max_tokens))
        for start, end, article_here in _pack(atoms, max_tokens, overlap_tokens):
            if article_here:
                article = article_here
            text = unit.text[start:end]
            if not text.strip():
                continue
            section = unit.section
            if unit.page is not None and article:
                section = article if not section else f"{section} > {article}"
            chunks.append(Chunk(
                chunk_id=chunk_id(doc.source, unit_index, start, text),
                doc_id=doc.doc_id, text=text, unit_index=unit_index, start=start, end=end,
                page=unit.page, section=section,
            ))
        if unit.page is None:
            article = ""
    return chunks


def chunk_id(source: str, unit_index: int, start: int, text: str) -> str:
    digest = hashlib.sha256(f"{source}\x00{unit_index}\x00{start}\x00{text}".encode("utf-8"))
    return digest.hexdigest()[:32]


def embedding_text(chunk: Chunk, title: str) -> str:
    """What the embedder and the lexical index see: the chunk with its document and section context."""
    head = " > ".join(part for part in (title, chunk.section) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text


def _atoms(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[_Atom]:
    """Sentences (or smaller pieces of over-long sentences) with their character spans."""
    for para_start, para_end in _paragraph_spans(text):
        paragraph = text[para_start:para_end]
        heading = _ARTICLE_HEADING.match(paragraph)
        first = True
        for s_start, s_end in chunk_sentence_spans(paragraph):
            piece_start, piece_end = para_start + s_start, para_start + s_end
            for a_start, a_end, tokens in _split_long(text, piece_start, piece_end, count_tokens, max_tokens):
                article = ""
                if first and heading:
                    article = " ".join(heading.group(0).split())
                yield _Atom(a_start, a_end, tokens, first, article)
                first = False


def _paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        yield from _article_split(text, pos, m.start())
        pos = m.end()
    yield from _article_split(text, pos, len(text))


def _article_split(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """PDF pages often lack blank lines: an article heading inside a paragraph still opens a new one."""
    cut = start
    for m in _ARTICLE_HEADING.finditer(text, start, end):
        line_start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        if line_start > cut and text[cut:line_start].strip():
            yield strip_span(text, cut, line_start)
            cut = line_start
    if text[cut:end].strip():
        yield strip_span(text, cut, end)


def _split_long(text: str, start: int, end: int, count_tokens, max_tokens: int):
    """A sentence longer than a chunk (tables, lists run together) is cut at whitespace."""
    tokens = count_tokens(text[start:end])
    if tokens <= max_tokens:
        yield start, end, tokens
        return
    parts = max(2, -(-tokens // max_tokens) + 1)
    step = (end - start) // parts
    cut_from = start
    for i in range(1, parts):
        target = start + i * step
        space = text.rfind(" ", cut_from + 1, target + 1)
        cut = space if space > cut_from else target
        yield from _split_long(text, cut_from, cut, count_tokens, max_tokens)
        cut_from = cut + 1 if text[cut:cut + 1] == " " else cut
    yield from _split_long(text, cut_from, end, count_tokens, max_tokens)


def _pack(atoms: list[_Atom], max_tokens: int, overlap_tokens: int) -> Iterator[tuple[int, int, str]]:
    """Greedy packing of atoms into spans; prefers to end at a paragraph, overlaps a sentence or two."""
    i = 0
    n = len(atoms)
    while i < n:
        total = 0
        j = i
        while j < n:
            if j > i and atoms[j].opens_article:
                break
            if j > i and total + atoms[j].tokens > max_tokens:
                break
            total += atoms[j].tokens
            j += 1
        end_j = j
        if j < n and not atoms[j].opens_article and not atoms[j].opens_paragraph:
            # Back off to the last paragraph start in the second half of the chunk, if any.
            for k in range(j - 1, i, -1):
                if atoms[k].opens_paragraph and sum(a.tokens for a in atoms[i:k]) >= max_tokens // 2:
                    end_j = k
                    break
        article = next((a.opens_article for a in atoms[i:end_j] if a.opens_article), "")
        yield atoms[i].start, atoms[end_j - 1].end, article
        if end_j >= n:
            return
        nxt = end_j
        if not atoms[end_j].opens_paragraph and not atoms[end_j].opens_article:
            back = 0
            while nxt - 1 > i and back + atoms[nxt - 1].tokens <= overlap_tokens:
                back += atoms[nxt - 1].tokens
                nxt -= 1
        i = nxt
