"""What an answer or a claim check was made from, in one JSON record, so that it can be shown and re-run later
(issue #24: a decision that relied on an answer may be appealed months after it was made).

A record names the question and its filters, the question as parsed, the corpus version (a hash over every
indexed file's source, signature and chunk ids: it changes when any indexed document does), what built the
index (pipeline version, index shape, embedder), the program (version and git commit), every passage retrieved
with its score and place, the passages cited, the settings that shape an answer, and the UTC time. `differences`
compares a record with a re-run's.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

RECORD_VERSION = 1
SCORE_TOLERANCE = 1e-6  # a score that moves less than this is the same score (float32 noise across runs)


def corpus_version(manifest, files: list | None = None) -> str:
    """sha256 over the sorted (source, signature, chunk ids) of every indexed file (`files`: those rows, if read)."""
    rows = sorted(manifest.indexed_files() if files is None else files)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def document_signatures(manifest) -> dict[str, str]:
    """source -> signature of every indexed file."""
    return {source: signature for source, signature, _ in manifest.indexed_files()}


def index_identity(store) -> dict:
    """What built the index and embeds the questions: a change here changes every score."""
    from .ingest import PIPELINE_VERSION

    name = store.embedder.name
    return {"pipeline_version": PIPELINE_VERSION, "shape": store.shape.fingerprint(),
            "embedding_model": store.shape.embedding_model, "embedder": name,
            "backend": name.partition("+")[2] or type(store.embedder).__name__}


def program() -> dict:
    from . import __version__

    return {"version": __version__, "commit": git_commit()}


@cache
def git_commit(root: Path | None = None) -> str:
    """The commit checked out where the package runs from (src/landinfo in a git checkout or worktree), read from
    the files under .git without running git; '' for an installed package or anything unreadable."""
    root = root or Path(__file__).resolve().parents[2]
    dot = root / ".git"
    try:
        if dot.is_file():  # a worktree: "gitdir: <path>"
            gitdir = (root / dot.read_text().split(":", 1)[1].strip()).resolve()
        elif dot.is_dir():
            gitdir = dot
        else:
            return ""
        head = (gitdir / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head  # a detached HEAD is the commit itself
        ref = head[5:]
        common = gitdir / (gitdir / "commondir").read_text().strip() if (gitdir / "commondir").is_file() else gitdir
        for base in (gitdir, common):
            if (base / ref).is_file():
                return (base / ref).read_text().strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                commit, _, name = line.partition(" ")
                if name == ref:
                    return commit
    except (OSError, IndexError):
        pass
    return ""


def answer_settings(settings, k: int | None = None) -> dict:
    """The settings that shape an answer (an answer re-run under these is comparable)."""
    from . import tuning

    return {"top_k": k or settings.top_k, "candidates": settings.candidates,
            "refusal_threshold": settings.refusal_threshold or tuning.MIN_EVIDENCE,
            "stale_months": settings.stale_months, "home_country": settings.home_country,
            "cross_encoder": settings.cross_encoder, "llm_provider": settings.llm_provider,
            "llm_model": settings.llm_model}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _passage(p) -> dict:
    return {"id": p.id, "score": round(float(p.score), 9), "source": p.source, "doc_id": p.doc_id,
            "page": p.page, "section": p.section}


def _query(query) -> dict | None:
    """The parsed question as JSON, its references as the words that named them."""
    if query is None:
        return None
    return {**query.to_json(), "references": [r.text or r.key for r in query.references]}


def _common(store, settings, k: int | None, sources) -> dict:
    files = store.manifest.indexed_files()
    signatures = {source: signature for source, signature, _ in files}
    return {"record_version": RECORD_VERSION,
            # access groups are not built yet: every user sees the one public corpus
            "groups": [],
            "corpus_version": corpus_version(store.manifest, files),
            "documents": {s: signatures.get(s, "") for s in sorted(set(sources))},
            "index": index_identity(store), "landinfo": program(), "settings": answer_settings(settings, k),
            "time": utc_now()}


def answer_record(answer, store, settings, k: int | None = None) -> dict:
    """The provenance of one answer (see the module's docstring)."""
    return {"kind": "answer", "question": answer.question,
            "filters": answer.filters.to_json() if answer.filters else None, "query": _query(answer.query),
            "passages": [_passage(p) for p in answer.passages],
            "cited": list(dict.fromkeys(c.passage_id for c in answer.citations)),
            "refused": answer.refused, "refusal_reason": answer.refusal_reason,
            "answer_sha256": hashlib.sha256(answer.text.encode()).hexdigest(),
            **_common(store, settings, k, (p.source for p in answer.passages))}


def check_record(check, store, settings, since: str = "") -> dict:
    """The provenance of one account check: the account by its hash (it is personal data), each claim's passages."""
    claims = [{"claim": hashlib.sha256(c.claim.text.encode()).hexdigest()[:16], "status": c.status,
               "passages": [_passage(p) for p in c.passages],
               "cited": list(dict.fromkeys(x.passage_id for x in c.citations))} for c in check.claims]
    return {"kind": "account_check", "account_sha256": hashlib.sha256(check.account.encode()).hexdigest(),
            "country": check.country, "since": since, "language": check.language, "claims": claims,
            **_common(store, settings, None, (p.source for c in check.claims for p in c.passages))}


def record_of(data) -> dict | None:
    """The provenance record in `data`: an `ask --json` line (its "provenance") or a bare record; None if neither."""
    if isinstance(data, dict) and isinstance(data.get("provenance"), dict):
        data = data["provenance"]
    if isinstance(data, dict) and data.get("kind") in ("answer", "account_check") and "corpus_version" in data:
        return data
    return None


def differences(old: dict, new: dict, signatures: dict[str, str]) -> list[str]:
    """What a re-run (`new`) shows differently from the record `old`, one line each; [] when identical.
    `signatures`: source -> signature of every file indexed now, to name the documents that changed."""
    lines = []
    if old["corpus_version"] != new["corpus_version"]:
        lines.append(f"corpus version changed: {old['corpus_version'][:12]} -> {new['corpus_version'][:12]}")
        for source, signature in sorted(old.get("documents", {}).items()):
            if source not in signatures:
                lines.append(f"document gone: {source}")
            elif signatures[source] != signature:
                lines.append(f"document changed: {source}")
    for key, what in (("embedder", "embedding model/backend"), ("pipeline_version", "ingest pipeline version"),
                      ("shape", "index shape")):
        if old["index"].get(key) != new["index"].get(key):
            lines.append(f"{what} differs: {old['index'].get(key)} -> {new['index'].get(key)}")
    for key in ("llm_provider", "llm_model"):
        if old["settings"].get(key) != new["settings"].get(key):
            lines.append(f"{key} differs: {old['settings'].get(key)!r} -> {new['settings'].get(key)!r}")
    lines += _passage_differences(old["passages"], new["passages"])
    if old["cited"] != new["cited"]:
        lines.append(f"citations differ: {', '.join(old['cited']) or 'none'} -> {', '.join(new['cited']) or 'none'}")
    if old.get("refused") != new.get("refused"):
        lines.append(f"refused: {old.get('refused')} -> {new.get('refused')}")
    if old.get("answer_sha256") != new.get("answer_sha256") and old["cited"] == new["cited"]:
        lines.append("the answer's text differs")
    return lines


def _passage_differences(old: list[dict], new: list[dict]) -> list[str]:
    lines = []
    old_rank = {p["id"]: rank for rank, p in enumerate(old, 1)}
    new_rank = {p["id"]: rank for rank, p in enumerate(new, 1)}
    for p in old:
        if p["id"] not in new_rank:
            lines.append(f"passage gone: {p['id']} ({_place(p)}, was rank {old_rank[p['id']]})")
    for p in new:
        if p["id"] not in old_rank:
            lines.append(f"new passage at rank {new_rank[p['id']]}: {p['id']} ({_place(p)})")
    new_by_id = {p["id"]: p for p in new}
    kept = [p["id"] for p in old if p["id"] in new_rank]
    if kept != sorted(kept, key=new_rank.get):
        lines.append("the passages kept are ranked in another order")
    for p in old:
        q = new_by_id.get(p["id"])
        if q is not None and abs(q["score"] - p["score"]) > SCORE_TOLERANCE:
            lines.append(f"score moved: {p['id']} {p['score']:.6f} -> {q['score']:.6f}")
    return lines


def _place(p: dict) -> str:
    from .records import locator

    return f"{p['source']} {locator(p.get('page'), p.get('section') or '')}".strip()
