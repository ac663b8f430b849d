"""Nothing leaves the machine: ingest, search and ask with the real model, and importing chromadb and gradio, make
no connection to anything but loopback, and telemetry and analytics are off. Run in a fresh interpreter so that
import-time calls are caught too; a socket guard records (and blocks) every non-loopback attempt made through
Python, and where strace is available every connect() of native code (Rust, C) is checked as well. Serving the chat
is checked the same way: `landinfo serve` in a guarded interpreter, a guarded client asking it one question."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # loads the real model

REPO = Path(__file__).resolve().parent.parent
DEMO_FILES = ["case-law/MIG_DEMO_2026-1_UM9903-26.txt", "case-law/MIG_DEMO_2026-1_UM9903-26.txt.meta.yaml",
              "coi/veldoria-aterkomst-2022.md"]
# An applicant's account (personal data), checked by `landinfo check` and by the chat's third tab
ACCOUNT = ("Journalists who write about Orvask province in Veldoria are arrested by the security service. "
           "My father Tesfay was ill for many years.")
SWITCHES = ("ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
            "HF_HUB_DISABLE_TELEMETRY", "ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED")

# The guard, first in every guarded script: Python's connect, connect_ex, sendto, create_connection and getaddrinfo
# record and refuse anything that is not loopback (a DNS lookup of any name but localhost counts as an attempt).
GUARD = r'''
import ipaddress, json, os, socket, sys, time, traceback
from pathlib import Path

attempts = []
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _loopback(host) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): this machine
    host = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return ip.is_loopback or bool(getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback)


def _refuse(kind, target):
    attempts.append({"call": kind, "target": repr(target), "stack": "".join(traceback.format_stack(limit=10)[:-2])})
    raise OSError(f"no egress: {kind} {target!r} blocked by the test")


def _inet(sock) -> bool:
    return sock.family in (socket.AF_INET, socket.AF_INET6)


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
_create_connection, _getaddrinfo = socket.create_connection, socket.getaddrinfo


def connect(self, address):
    if _inet(self) and not _loopback(address[0]):
        _refuse("connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    if _inet(self) and not _loopback(address[0]):
        _refuse("connect_ex", address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    address = args[-1]
    if _inet(self) and not _loopback(address[0]):
        _refuse("sendto", address)
    return _sendto(self, data, *args)


def create_connection(address, *args, **kwargs):
    if not _loopback(address[0]):
        _refuse("create_connection", address)
    return _create_connection(address, *args, **kwargs)


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.create_connection, socket.getaddrinfo = create_connection, getaddrinfo

try:  # the control: an outside connection is caught (it is blocked before any packet is sent)
    socket.create_connection(("192.0.2.1", 9), timeout=1)  # TEST-NET-1, an address for documentation
except OSError:
    pass
control = attempts.pop()["call"] if attempts else None
SWITCHES = __SWITCHES__
ACCOUNT = __ACCOUNT__
'''

GUARDED_RUN = GUARD + r'''
corpus, index_dir, out = map(Path, sys.argv[1:4])
before = {name: os.environ.get(name) for name in SWITCHES}
import landinfo  # noqa: E402
after = {name: os.environ.get(name) for name in SWITCHES}
import chromadb  # noqa: E402,F401
import gradio  # noqa: E402,F401

from landinfo.answer.assistant import Assistant  # noqa: E402
from landinfo.index.chroma import _chroma_settings  # noqa: E402
from landinfo.ingest import ingest  # noqa: E402
from landinfo.retrieve import Retriever  # noqa: E402
from landinfo.settings import DEFAULT_MODEL, Settings  # noqa: E402

settings = Settings(index_dir=index_dir)
report = ingest(corpus, settings, progress=False)
passages = Retriever(settings).retrieve("Vad krävs av landinformationen vid en riskbedömning?")
answer = Assistant(settings).ask("What does the court require of country information in a return-risk assessment?")
from landinfo.cli import main  # noqa: E402
import contextlib, io  # noqa: E401,E402

account = out.parent / "account.txt"  # `landinfo check` as a user runs it
account.write_text(ACCOUNT, encoding="utf-8")
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    check_exit = main(["--index-dir", str(index_dir), "check", str(account), "--json"])
checked = json.loads(printed.getvalue())
telemetry = _chroma_settings().anonymized_telemetry  # what every Chroma client here is made with
time.sleep(2)  # give background threads (telemetry, analytics, update checks) their chance to call out
out.write_text(json.dumps({
    "attempts": attempts, "control": control, "before": before, "after": after, "telemetry": telemetry,
    "model": settings.embedding_model == DEFAULT_MODEL, "chunks": report.chunks["added"],
    "passages": len(passages), "refused": answer.refused, "citations": len(answer.citations),
    "check_exit": check_exit, "check_statuses": [c["status"] for c in checked["claims"]],
}))
'''


SERVE = GUARD + r'''
# `landinfo serve`, exactly as the command line runs it; every refused attempt is written down as it happens.
index_dir, port, status, log = sys.argv[1:5]


class _Logged(list):
    def append(self, attempt):
        super().append(attempt)
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(attempt) + "\n")


attempts = _Logged()
before = {name: os.environ.get(name) for name in SWITCHES}
import landinfo  # noqa: E402
after = {name: os.environ.get(name) for name in SWITCHES}
Path(status).write_text(json.dumps({"pid": os.getpid(), "control": control, "before": before, "after": after}))
from landinfo.cli import main  # noqa: E402

sys.exit(main(["--index-dir", index_dir, "serve", "--host", "127.0.0.1", "--port", port]))
'''

CHAT = GUARD + r'''
# An officer's visit, from a second guarded interpreter: the page, its config, and one question through the app.
import re, urllib.request  # noqa: E401,E402

port, out = sys.argv[1], Path(sys.argv[2])
base = f"http://127.0.0.1:{port}"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to loopback, never via a proxy
page = opener.open(base + "/", timeout=30).read().decode("utf-8", "replace")
config = json.loads(opener.open(base + "/config", timeout=30).read())
loads = re.findall(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)", page)

from gradio_client import Client  # noqa: E402

client = Client(base + "/", verbose=False, analytics_enabled=False, download_files=False,
                httpx_kwargs={"timeout": 60, "trust_env": False})
job = client.submit("What does the court require of country information in a return-risk assessment?",
                    [], [], [], [], "", "", False, api_name="/respond")  # question, chat, then the six filters
chat, sources = job.result(timeout=150)[:2]
# the third tab: an account checked through the app
claims_text, claims_list = client.predict(ACCOUNT, "", api_name="/check_account")[:2]
reply = chat[-1]["content"]
reply = " ".join(part.get("text", "") for part in reply) if isinstance(reply, list) else str(reply)
client.close()
time.sleep(1)
out.write_text(json.dumps({
    "attempts": attempts, "control": control, "title": config.get("title"), "analytics": config.get("analytics_enabled"),
    "stylesheets": config.get("stylesheets"), "loads": loads, "page": len(page), "roles": [m["role"] for m in chat],
    "reply": reply, "sources": sources, "claims": claims_text, "claims_list": claims_list,
}))
'''


def _strace() -> list[str]:
    """strace -f over connect() and the send calls that carry an address, when ptrace is allowed here."""
    strace = shutil.which("strace")
    trace = ["-f", "-e", "trace=connect,sendto,sendmsg,sendmmsg"]
    if strace and subprocess.run([strace, *trace, "-o", os.devnull, "true"], capture_output=True).returncode == 0:
        return [strace, *trace]
    return []  # ptrace may be forbidden in a container


def _native_connects(trace: Path) -> list[str]:
    """From strace's output: connects and sends to an IPv4/IPv6 address that is not loopback, and any to port 53
    (a DNS query, which is a lookup of a name that is not in /etc/hosts, even when the resolver is on loopback)."""
    bad = []
    for line in trace.read_text(errors="replace").splitlines():
        if "AF_INET" not in line or not re.search(r"\b(connect|sendto|sendmsg|sendmmsg)\(", line):
            continue
        v4 = re.search(r'inet_addr\("([\d.]+)"\)', line)
        v6 = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', line)
        address = v4.group(1) if v4 else v6.group(1) if v6 else "?"
        dns = re.search(r"port=htons\(53\)", line)
        if dns or not (address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")):
            bad.append(line)
    return bad


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(tmp_path: Path) -> dict:
    """No LANDINFO_* and none of the switches (landinfo must set them itself), no proxy, scratch files in tmp."""
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LANDINFO_") and k not in SWITCHES and k.lower() not in proxies}
    env.update(LANDINFO_FEEDBACK_DIR=str(tmp_path / "feedback"), GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    return env


def _answers(port: int, server: subprocess.Popen) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        assert server.poll() is None, "the server exited before it answered"
        return False


def _attempts(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _described(attempts: list[dict]) -> str:
    return "\n\n".join(f"{a['call']} {a['target']}\n{a['stack']}" for a in attempts)


def test_ingest_search_ask_and_imports_make_no_outside_connection(tmp_path):
    corpus = tmp_path / "corpus"
    for name in DEMO_FILES:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "corpus" / name, corpus / name)
    script = tmp_path / "guarded_run.py"
    script.write_text(GUARDED_RUN.replace("__SWITCHES__", repr(SWITCHES)).replace("__ACCOUNT__", repr(ACCOUNT)))
    out, trace = tmp_path / "result.json", tmp_path / "connect.trace"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDINFO_") and k not in SWITCHES}
    command = [sys.executable, str(script), str(corpus), str(tmp_path / "indexes"), str(out)]
    strace = _strace()
    if strace:
        command = [*strace, "-o", str(trace), *command]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())

    assert result["control"] == "create_connection", "the guard did not catch the control connection"
    assert result["attempts"] == [], _described(result["attempts"])
    if strace:
        assert _native_connects(trace) == []
    assert result["model"] and result["chunks"] > 0 and result["passages"] > 0  # the real work really happened
    assert not result["refused"] and result["citations"] > 0
    assert all(value is None for value in result["before"].values())  # the switches came from landinfo itself
    assert result["after"]["ANONYMIZED_TELEMETRY"] == "False"
    assert result["after"]["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert result["after"]["HF_HUB_OFFLINE"] == "1"
    assert result["telemetry"] is False  # what Chroma's client itself reports
    assert result["check_exit"] == 0 and result["check_statuses"][-1] == "personal"  # `landinfo check` ran
    assert "Tesfay" not in run.stderr  # the account is never logged


def test_serving_the_chat_and_answering_in_it_make_no_outside_connection(tmp_path, demo_settings):
    """`landinfo serve` on a free loopback port over the real demo index, in a guarded interpreter (and under strace
    where allowed); a second guarded interpreter loads the page and its config and asks one question through the app
    with gradio_client. Start-up, page load and answer: not one attempt outside loopback, not one DNS lookup."""
    port, env = _free_port(), _clean_env(tmp_path)
    serve_script, chat_script = tmp_path / "guarded_serve.py", tmp_path / "guarded_chat.py"
    serve_script.write_text(SERVE.replace("__SWITCHES__", repr(SWITCHES)).replace("__ACCOUNT__", repr(ACCOUNT)))
    chat_script.write_text(CHAT.replace("__SWITCHES__", repr(SWITCHES)).replace("__ACCOUNT__", repr(ACCOUNT)))
    status, log, trace = tmp_path / "status.json", tmp_path / "attempts.jsonl", tmp_path / "serve.trace"
    strace = _strace()
    command = [sys.executable, str(serve_script), str(demo_settings.index_dir), str(port), str(status), str(log)]
    if strace:
        command = [*strace, "-o", str(trace), *command]
    with open(tmp_path / "serve.out", "wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while not _answers(port, server):
            assert time.monotonic() < deadline, "the server did not answer on loopback within 90 s"
            time.sleep(0.25)
        # The officer's side, guarded too; it needs the switches that landinfo's own processes get from landinfo
        # (gradio_client pings huggingface.co on start unless GRADIO_ANALYTICS_ENABLED=False).
        chat_env = {**env, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
        out = tmp_path / "chat.json"
        chat = subprocess.run([sys.executable, str(chat_script), str(port), str(out)], env=chat_env,
                              capture_output=True, text=True, timeout=180)
        assert chat.returncode == 0, chat.stderr[-3000:]
        time.sleep(2)  # background threads (analytics, update checks) get their chance to call out
        during = _attempts(log)
    finally:
        pid = json.loads(status.read_text())["pid"] if status.exists() else server.pid
        try:
            os.kill(pid, signal.SIGINT)  # uvicorn shuts down gracefully; strace, if there, ends with it
            server.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            server.kill()
            server.wait(timeout=10)
    served = (tmp_path / "serve.out").read_text(errors="replace")
    result, started = json.loads(out.read_text()), json.loads(status.read_text())

    assert started["control"] == result["control"] == "create_connection", "a guard missed the control connection"
    assert during == [], _described(during)  # start-up, page load and the answer
    assert _attempts(log) == [], _described(_attempts(log))  # nor on shutdown
    assert result["attempts"] == [], _described(result["attempts"])  # the client's side
    if strace:
        assert _native_connects(trace) == []
    assert f"serving on http://127.0.0.1:{port}" in served
    assert all(value is None for value in started["before"].values())  # the switches came from landinfo itself
    assert started["after"]["GRADIO_ANALYTICS_ENABLED"] == "False" and started["after"]["HF_HUB_OFFLINE"] == "1"
    assert started["after"]["ANONYMIZED_TELEMETRY"] == "False"
    # The page really loaded, and nothing it makes the browser load comes from elsewhere.
    assert result["page"] > 1000 and result["title"] == "Landinfo" and result["analytics"] is False
    off_machine = [u for u in result["loads"] + result["stylesheets"]
                   if re.match(r"(?i)(https?:)?//", u) and not re.match(r"(?i)(https?:)?//(127\.0\.0\.1|localhost)[:/]", u)]
    assert off_machine == []
    # A real, cited answer came back through the app.
    assert result["roles"] == ["user", "assistant"]
    assert 'class="cite"' in result["reply"] and "refusal" not in result["reply"], result["reply"][:1000]
    assert "card cited" in result["sources"]
    # The account was checked through the third tab, and the server logged nothing of it.
    assert result["claims"].splitlines()[-1] == "(personal) My father Tesfay was ill for many years."
    assert "Tesfay" not in served and "Orvask" not in served
