"""Load: one file in, one RawDocument out, whatever its format. Bad files raise LoadError with the reason."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import LoadError
from ..records import RawDocument
from .docx import load_docx
from .html import load_html
from .limits import Limits, check_size, reading
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


def load_file(path: Path, limits: Limits = Limits()) -> RawDocument:
    """The text units of `path` and the metadata the file states about itself.

    Raises LoadError("<reason>") for a file that cannot be read, or that is over `limits` (size, unpacked
    size, reading time); the caller prefixes the file name.
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError(f"unsupported file type {path.suffix or '(no suffix)'}")
    with reading(limits):
        try:
            check_size(path.stat().st_size)
            with path.open("rb") as fh:
                data = fh.read() if limits.max_bytes is None else fh.read(limits.max_bytes + 1)
        except FileNotFoundError:
            raise LoadError("file not found") from None
        except IsADirectoryError:
            raise LoadError("a folder, not a file") from None
        except PermissionError:
            raise LoadError("permission denied") from None
        except OSError as exc:
            raise LoadError(f"cannot be read: {exc.strerror or exc}") from None
        check_size(len(data))  # it grew since stat()
        if not data or data.isspace():
            raise LoadError("empty file")
        return loader(path, data)


__all__ = ["SUPPORTED_SUFFIXES", "Limits", "load_file"]
