"""Load: concurrent chat sessions against `landinfo serve` on loopback, as the gradio front end would drive it.

    python benchmarks/load.py [--sessions 20] [--seconds 180] [--max-requests 2000] [--turns 5]
                              [--index-dir indexes/test-demo] [--concurrency N] [--login] [--out benchmarks/RESULTS-load.md]

Starts the app as a subprocess (`landinfo serve --port <free port>` with LANDINFO_INDEX_DIR=<index-dir>, building
that index first with `landinfo ingest corpus/` when it is missing), waits until the page is served and the warm-up
answer is logged ("landinfo: ready in"), then runs --sessions threads, each with its own gradio_client.Client (its
own gradio session, so its own conversation state on the server). Each session asks the questions of
evals/demo.yaml in a loop through the chat's API endpoint (/respond: the question box's submit, the same function as
the Ask button), passing the returned chat history back as the browser does, and starts a new conversation
(/new_conversation) every --turns questions. It stops issuing questions at --seconds or when --max-requests have
been issued in all; every request is bounded by --request-timeout.

Per question: latency (submit to final streamed output) and success (an answer with text: the last chat message is
an assistant message with text that is not the "Searching" placeholder, and the export text starts with "## ").
The server's RSS (its process tree, from /proc/<pid>/status VmRSS) is sampled every 5 s; "after warm-up" is the
sample taken when every session has had its first answer. The table is printed and appended to --out.

Only 127.0.0.1 is ever contacted: the server binds loopback, every client targets it, gradio/HF telemetry is
switched off, and a guard on socket.connect refuses any other address in this process.
"""
from __future__ import annotations

import argparse
import html
import ipaddress
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "evals" / "demo.yaml"
CHAT_API = "/respond"  # question.submit(respond, ...); "/respond_1" is the Ask button, the same function
NEW_CONVERSATION_API = "/new_conversation"
SAMPLE_EVERY = 5.0  # seconds between RSS samples
USER = "loadtest"
# Set before gradio_client is imported and before any Client exists: no telemetry, no hub lookups.
OFFLINE = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


# ---- loopback only ----------------------------------------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_loopback(sock, address) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # unix sockets
    host = address[0]
    try:
        ok = ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        ok = host in ("localhost",)
    if not ok:
        raise ConnectionRefusedError(f"load benchmark: refusing to connect to {host!r} (loopback only)")


def _guarded_connect(self, address):
    _check_loopback(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check_loopback(self, address)
    return _real_connect_ex(self, address)


def loopback_only(patch=None) -> None:
    """Refuse, in this process, every TCP connection to anything but loopback; patch=monkeypatch.setattr in tests."""
    setter = patch or (lambda obj, name, value: setattr(obj, name, value))
    setter(socket.socket, "connect", _guarded_connect)
    setter(socket.socket, "connect_ex", _guarded_connect_ex)


# ---- the server -------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _landinfo_command() -> list[str]:
    script = Path(sys.executable).parent / "landinfo"
    return [str(script)] if script.exists() else [sys.executable, "-m", "landinfo.cli"]


def process_tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def status_field(pid: int, name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_mb(pid: int) -> float:
    """Resident memory of pid and its descendants, MB."""
    return sum(status_field(p, "VmRSS") for p in process_tree(pid)) / 1024


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def ensure_index(index_dir: Path) -> None:
    if index_dir.is_dir() and any(index_dir.glob("manifest-*.sqlite3")):
        return
    print(f"load: no index in {index_dir}; running `landinfo ingest corpus/` into it", file=sys.stderr, flush=True)
    env = {**os.environ, **OFFLINE, "LANDINFO_INDEX_DIR": str(index_dir)}
    subprocess.run([*_landinfo_command(), "ingest", "corpus/"], cwd=REPO, env=env, check=True, timeout=1800)


class Server:
    """`landinfo serve --port <free port>` on 127.0.0.1 over index_dir; a context manager that always stops it."""

    def __init__(self, index_dir: Path, folder: Path, login: bool = False, concurrency: int | None = None,
                 inherit_landinfo: bool = True, ready_timeout: float = 300):
        self.index_dir, self.folder, self.ready_timeout = Path(index_dir), Path(folder), ready_timeout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.auth = (USER, f"pw-{os.urandom(6).hex()}") if login else None
        env = {k: v for k, v in os.environ.items() if inherit_landinfo or not k.startswith("LANDINFO_")}
        for key in ("LANDINFO_USERS", "LANDINFO_AUTH_FILE", "LANDINFO_HOST", "LANDINFO_PORT"):
            env.pop(key, None)
        env.update(OFFLINE, LANDINFO_INDEX_DIR=str(self.index_dir), LANDINFO_HOST="127.0.0.1",
                   LANDINFO_FEEDBACK_DIR=str(self.folder / "feedback"), GRADIO_TEMP_DIR=str(self.folder / "gradio"))
        if concurrency:
            env["LANDINFO_CONCURRENCY"] = str(concurrency)
        if self.auth:
            env["LANDINFO_USERS"] = f"{self.auth[0]}:{self.auth[1]}"
        self.env = env
        from landinfo.settings import Settings

        self.concurrency = int(env.get("LANDINFO_CONCURRENCY", Settings.model_fields["concurrency"].default))
        self.log_path = self.folder / "server.log"
        self.proc: subprocess.Popen | None = None
        self.ready_s = float("nan")

    def __enter__(self) -> "Server":
        self.folder.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        started = time.perf_counter()
        self.proc = subprocess.Popen([*_landinfo_command(), "serve", "--port", str(self.port)], cwd=REPO,
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # Ctrl-C reaches us, and we stop it ourselves
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.perf_counter() - started
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        serving = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            if not serving:
                try:
                    with urllib.request.urlopen(self.url, timeout=5) as response:
                        serving = response.status == 200
                except OSError:
                    pass
            if serving and "landinfo: ready in" in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{self.url} not ready within {self.ready_timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join([line for line in text.splitlines() if "Loading weights" not in line][-lines:])

    def compute_seconds(self) -> list[float]:
        """The server's own time per answer (its "answered in X s" log lines): the compute without the queue."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [float(m) for m in re.findall(r"landinfo: answered in ([0-9.]+) s", text)]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None) and not self._log.closed:
            self._log.close()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---- the load ---------------------------------------------------------------------------------------------

def demo_questions(path: Path = QUESTIONS) -> list[str]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [q["question"] for q in data["questions"]]


def _message_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _shown_text(markup: str) -> str:
    """What the chat shows of a message sent as escaped text in an HTML element (see ui_render.text_html)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def check_answer(outputs, question: str) -> str:
    """'' when outputs of /respond are an answer with text; otherwise why not."""
    if not isinstance(outputs, (tuple, list)) or len(outputs) < 6:
        return f"unexpected outputs: {str(outputs)[:120]}"
    history, export = outputs[0], outputs[5]
    if not isinstance(history, list) or len(history) < 2:
        return f"no chat history returned: {str(history)[:120]}"
    last = history[-1]
    text = _message_text(last).strip() if isinstance(last, dict) else ""
    if not isinstance(last, dict) or last.get("role") != "assistant" or not text:
        return "the last message is not an assistant answer with text"
    if text.startswith("*") and text.endswith("*") and len(text) < 60:
        return f"the answer is still the placeholder {text!r}"
    if _shown_text(_message_text(history[-2])).strip() != question:
        return "the question before the answer is not the one asked"
    if not isinstance(export, str) or not export.startswith("## "):
        return f"no exported answer text (got {str(export)[:80]!r})"
    return ""


@dataclass
class Request:
    session: int
    kind: str  # "ask" | "new" | "connect"
    started: float  # monotonic
    seconds: float
    error: str = ""


@dataclass
class LoadResult:
    sessions: int
    seconds: float  # the issuing window asked for
    requests: list[Request] = field(default_factory=list)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds since load start, RSS MB)
    rss_start: float = float("nan")
    rss_warm: float = float("nan")
    rss_end: float = float("nan")
    warm_at: float = float("nan")  # seconds since load start when every session had its first answer
    wall: float = 0.0  # load start to the last request's end
    unfinished: int = 0  # sessions still running at the hard deadline
    server_alive: bool = True
    threads: tuple[int, int] = (0, 0)  # server threads at start / end
    fds: tuple[int, int] = (0, 0)  # server open files at start / end
    capped: bool = False  # stopped by --max-requests rather than by time

    @property
    def asks(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "ask"]

    @property
    def answered(self) -> list[Request]:
        return [r for r in self.asks if not r.error]

    @property
    def errors(self) -> list[Request]:
        return [r for r in self.requests if r.error]

    @property
    def rss_max(self) -> float:
        return max([mb for _, mb in self.samples] + [self.rss_end], default=float("nan"))

    def latency(self, q: float) -> float:
        return nearest_rank([r.seconds for r in self.answered], q)


class _Budget:
    """At most `total` requests issued in all, none after the deadline; thread-safe."""

    def __init__(self, total: int, deadline: float, stop: threading.Event):
        self.left, self.deadline, self.stop, self.capped = total, deadline, stop, False
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.stop.is_set() or time.monotonic() >= self.deadline:
                return False
            if self.left <= 0:
                self.capped = True
                return False
            self.left -= 1
            return True


def run_load(server: Server, sessions: int = 20, seconds: float = 180, max_requests: int = 2000,
             per_session: int | None = None, turns: int = 5, request_timeout: float = 180,
             questions: list[str] | None = None, stop: threading.Event | None = None,
             progress: bool = True) -> LoadResult:
    """sessions threads asking questions through their own gradio_client.Client until the window closes."""
    for key, value in OFFLINE.items():
        os.environ[key] = value  # read by Client() (telemetry) and huggingface_hub
    import httpx
    from gradio_client import Client

    questions = questions or demo_questions()
    stop = stop or threading.Event()
    result = LoadResult(sessions, seconds)
    lock = threading.Lock()
    first_done: set[int] = set()
    warm = threading.Event()
    pid = server.proc.pid
    result.threads = (status_field(pid, "Threads"), 0)
    result.fds = (open_fds(pid), 0)
    result.rss_start = rss_mb(pid)
    t0 = time.monotonic()
    budget = _Budget(max_requests, t0 + seconds, stop)
    hard_deadline = t0 + seconds + request_timeout + 60  # nothing waits past this

    def record(request: Request) -> None:
        with lock:
            result.requests.append(request)
            if request.kind != "new" and request.session not in first_done:
                first_done.add(request.session)
                if len(first_done) == sessions:
                    result.warm_at = time.monotonic() - t0
                    result.rss_warm = rss_mb(pid)
                    warm.set()

    def call(client, session: int, kind: str, *args, api_name: str):
        started = time.monotonic()
        job = None
        try:
            job = client.submit(*args, api_name=api_name)
            outputs = job.result(timeout=max(1.0, min(request_timeout, hard_deadline - started)))
            error = check_answer(outputs, args[0]) if kind == "ask" else ""
        except Exception as exc:  # noqa: BLE001 - every failure is a finding, recorded with its reason
            outputs, error = None, f"{type(exc).__name__}: {exc}".strip()[:300] or type(exc).__name__
            if job is not None:
                job.cancel()
        record(Request(session, kind, started, time.monotonic() - started, error))
        return outputs, error

    def session(i: int) -> None:
        started = time.monotonic()
        try:
            client = Client(server.url, auth=server.auth, verbose=False, download_files=False,
                            httpx_kwargs={"timeout": httpx.Timeout(90.0, connect=30.0)})
        except Exception as exc:  # noqa: BLE001
            record(Request(i, "connect", started, time.monotonic() - started, f"{type(exc).__name__}: {exc}"[:300]))
            return
        history: list = []
        asked = turn = 0
        position = i  # sessions start at different questions, so every moment has a mix
        try:
            while per_session is None or asked < per_session:
                if turn == turns:
                    if not budget.take():
                        break
                    _, error = call(client, i, "new", api_name=NEW_CONVERSATION_API)
                    history, turn = [], 0
                if not budget.take():
                    break
                question = questions[position % len(questions)]
                position += 1
                outputs, error = call(client, i, "ask", question, history, [], [], [], "", "", False,
                                      api_name=CHAT_API)
                asked += 1
                if not error:
                    history, turn = outputs[0], turn + 1
        finally:
            client.close()

    def sampler() -> None:
        while not done.wait(SAMPLE_EVERY):
            mb = rss_mb(pid)
            with lock:
                result.samples.append((time.monotonic() - t0, mb))
            if progress:
                asks = result.asks
                print(f"  {time.monotonic() - t0:6.0f} s  {len(asks):5d} questions  "
                      f"{sum(1 for r in asks if r.error):3d} failed  RSS {mb:,.0f} MB", file=sys.stderr, flush=True)

    done = threading.Event()
    threads = [threading.Thread(target=session, args=(i,), name=f"session-{i}", daemon=True) for i in range(sessions)]
    sampler_thread = threading.Thread(target=sampler, name="rss-sampler", daemon=True)
    sampler_thread.start()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive() and time.monotonic() < hard_deadline:
                thread.join(timeout=1.0)
    finally:
        stop.set()  # on Ctrl-C or an exception: no further questions
        done.set()
        sampler_thread.join(timeout=10)
    result.unfinished = sum(1 for thread in threads if thread.is_alive())
    result.capped = budget.capped
    ends = [r.started + r.seconds for r in result.requests]
    result.wall = (max(ends) - t0) if ends else 0.0
    result.server_alive = server.alive()
    time.sleep(1.0)  # let the last responses' buffers go before the final sample
    result.rss_end = rss_mb(pid)
    result.threads = (result.threads[0], status_field(pid, "Threads"))
    result.fds = (result.fds[0], open_fds(pid))
    if not warm.is_set():
        result.rss_warm = result.rss_end
    return result


# ---- the report -------------------------------------------------------------------------------------------

def machine() -> tuple[str, str]:
    """(short, long) description: cores and RAM; the long one names the CPU model."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem_kb = 0
    model = platform.processor() or platform.machine()
    try:
        mem_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal:")).split()[1])
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), model)
    except (OSError, StopIteration, ValueError):
        pass
    ram = f"{mem_kb / 1024 / 1024:.1f} GiB RAM"
    return f"nproc {cores}, {ram}", f"{cores} CPU cores (nproc; {model}), {ram}"


HEADER = ("| date | machine | sessions | concurrency limit | requests | errors | answered % | "
          "latency p50 / p95 / max s | answers/s | RSS start / warm-up / end / max MB |")
RULE = "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"


def table_row(result: LoadResult, concurrency: int, when: str, where: str) -> str:
    asks = result.asks
    answered = len(result.answered)
    pct = 100.0 * answered / len(asks) if asks else 0.0
    rate = answered / result.wall if result.wall else 0.0
    return (f"| {when} | {where} | {result.sessions} | {concurrency} | {len(asks):,} | {len(result.errors)} | "
            f"{pct:.1f} | {result.latency(0.5):.1f} / {result.latency(0.95):.1f} / {result.latency(1.0):.1f} | "
            f"{rate:.2f} | {result.rss_start:,.0f} / {result.rss_warm:,.0f} / {result.rss_end:,.0f} / "
            f"{result.rss_max:,.0f} |")


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.4999)) - 1))]


def notes(result: LoadResult, server: Server, args, load_before, load_after, temp_mb: float,
          compute: list[float]) -> list[str]:
    news = [r for r in result.requests if r.kind == "new"]
    lines = [
        f"- command: `{' '.join(['python benchmarks/load.py', *args.argv])}`",
        f"- index `{server.index_dir}`; {result.sessions} sessions (one gradio_client.Client each) asked the "
        f"{len(demo_questions())} questions of evals/demo.yaml in turn through `{CHAT_API}`, a new conversation "
        f"(`{NEW_CONVERSATION_API}`, {len(news)} calls) every {args.turns} questions; login "
        f"{'on' if server.auth else 'off'}; window {result.seconds:.0f} s"
        f"{' (stopped by --max-requests)' if result.capped else ''}, last answer at {result.wall:.0f} s",
        f"- server ready (page served, warm-up answer logged) {server.ready_s:.0f} s after start; every session had "
        f"its first answer {result.warm_at:.0f} s into the load (the warm-up RSS); RSS sampled every "
        f"{SAMPLE_EVERY:.0f} s ({len(result.samples)} samples), process tree of the server",
        f"- latency = submit to the final streamed output, queue wait included (answers computed at once: "
        f"{server.concurrency}); throughput = answers / {result.wall:.0f} s; the server's own time per answer "
        f"(its log, {len(compute)} answers) p50 {nearest_rank(compute, 0.5):.1f} / p95 {nearest_rank(compute, 0.95):.1f}"
        f" / max {max(compute, default=float('nan')):.1f} s, the rest is mostly the wait in gradio's queue (plus the streamed sentences and the export files)",
        f"- server threads {result.threads[0]} -> {result.threads[1]}, open files {result.fds[0]} -> {result.fds[1]}; "
        f"GRADIO_TEMP_DIR grew to {temp_mb:.1f} MB (the Markdown and Word export of every answer); "
        f"server {'still running' if result.server_alive else 'EXITED'} at the end"
        f"{f'; {result.unfinished} sessions unfinished at the hard deadline' if result.unfinished else ''}",
        f"- load average {load_before} before, {load_after} after"
        + (" (the cores were shared with other work)" if float(load_before.split()[0]) > 0.5 else ""),
    ]
    errors: dict[str, int] = {}
    for request in result.errors:
        key = f"{request.kind}: {request.error}"
        errors[key] = errors.get(key, 0) + 1
    for reason, count in sorted(errors.items(), key=lambda kv: -kv[1])[:8]:
        lines.append(f"- error x{count}: {reason}")
    return lines


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6 if folder.exists() else 0.0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180, help="window in which questions are issued")
    parser.add_argument("--max-requests", type=int, default=2000, help="questions (and new conversations) in all")
    parser.add_argument("--turns", type=int, default=5, help="questions per conversation before a new one")
    parser.add_argument("--request-timeout", type=float, default=180)
    parser.add_argument("--index-dir", type=Path, default=REPO / "indexes" / "test-demo")
    parser.add_argument("--concurrency", type=int, help="LANDINFO_CONCURRENCY for the server (default: its setting)")
    parser.add_argument("--login", action="store_true", help="serve with a login (LANDINFO_USERS) and log every client in")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS-load.md")
    args = parser.parse_args(argv)
    args.argv = argv
    if not 1 <= args.sessions <= 200 or not 0 < args.seconds <= 3600 or not 1 <= args.max_requests <= 100_000:
        parser.error("--sessions 1..200, --seconds 0..3600, --max-requests 1..100000")
    for key, value in OFFLINE.items():
        os.environ[key] = value
    loopback_only()

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)

    index_dir = args.index_dir if args.index_dir.is_absolute() else (Path.cwd() / args.index_dir)
    ensure_index(index_dir)
    folder = Path(tempfile.mkdtemp(prefix="landinfo-load-"))
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    load_before = _loadavg()
    try:
        with Server(index_dir, folder, login=args.login, concurrency=args.concurrency) as server:
            print(f"load: serving {server.url} (ready in {server.ready_s:.0f} s, concurrency {server.concurrency}); "
                  f"{args.sessions} sessions for {args.seconds:.0f} s", file=sys.stderr, flush=True)
            result = run_load(server, sessions=args.sessions, seconds=args.seconds, max_requests=args.max_requests,
                              turns=args.turns, request_timeout=args.request_timeout)
            temp_mb = _folder_mb(folder / "gradio")
            server.stop()
            compute = server.compute_seconds()
            if not result.server_alive or result.errors:
                print(server.log_tail(), file=sys.stderr)
        short, where = machine()
        lines = [f"## Run {when}", "", f"{where}, Python {platform.python_version()}, gradio {_version('gradio')}, "
                 f"gradio_client {_version('gradio_client')}.", "", HEADER, RULE,
                 table_row(result, server.concurrency, when, short),
                 "", *notes(result, server, args, load_before, _loadavg(), temp_mb, compute), ""]
        text = "\n".join(lines)
        print("\n" + text)
        new = not args.out.exists()
        with args.out.open("a", encoding="utf-8") as out:
            if new:
                out.write("# Load benchmark\n\nWritten by `python benchmarks/load.py`; each run appends a section.\n\n")
            out.write(text + "\n")
        print(f"load: appended to {args.out}", file=sys.stderr)
        return 0 if result.answered and not result.errors and result.server_alive else 1
    except KeyboardInterrupt:
        print("load: interrupted; the server was stopped", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
