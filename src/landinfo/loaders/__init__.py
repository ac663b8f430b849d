"""Load: one file in, one RawDocument out, whatever its format. Bad files raise LoadError with the reason."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import LoadError
from ..records import RawDocument
from .docx import load_docx
from .html import load_html
from .pdf import load_pdf
from .text import load_markdown, load_plain_text

_LOADERS: dict[str, Callable[[Path, bytes], RawDocument]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
    ".xhtml": load_html,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_plain_text,
}

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_LOADERS)


def load_file(path: Path) -> RawDocument:
    """The text units of `path` and the metadata the file states about itself.

    Raises LoadError("<reason>") for a file that cannot be read; the caller prefixes the file name.
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix or '(no suffix)'}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError("file not found") from None
    except IsADirectoryError:
        raise LoadError("a folder, not a file") from None
    except PermissionError:
        raise LoadError("permission denied") from None
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise LoadError("empty file")
    return loader(path, data)


__all__ = ["SUPPORTED_SUFFIXES", "load_file"]
