"""Nothing leaves the machine: ingest, search and ask with the real model, and importing chromadb and gradio, make
no connection to anything but loopback, and telemetry and analytics are off. Run in a fresh interpreter so that
import-time calls are caught too; a socket guard records (and blocks) every non-loopback attempt made through
Python, and where strace is available every connect() of native code (Rust, C) is checked as well."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # loads the real model

REPO = Path(__file__).resolve().parent.parent
DEMO_FILES = ["case-law/MIG_DEMO_2026-1_UM9903-26.txt", "case-law/MIG_DEMO_2026-1_UM9903-26.txt.meta.yaml",
              "coi/veldoria-aterkomst-2022.md"]
SWITCHES = ("ANONYMIZED_TELEMETRY", "GRADIO_ANALYTICS_ENABLED", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
            "HF_HUB_DISABLE_TELEMETRY")

GUARDED_RUN = r'''
import ipaddress, json, os, socket, sys, time, traceback
from pathlib import Path

corpus, index_dir, out = map(Path, sys.argv[1:4])
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
before = {name: os.environ.get(name) for name in SWITCHES}
import landinfo  # noqa: E402
after = {name: os.environ.get(name) for name in SWITCHES}
import chromadb  # noqa: E402,F401
import gradio  # noqa: E402,F401

from landinfo.assistant import Assistant  # noqa: E402
from landinfo.index import _client  # noqa: E402
from landinfo.ingest import ingest  # noqa: E402
from landinfo.retrieve import Retriever  # noqa: E402
from landinfo.settings import DEFAULT_MODEL, Settings  # noqa: E402

settings = Settings(index_dir=index_dir)
report = ingest(corpus, settings, progress=False)
passages = Retriever(settings).retrieve("Vad krävs av landinformationen vid en riskbedömning?")
answer = Assistant(settings).ask("What does the court require of country information in a return-risk assessment?")
telemetry = _client(settings).get_settings().anonymized_telemetry
time.sleep(2)  # give background threads (telemetry, analytics, update checks) their chance to call out
out.write_text(json.dumps({
    "attempts": attempts, "control": control, "before": before, "after": after, "telemetry": telemetry,
    "model": settings.embedding_model == DEFAULT_MODEL, "chunks": report.chunks["added"],
    "passages": len(passages), "refused": answer.refused, "citations": len(answer.citations),
}))
'''


def _native_connects(trace: Path) -> list[str]:
    """connect() calls to an IPv4/IPv6 address that is not loopback, from strace's output."""
    bad = []
    for line in trace.read_text(errors="replace").splitlines():
        if "connect(" not in line or ("AF_INET" not in line and "AF_INET6" not in line):
            continue
        v4 = re.search(r'inet_addr\("([\d.]+)"\)', line)
        v6 = re.search(r'inet_pton\(AF_INET6, "([^"]+)"', line)
        address = v4.group(1) if v4 else v6.group(1) if v6 else "?"
        if not (address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")):
            bad.append(line)
    return bad


def test_ingest_search_ask_and_imports_make_no_outside_connection(tmp_path):
    corpus = tmp_path / "corpus"
    for name in DEMO_FILES:
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "corpus" / name, corpus / name)
    script = tmp_path / "guarded_run.py"
    script.write_text(GUARDED_RUN.replace("__SWITCHES__", repr(SWITCHES)))
    out, trace = tmp_path / "result.json", tmp_path / "connect.trace"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDINFO_") and k not in SWITCHES}
    command = [sys.executable, str(script), str(corpus), str(tmp_path / "indexes"), str(out)]
    strace = shutil.which("strace")
    if strace:
        probe = subprocess.run([strace, "-f", "-e", "trace=connect", "-o", os.devnull, "true"], capture_output=True)
        strace = strace if probe.returncode == 0 else None  # ptrace may be forbidden in a container
    if strace:
        command = [strace, "-f", "-e", "trace=connect", "-o", str(trace), *command]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(out.read_text())

    assert result["control"] == "create_connection", "the guard did not catch the control connection"
    assert result["attempts"] == [], "\n\n".join(f"{a['call']} {a['target']}\n{a['stack']}" for a in result["attempts"])
    if strace:
        assert _native_connects(trace) == []
    assert result["model"] and result["chunks"] > 0 and result["passages"] > 0  # the real work really happened
    assert not result["refused"] and result["citations"] > 0
    assert all(value is None for value in result["before"].values())  # the switches came from landinfo itself
    assert result["after"]["ANONYMIZED_TELEMETRY"] == "False"
    assert result["after"]["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert result["after"]["HF_HUB_OFFLINE"] == "1"
    assert result["telemetry"] is False  # what Chroma's client itself reports
