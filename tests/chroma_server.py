"""A real `chroma run` on a loopback port for tests: start, kill -9, start again on the same port and folder."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chroma_executable() -> str:
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.exists() else (shutil.which("chroma") or pytest.skip("no `chroma` executable"))


def alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class ChromaServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "ChromaServer":
        log = (self.folder / "server.log").open("a")
        self.process = subprocess.Popen(
            [chroma_executable(), "run", "--path", str(self.folder / "db"), "--host", "127.0.0.1",
             "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while not alive(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"chroma server did not come up: {(self.folder / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to flush or say goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
