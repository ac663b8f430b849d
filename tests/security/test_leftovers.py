"""What a process killed with SIGKILL left behind (its private scratch folder with answer exports, the private
copy of a read-only index's database) is removed when the next server starts; what belongs to a process that is
still running (a second server's scratch, another reader's copy) is kept."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.ingest import ingest
from landinfo.settings import Settings
from served import call_by_index, serving

QUESTION = ["How many journalists were detained in Veldoria in 2025?", [], [], "en", [], [], [], "", "", False]
# A reader of a read-only index: one search (which opens the index through a private copy), then it waits.
READER = ("import time\nfrom landinfo.cli import main\nmain(['search', 'journalists detained'])\n"
          "print('READY', flush=True)\ntime.sleep(600)\n")


def _without_write_access() -> list[str]:
    """For root, setpriv dropping the capabilities that let root write anywhere (file modes then hold)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a folder cannot be made read-only for this process")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


@pytest.fixture(scope="module")
def read_only_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("leftovers-index") / "index"
    ingest(DEMO_CORPUS, Settings(index_dir=index, embedding_model=FAKE_MODEL), progress=False)
    for path in [index, *index.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    yield index
    for path in [index, *index.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


def _reader(index: Path, temp: Path) -> tuple[subprocess.Popen, Path]:
    """A process holding a private copy of the read-only index; the copy it made in `temp`."""
    before = set(temp.glob("landinfo-readonly-*"))
    env = {**os.environ, "LANDINFO_INDEX_DIR": str(index), "LANDINFO_EMBEDDING_MODEL": FAKE_MODEL,
           "TMPDIR": str(temp)}
    proc = subprocess.Popen([*_without_write_access(), sys.executable, "-c", READER], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = []
    while not said or said[-1].strip() != "READY":  # the search's own output comes first
        said.append(proc.stdout.readline())
        assert said[-1], f"the reader exited: {''.join(said)}"
    (copy,) = set(temp.glob("landinfo-readonly-*")) - before
    assert (copy / "chroma.sqlite3").is_file()
    return proc, copy


def test_leftovers_of_a_killed_process_go_at_the_next_start_and_a_live_ones_stay(tmp_path, read_only_index):
    base, temp = tmp_path / "scratch-base", tmp_path / "temp"
    for folder in (base, temp, tmp_path / "live", tmp_path / "killed", tmp_path / "next"):
        folder.mkdir()
    shared = {"LANDINFO_SCRATCH_DIR": str(base), "TMPDIR": str(temp), "LANDINFO_INDEX_DIR": str(read_only_index)}
    killed_reader, killed_copy = _reader(read_only_index, temp)
    live_reader, live_copy = _reader(read_only_index, temp)
    try:
        with serving(tmp_path / "live", env_extra=shared) as live:
            (live_folder,) = list(base.iterdir())
            with serving(tmp_path / "killed", env_extra=shared) as killed:
                (killed_folder,) = set(base.iterdir()) - {live_folder}
                client = killed.client()
                config = client.get("/config").json()
                respond = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "respond")
                answer = call_by_index(client, respond, QUESTION, uuid.uuid4().hex[:11])
                assert '"success":true' in answer.replace(" ", "")
                exports = list(killed_folder.rglob("*.md"))
                assert exports, "the answer was not exported into the scratch folder"
                killed.proc.send_signal(signal.SIGKILL)
                killed.proc.wait(timeout=30)
            killed_reader.send_signal(signal.SIGKILL)
            killed_reader.wait(timeout=30)
            assert killed_folder.exists() and killed_copy.exists()  # what kill -9 leaves

            with serving(tmp_path / "next", env_extra=shared) as following:
                assert following.proc.poll() is None
                assert not killed_folder.exists(), f"{sorted(p.name for p in killed_folder.rglob('*'))}"
                assert not killed_copy.exists()
                assert live_folder.is_dir() and live_copy.is_dir()  # the live server's and the live reader's
                assert any(live_folder.iterdir()) and (live_copy / "chroma.sqlite3").is_file()
                assert live.proc.poll() is None and live_reader.poll() is None
                assert len(list(base.iterdir())) == 2  # the live server's and the new one's
    finally:
        for proc in (killed_reader, live_reader):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_a_reused_pid_does_not_keep_a_leftover_and_a_folder_without_an_owner_is_not_judged(tmp_path):
    from landinfo.scratch import owned_folder, remove_leftovers

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        mine = owned_folder("landinfo-", tmp_path)  # this process: alive
        theirs = tmp_path / "landinfo-theirs"  # the sleeper's, as it would record itself
        reused = tmp_path / "landinfo-reused"  # the sleeper's pid, recorded by a process that started earlier
        unowned = tmp_path / "landinfo-unowned"  # no record (made by an older version, or being made)
        started = Path(f"/proc/{sleeper.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
        namespace = os.readlink("/proc/self/ns/pid")
        for folder, record in ((theirs, f"{sleeper.pid} {started} {namespace}"),
                               (reused, f"{sleeper.pid} {int(started) - 1} {namespace}"), (unowned, None)):
            folder.mkdir()
            if record:
                (folder / ".owner").write_text(record)
        assert remove_leftovers(tmp_path) == [reused]
        assert mine.is_dir() and theirs.is_dir() and unowned.is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_leftovers(tmp_path) == [theirs]  # its owner has exited now
