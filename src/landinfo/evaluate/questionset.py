"""Question-set files: the YAML schema trainers write, its validation, and the text matching it relies on."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from landinfo.errors import QuestionSetError

LANGUAGES = ("sv", "en")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: ~15x faster, same data
_SOFT_HYPHEN = "\u00ad"
_WHITESPACE = re.compile(r"\s+")


def normalize_for_match(text: str) -> str:
    """Text as compared for quotes and key points: NFC, soft hyphens removed, whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFC", text or "").replace(_SOFT_HYPHEN, "")
    return _WHITESPACE.sub(" ", text).strip().casefold()


def contains_normalized(haystack: str, needle: str) -> bool:
    needle = normalize_for_match(needle)
    return bool(needle) and needle in normalize_for_match(haystack)


def normalize_source(path: str) -> str:
    """A corpus path as compared: '/' separators, NFC (macOS writes names decomposed), no leading './' or '/'."""
    path = unicodedata.normalize("NFC", str(path).strip().replace("\\", "/"))
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")


def source_matches(actual: str, expected: str) -> bool:
    """True when `expected` is a trailing run of whole path components of `actual` ('b.md' matches 'a/b.md', not 'ab.md')."""
    actual, expected = normalize_source(actual), normalize_source(expected)
    return bool(expected) and (actual == expected or actual.endswith("/" + expected))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ExpectedSource(_Strict):
    source: str = Field(min_length=1)
    page: int | None = Field(None, ge=1)
    quote: str | None = None

    @field_validator("source")
    @classmethod
    def _clean_source(cls, value: str) -> str:
        return normalize_source(value)

    @field_validator("quote")
    @classmethod
    def _empty_quote_is_none(cls, value: str | None) -> str | None:
        return value or None


CLAIM_CHECK = "claim-check"  # the kind of an item that is an applicant's account, checked claim by claim


class ExpectedClaim(_Strict):
    """A claim a trainer expects the check to find in an account, and where the country information speaks to it."""

    text: str = Field(min_length=1)
    covered: bool = True  # false: the corpus has no information on it ("no indexed country information")
    expected_sources: tuple[ExpectedSource, ...] = ()

    @model_validator(mode="after")
    def _covered_needs_sources(self) -> "ExpectedClaim":
        if self.covered and not self.expected_sources:
            raise ValueError("expected_sources: required when covered is true")
        if not self.covered and self.expected_sources:
            raise ValueError("expected_sources: a claim that is not covered has none")
        return self


class Question(_Strict):
    id: str = Field(min_length=1)
    question: str = ""  # required, except in a claim-check item (which has an account instead)
    language: str
    country: str | None = None
    answerable: bool = True
    expected_sources: tuple[ExpectedSource, ...] = ()
    key_points: tuple[str, ...] = ()
    kind: str = "unlabelled"
    account: str = ""  # kind claim-check: the applicant's account
    claims: tuple[ExpectedClaim, ...] = ()  # kind claim-check: the claims the trainer expects, at least one

    @property
    def is_claim_check(self) -> bool:
        return self.kind == CLAIM_CHECK

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("language", mode="before")
    @classmethod
    def _known_language(cls, value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in LANGUAGES:
            raise ValueError("must be sv or en")
        return value.strip().lower()

    @field_validator("key_points", mode="before")
    @classmethod
    def _one_key_point_may_be_a_string(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("key_points")
    @classmethod
    def _no_blank_key_points(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not point.strip() for point in value):
            raise ValueError("key points must not be blank")
        return value

    @field_validator("country", "kind", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any, info) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None if info.field_name == "country" else "unlabelled"
        return value

    @model_validator(mode="after")
    def _answerable_needs_sources(self) -> "Question":
        if self.is_claim_check:
            if not self.account:
                raise ValueError("account: required in a claim-check item")
            if not self.claims:
                raise ValueError("claims: required in a claim-check item (at least one)")
            if self.question or self.expected_sources or self.key_points:
                raise ValueError("question: a claim-check item has an account and claims instead of a question, "
                                 "expected_sources and key_points")
            return self
        if self.account or self.claims:
            raise ValueError(f"account: only an item of kind {CLAIM_CHECK} has an account and claims")
        if not self.question:
            raise ValueError("question: required")
        if self.answerable and not self.expected_sources:
            raise ValueError("expected_sources: required when answerable is true")
        return self


class QuestionSet(_Strict):
    name: str
    description: str = ""
    corpus: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)
    _path: Path | None = PrivateAttr(None)  # where it was loaded from; not part of the file

    @property
    def path(self) -> Path | None:
        return self._path

    @field_validator("name")
    @classmethod
    def _usable_as_folder_name(cls, value: str) -> str:
        if not re.fullmatch(r"[\w.-]+", value):
            raise ValueError("must be letters, digits, '.', '_' or '-' (it names the run folders)")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> "QuestionSet":
        duplicates = _repeated(q.id for q in self.questions)
        if duplicates:
            raise ValueError(f"duplicate question ids: {', '.join(duplicates)}")
        return self

    def corpus_root(self, override: str | Path | None = None) -> Path | None:
        """The folder `source` paths are relative to: the override, else `corpus` read next to the file, else from the cwd."""
        if override:
            return Path(override)
        if not self.corpus:
            return None
        candidates = [Path(self.corpus)]
        if self.path is not None and not Path(self.corpus).is_absolute():
            candidates.insert(0, self.path.parent / self.corpus)
        return next((c for c in candidates if c.is_dir()), candidates[-1])

    def fingerprint(self) -> str:
        text = self.model_dump_json()
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def validate_question_set(data: Any, origin: str = "question set", path: Path | None = None) -> QuestionSet:
    """A QuestionSet from parsed data, or QuestionSetError listing every problem as '<id>.<field>: <message>'."""
    qset, problems = check_question_set(data)
    if problems:
        raise QuestionSetError(problem_report(origin, problems))
    qset._path = path
    return qset


def check_question_set(data: Any) -> tuple[QuestionSet | None, list[str]]:
    """The set, or None and every problem found in the data."""
    if not isinstance(data, dict):
        return None, [f"file: expected a mapping with name and questions, got {type(data).__name__}"]
    try:
        return QuestionSet.model_validate(data), []
    except ValidationError as exc:
        problems = [_describe(error, data) for error in exc.errors()]
    duplicates = _duplicate_ids(data)
    if duplicates and not any(p.startswith("file: duplicate") for p in problems):
        problems.append(f"file: duplicate question ids: {', '.join(duplicates)}")
    return None, problems


def problem_report(origin: str, problems: list[str]) -> str:
    return f"{origin}: {len(problems)} problem(s)\n  " + "\n  ".join(problems)


def load_question_set(path: str | Path) -> QuestionSet:
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except OSError as exc:
        raise QuestionSetError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise QuestionSetError(f"{path}: not valid YAML: {exc}") from None
    return validate_question_set(data, origin=str(path), path=path)


def dump_question_set(qset: QuestionSet) -> str:
    """The YAML a trainer would write: empty optional fields left out."""
    data = qset.model_dump(mode="json", exclude_none=True)
    if not data.get("description"):
        data.pop("description", None)
    for question in data["questions"]:
        for empty in [key for key in ("question", "expected_sources", "key_points", "account", "claims")
                      if not question[key]]:
            del question[empty]
        for claim in question.get("claims", ()):
            if not claim["expected_sources"]:
                del claim["expected_sources"]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def _describe(error: dict, data: dict) -> str:
    loc = list(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    elif error["type"] == "missing":
        message = "required"
    named = re.match(r"(expected_sources|account|claims|question): (.*)", message)
    if named:  # a rule over several fields names the field it is about
        loc.append(named.group(1))
        message = named.group(2)
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        loc[:2] = [_question_label(data, loc[1])]
    where = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in loc).replace(".[", "[")
    return f"{where or 'file'}: {message}"


def _duplicate_ids(data: dict) -> list[str]:
    questions = data.get("questions") if isinstance(data.get("questions"), list) else []
    return _repeated(str(q["id"]) for q in questions if isinstance(q, dict) and q.get("id") not in (None, ""))


def _repeated(ids) -> list[str]:
    """The ids that occur more than once, sorted (counted once: linear in the number of questions)."""
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def _question_label(data: dict, index: int) -> str:
    questions = data.get("questions")
    raw = questions[index] if isinstance(questions, list) and index < len(questions) else None
    if isinstance(raw, dict) and raw.get("id") not in (None, ""):
        return str(raw["id"])
    return f"questions[{index + 1}]"
