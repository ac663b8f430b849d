"""Metadata that maintainers write down next to the documents, applied over what detection found.

From weakest to strongest: listings (JSON arrays of {title, url, published} as published by
regeringen.se; `<root>/metadata/*.json` is read automatically, a manifest may name others),
folder manifests (`manifest.yaml` / `manifest.csv`, outer folders first), and a sidecar
`<file name>.meta.yaml` beside the file. A bad value is reported in `problems` and ignored.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from landinfo.countries import COUNTRIES, countries_in
from landinfo.records import DocMeta

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.csv")
SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml")
LISTING_FOLDER = "metadata"
LISTING_SITE = "https://www.regeringen.se"  # listing URLs are paths on the site that published them
ISO_DATE_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text: PyYAML itself raises on "2023-13-45" instead of saying which file."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class MetaFields(BaseModel):
    """The DocMeta fields a listing, manifest row or sidecar may set; each is checked on its own."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    doc_type: Literal["precedent", "coi", "statute", "case-summary", "legislative", "treaty", "other"] | None = None
    countries: tuple[str, ...] | None = None
    date: str | None = None
    language: Literal["sv", "en"] | None = None
    references: tuple[str, ...] | None = None
    url: str | None = None
    publisher: str | None = None
    fictional: bool | None = None
    period: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _years(cls, value):
        text = str(value).strip()
        if not re.fullmatch(r"(?:19|20)\d\d(?:-(?:19|20)\d\d)?", text):
            raise ValueError(f"not a year or a span of years (YYYY or YYYY-YYYY): {text!r}")
        return text

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value):
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        text = str(value).strip()
        if not ISO_DATE_RE.match(text):
            raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {text!r}")
        parts = [int(p) for p in text.split("-")] + [1, 1]
        try:
            date(parts[0], parts[1], parts[2])
        except ValueError as error:
            raise ValueError(f"not a calendar date: {text!r} ({error})") from None
        return text

    @field_validator("countries", mode="before")
    @classmethod
    def _countries(cls, value):
        values = re.split(r"\s*[,;]\s*", value) if isinstance(value, str) else list(value)
        names = []
        for name in (str(v).strip() for v in values):
            known = name if name in COUNTRIES else next(iter(countries_in(name)), "")
            names.append(known or name)
        return tuple(n for n in dict.fromkeys(names) if n)

    @field_validator("references", mode="before")
    @classmethod
    def _references(cls, value):
        return tuple(v.strip() for v in re.split(r"\s*;\s*", value)) if isinstance(value, str) else value


def validated_fields(values: dict, where: str, problems: list[tuple[str, str]]) -> dict:
    """The valid DocMeta fields of `values`; each invalid or unknown one goes to `problems` instead."""
    good = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        try:
            checked = MetaFields.model_validate({key: value})
        except ValidationError as error:
            detail = error.errors()[0]
            reason = f"unknown field {key!r}" if detail["type"] == "extra_forbidden" else f"{key}: {detail['msg']}"
            problems.append((where, reason))
            continue
        good[key] = getattr(checked, key)
    return good


@dataclass(frozen=True)
class Listing:
    by_key: dict[str, dict]  # "2019_12_<slug>" (the URL path after its section) -> DocMeta fields
    by_slug: dict[str, list[dict]]


@dataclass
class _Manifest:
    folder: Path
    rows: list[tuple[str, dict]] = field(default_factory=list)  # (file pattern, DocMeta fields)
    listings: list[Listing] = field(default_factory=list)


class MetadataOverrides:
    """Everything written down under one corpus root, read once; `apply` layers it over detected metadata."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.problems: list[tuple[str, str]] = []
        self._listings: list[Listing] = []
        self._manifests: dict[Path, list[_Manifest]] = {}
        self._sidecars: dict[Path, dict] = {}

    @classmethod
    def for_root(cls, root: Path) -> "MetadataOverrides":
        overrides = cls(root)
        if overrides.root.is_dir():
            overrides._scan()
        return overrides

    def _scan(self) -> None:
        for path in sorted((self.root / LISTING_FOLDER).glob("*.json")):
            listing = self._read_listing(path)
            if listing:
                self._listings.append(listing)
        for path in sorted(self.root.rglob("*")):
            if path.name.lower() in MANIFEST_NAMES and path.is_file():
                manifest = self._read_manifest(path)
                self._manifests.setdefault(path.parent, []).append(manifest)
            elif path.name.endswith(SIDECAR_SUFFIXES) and path.is_file():
                target = path.with_name(path.name[: -len(next(s for s in SIDECAR_SUFFIXES if path.name.endswith(s)))])
                self._sidecars[target] = self._read_sidecar(path)

    def _where(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _read_sidecar(self, path: Path) -> dict:
        try:
            values = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader) or {}
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
            self.problems.append((self._where(path), f"unreadable YAML: {str(error).splitlines()[0]}"))
            return {}
        if not isinstance(values, dict):
            self.problems.append((self._where(path), "expected a mapping of DocMeta fields"))
            return {}
        return validated_fields(values, self._where(path), self.problems)

    def _read_manifest(self, path: Path) -> _Manifest:
        manifest = _Manifest(path.parent)
        where = self._where(path)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".csv":
                rows = list(csv.DictReader(text.splitlines()))
                listings = [row.pop("listing", "") for row in rows]
                rows = [row for row in rows if row.get("file")]
            else:
                data = yaml.load(text, Loader=_YamlLoader) or []
                listings, rows = _manifest_parts(data)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, csv.Error, ValueError) as error:
            self.problems.append((where, f"unreadable manifest: {str(error).splitlines()[0]}"))
            return manifest
        for name in filter(None, listings):
            listing = self._read_listing(path.parent / str(name))
            if listing:
                manifest.listings.append(listing)
        for i, row in enumerate(rows, 1):
            if not isinstance(row, dict) or not row.get("file"):
                self.problems.append((where, f"row {i}: no 'file'"))
                continue
            values = {k: v for k, v in row.items() if k not in ("file", "listing")}
            manifest.rows.append((str(row["file"]), validated_fields(values, f"{where} row {i}", self.problems)))
        return manifest

    def _read_listing(self, path: Path) -> Listing | None:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            self.problems.append((self._where(path), f"unreadable listing: {error}"))
            return None
        if not isinstance(entries, list):
            self.problems.append((self._where(path), "a listing is a JSON array of {title, url, published}"))
            return None
        by_key: dict[str, dict] = {}
        by_slug: dict[str, list[dict]] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or not entry.get("url"):
                continue
            url = str(entry["url"])
            parts = [p for p in PurePosixPath(url.split("://")[-1] if "://" in url else url).parts if p != "/"]
            if "://" in url:
                parts = parts[1:]
            raw = {"title": str(entry.get("title") or "").strip(),
                   "url": url if "://" in url else LISTING_SITE + url, "date": entry.get("published")}
            fields = validated_fields(raw, f"{self._where(path)} entry {i}", self.problems)
            by_key["_".join(parts[1:])] = fields
            by_slug.setdefault(parts[-1], []).append(fields)
        return Listing(by_key, by_slug)

    def _listing_fields(self, path: Path, listings: list[Listing]) -> dict:
        stem = path.stem
        for listing in listings:
            if stem in listing.by_key:
                return listing.by_key[stem]
        m = re.match(r"^(\d{4})_(\d{2})_(.+)$", stem)
        slug = m.group(3) if m else stem
        for listing in listings:
            candidates = listing.by_slug.get(slug, [])
            if len(candidates) == 1:
                return candidates[0]
        return {}

    def apply(self, path: Path, meta: DocMeta) -> DocMeta:
        """`meta` with listing, manifest and sidecar values laid over it, in that order."""
        path = Path(path).resolve()
        folders = [p for p in reversed(path.parents) if p == self.root or self.root in p.parents]
        manifests = [m for folder in folders for m in self._manifests.get(folder, [])]
        layers = []
        listed = self._listing_fields(path, self._listings + [l for m in manifests for l in m.listings])
        if listed and meta.doc_type in ("precedent", "case-summary") and len(meta.date) == 10:
            # For case law the decision date matters more than the day a summary of it was published.
            listed = {k: v for k, v in listed.items() if k != "date"}
        if listed:
            layers.append(listed)
        for manifest in manifests:
            relative = path.relative_to(manifest.folder).as_posix()
            for pattern, fields in manifest.rows:
                if fnmatch(relative, pattern) or ("/" not in pattern and fnmatch(path.name, pattern)):
                    layers.append(fields)
        if path not in self._sidecars:
            sidecar = next((path.with_name(path.name + s) for s in SIDECAR_SUFFIXES
                            if path.with_name(path.name + s).is_file()), None)
            self._sidecars[path] = self._read_sidecar(sidecar) if sidecar else {}
        layers.append(self._sidecars[path])
        values: dict = {}
        for layer in layers:
            values.update(layer)
        if listed and not meta.publisher and "publisher" not in values and values.get("url", "").startswith(LISTING_SITE):
            values["publisher"] = "Regeringskansliet"
        return replace(meta, **values) if values else meta


def _manifest_parts(data) -> tuple[list, list]:
    """(listing paths, rows) of a YAML manifest: a list of rows, or {listing:, files: [rows], <pattern>: {fields}}."""
    if isinstance(data, list):
        return [], data
    if not isinstance(data, dict):
        raise ValueError("a manifest is a list of rows or a mapping")
    data = dict(data)
    listing = data.pop("listing", None)
    listings = listing if isinstance(listing, list) else [listing]
    rows = list(data.pop("files", None) or [])
    rows += [{"file": pattern, **fields} for pattern, fields in data.items() if isinstance(fields, dict)]
    return listings, rows


def is_metadata_file(path: Path, root: Path) -> bool:
    """True for files that describe documents rather than being one: sidecars, manifests, listings, root READMEs."""
    path, root = Path(path), Path(root)
    name = path.name.lower()
    if name.endswith(SIDECAR_SUFFIXES) or name in MANIFEST_NAMES:
        return True
    parent = path.parent.resolve()
    root = root.resolve()
    if parent == root / LISTING_FOLDER and name.endswith(".json"):
        return True
    return parent == root and name.split(".")[0] == "readme"
