"""An account is bounded before any model work: longer than max_account_chars, or with more claims than
max_account_claims (the splitter's, or the lines of a re-run), it is refused with one line in the user's language,
from `landinfo check` and from the tab "Check an account"; and a re-run's long list of claims is located in the
account in one pass, not one search of the whole account per line."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.claims import claims_from_lines, split_claims
from landinfo.cli import main
from landinfo.ingest import ingest
from landinfo.settings import Settings
from served import call_by_index, serving

SENTENCE = "The police arrest journalists in Castrelle. "  # one checkable claim, 44 characters
DEFAULTS = Settings()


@pytest.fixture
def no_model(monkeypatch):
    """A model setting that cannot load: a refusal that comes first proves no model work was done."""
    monkeypatch.setenv("LANDINFO_EMBEDDING_MODEL", "no_such_module_anywhere:Model")


def _refusal(capsys, argv) -> str:
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "\n" not in err and "Traceback" not in err and "no_such_module" not in err, err
    return err


def test_cli_refuses_an_account_longer_than_the_limit_before_the_model_loads(tmp_path, capsys, no_model):
    account = tmp_path / "account.txt"
    account.write_text(SENTENCE * (DEFAULTS.max_account_chars // len(SENTENCE) + 1), encoding="utf-8")
    err = _refusal(capsys, ["check", str(account)])
    assert str(account) in err and f"{DEFAULTS.max_account_chars:,}" in err and "LANDINFO_MAX_ACCOUNT_CHARS" in err


def test_cli_refuses_an_account_with_more_claims_than_the_limit(tmp_path, capsys, no_model):
    account = tmp_path / "account.txt"
    account.write_text("Police arrest people. " * (DEFAULTS.max_account_claims + 1), encoding="utf-8")
    assert len(account.read_text()) < DEFAULTS.max_account_chars  # short enough: the claim count refuses it
    err = _refusal(capsys, ["check", str(account)])
    assert f"{DEFAULTS.max_account_claims + 1:,} claims" in err and "LANDINFO_MAX_ACCOUNT_CLAIMS" in err


def test_a_batch_names_the_line_of_the_account_over_the_limit(tmp_path, capsys, no_model, monkeypatch):
    monkeypatch.setenv("LANDINFO_MAX_ACCOUNT_CHARS", "1000")
    batch = tmp_path / "accounts.jsonl"
    batch.write_text(json.dumps({"account": SENTENCE}) + "\n" + json.dumps({"account": SENTENCE * 30}) + "\n",
                     encoding="utf-8")
    err = _refusal(capsys, ["check", "--batch", str(batch)])
    assert f"--batch {batch} line 2" in err and "1,000" in err


def test_rerunning_ten_thousand_claims_over_a_megabyte_locates_them_in_one_pass():
    """The issue's probe: the claims of a 1 MB account, one a line, re-run (20.7 s before, one search of the
    whole account per line)."""
    paragraph = ("My name is Aron. Journalists who write about Orvask province are arrested by the security "
                 "service. In March 2025 the police arrested me at a demonstration in Castrelle. Returnees are "
                 "questioned at the airport on arrival. My mother cried when I left.")
    account = "\n\n".join([paragraph] * (1_000_000 // (len(paragraph) + 2)))
    lines = [c.text for c in split_claims(account)][:10_000]
    started = time.perf_counter()
    claims = claims_from_lines(account, lines)
    elapsed = time.perf_counter() - started
    assert [c.text for c in claims] == lines
    assert all(account[c.start:c.end] == c.text for c in claims)
    assert [c.start for c in claims] == sorted(c.start for c in claims)  # each where it stands, not a copy before
    assert elapsed < 3.0, f"{len(lines)} lines took {elapsed:.1f} s"


# -- the tab "Check an account", served ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("limits-index") / "index"
    ingest(DEMO_CORPUS, Settings(index_dir=index, embedding_model=FAKE_MODEL), progress=False)
    return index


def _fn_index(config: dict, *, api_name: str = "", elem_id: str = "", trigger: str = "click") -> int:
    """The event of a named endpoint, or the `trigger` of the component with that elem_id."""
    if api_name:
        return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    return next(d["id"] for d in config["dependencies"] if [component, trigger] in [list(t) for t in d["targets"]])


def _swedish_session(client, config: dict) -> str:
    """A session whose page was switched to Swedish (the page's language lives in the session, not the request)."""
    session = uuid.uuid4().hex[:11]
    switched = call_by_index(client, _fn_index(config, elem_id="ui-language", trigger="change"),
                             ["Svenska", [], None, None], session)
    assert '"success":true' in switched.replace(" ", ""), switched[-300:]
    return session


def _warnings(events: str) -> list[str]:
    out = []
    for line in events.splitlines():
        if line.startswith("data:"):
            message = json.loads(line[5:])
            if message.get("msg") == "log":
                out.append(message.get("log", ""))
    return out


def test_the_check_tab_refuses_an_account_over_the_limits_in_the_users_language(tmp_path, demo_index):
    env = {"LANDINFO_INDEX_DIR": str(demo_index), "LANDINFO_MAX_ACCOUNT_CHARS": "2000",
           "LANDINFO_MAX_ACCOUNT_CLAIMS": "20"}
    with serving(tmp_path, env_extra=env) as served:
        client = served.client()
        config = client.get("/config").json()
        check = _fn_index(config, api_name="check_account")
        rerun = _fn_index(config, elem_id="check-rerun")
        too_long = SENTENCE * 50  # 2,200 characters
        started = time.monotonic()
        swedish = _swedish_session(client, config)
        events = call_by_index(client, check, [too_long, "", "sv"], swedish)
        assert time.monotonic() - started < 10
        (warning,) = _warnings(events)
        warning = warning.replace("\u00a0", " ")  # Swedish groups digits with a no-break space
        assert "2 200" in warning and "2 000" in warning and "tecken" in warning, warning
        events = call_by_index(client, check, [too_long, "", "en"], uuid.uuid4().hex[:11])
        (warning,) = _warnings(events)
        assert "2,200" in warning and "2,000" in warning and "characters" in warning, warning

        many = "Police arrest people. " * 21  # 21 claims in 462 characters
        (warning,) = _warnings(call_by_index(client, check, [many, "", "en"], uuid.uuid4().hex[:11]))
        assert "21 claims" in warning and "20" in warning, warning
        lines = "\n".join(["Police arrest people."] * 21)  # a re-run's edited list, one claim a line
        (warning,) = _warnings(call_by_index(client, rerun, [SENTENCE, "", "sv", lines], swedish))
        assert "21 påståenden" in warning and "20" in warning, warning

        fine = call_by_index(client, check, [SENTENCE * 3, "", "en"], uuid.uuid4().hex[:11])
        assert _warnings(fine) == [] and '"success":true' in fine.replace(" ", "")
