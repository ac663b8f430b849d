"""An Office Open XML package (.docx) read part by part from its zip, within the size limit.

Only what the Word loader needs: which part is the main document (and of what content type), which parts it
relates to (styles, core properties), and each part as a stream. Nothing is unpacked before the zip's declared
sizes have been checked against max_file_mb, and no part is parsed whole (`read`, `xml`) before its own size,
declared and as read, has been checked against max_xml_part_mb. The main document is streamed, not parsed whole.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from typing import IO

from lxml import etree

from ..errors import LoadError
from .limits import check_part, check_zip, part_limit

CORRUPT = "not a Word document (corrupt .docx)"
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_SMALL_XML = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)


class Package:
    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            raise LoadError(CORRUPT) from None
        check_zip(self.zip)
        self.names = set(self.zip.namelist())

    def open(self, part: str) -> IO[bytes]:
        return self.zip.open(part)

    def read(self, part: str) -> bytes:
        """The part's bytes, to be parsed whole; LoadError when it unpacks past max_xml_part_mb, as its zip entry
        declares or as read (never more than the limit and one byte is inflated)."""
        info = self.zip.getinfo(part)
        check_part(part, info.file_size)
        limit = part_limit()
        with self.zip.open(info) as stream:
            data = stream.read() if limit is None else stream.read(limit + 1)
        check_part(part, len(data))
        return data

    def xml(self, part: str) -> etree._Element:
        return etree.fromstring(self.read(part), _SMALL_XML)

    def related(self, source: str, rel_type: str) -> str | None:
        """The part that `source` ('' for the package itself) relates to by `rel_type`, if it is in the zip."""
        folder, name = posixpath.split(source)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.names:
            return None
        for rel in self.xml(rels).iter(f"{_RELS_NS}Relationship"):
            if rel.get("Type") != rel_type or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target") or ""
            part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
            if part in self.names:
                return part
        return None

    def content_type(self, part: str) -> str:
        types = self.xml("[Content_Types].xml") if "[Content_Types].xml" in self.names else None
        if types is None:
            return ""
        for override in types.iter(f"{_TYPES_NS}Override"):
            if (override.get("PartName") or "").lstrip("/").lower() == part.lower():
                return override.get("ContentType") or ""
        extension = posixpath.splitext(part)[1].lstrip(".").lower()
        for default in types.iter(f"{_TYPES_NS}Default"):
            if (default.get("Extension") or "").lower() == extension:
                return default.get("ContentType") or ""
        return ""
