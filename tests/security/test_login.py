"""Chat logins: hashed passwords written by `landinfo users add`, plain entries with a warning, and a back-off per
user and per client address that a brute force runs into (real `landinfo serve` on loopback, real POSTs to /login)."""
from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pty
import select
import stat
import subprocess
import sys
import termios
import time

import httpx
import pytest

from landinfo.auth import HASHER, Backoff, Login, plain_warnings, read_users
from landinfo.cli import main
from landinfo.settings import Settings
from served import client_from, login, serving

BACKOFF_S = 2.0  # the server's first wait after 5 failures; the 15 refused attempts after them take far less


def _users_add(*args: str, stdin: str) -> tuple[int, str]:
    """`landinfo users add ARGS` with `stdin` piped in (not a terminal): (exit status, what it wrote on stderr)."""
    stderr, piped = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stderr(stderr):
            rc = main(["users", "add", *args])
    finally:
        sys.stdin = piped
    return rc, stderr.getvalue()




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """anna and carl added with `landinfo users add`, bo as an old plain entry; back-off from 2 s."""
    folder = tmp_path_factory.mktemp("login")
    users = folder / "users.txt"
    for name, password in (("anna", "anna-secret-1"), ("carl", "carl-secret-1")):
        rc, said = _users_add(name, "--file", str(users), "--password-stdin", stdin=password + "\n")
        assert rc == 0, said
    with users.open("a", encoding="utf-8") as fh:
        fh.write("bo:bo-plain-1\n")
    with serving(folder, env_extra={"LANDINFO_AUTH_FILE": str(users),
                                    "LANDINFO_LOGIN_BACKOFF_S": str(BACKOFF_S)}) as served:
        served.users = users
        yield served


def test_users_add_writes_a_private_hash_and_that_user_logs_in(server):
    text = server.users.read_text(encoding="utf-8")
    assert stat.S_IMODE(server.users.stat().st_mode) == 0o600
    assert text.splitlines()[0].startswith("anna:$argon2id$") and "anna-secret-1" not in text
    with client_from("127.0.0.10", server.url) as client:
        assert login(client, "anna", "wrong-password").status_code == 400
        response = login(client, "anna", "anna-secret-1")
        assert response.status_code == 200 and response.json() == {"success": True}
        assert client.get("/gradio_api/info").status_code == 200  # the cookie it got opens the app


def test_a_plain_entry_still_logs_in_and_serve_warns_where_it_is(server):
    with client_from("127.0.0.11", server.url) as client:
        assert login(client, "bo", "bo-plain-1").status_code == 200
    assert (f"{server.users}:3: the password of 'bo' is stored in plain text; "
            f"re-add it with `landinfo users add bo --file {server.users}`") in server.output()
    assert "'anna'" not in server.output() and "'carl'" not in server.output()


def test_twenty_wrong_passwords_lock_the_user_until_the_backoff_has_passed(server):
    with client_from("127.0.0.12", server.url) as client, client_from("127.0.0.13", server.url) as elsewhere:
        details = [login(client, "carl", f"guess-{n}").json()["detail"] for n in range(20)]
        right = login(client, "carl", "carl-secret-1")
        from_elsewhere = login(elsewhere, "carl", "carl-secret-1")
        assert details[:5] == ["Incorrect credentials."] * 5
        assert all(d.startswith("Too many failed logins; try again in") for d in details[5:])
        # still locked: the right password is refused, as a failed login (400, which the login form shows), and
        # the lock is on the user, wherever the attempt comes from
        assert right.status_code == 400 and right.json()["detail"].startswith("Too many failed logins")
        assert 1 <= int(right.headers["Retry-After"]) <= BACKOFF_S
        assert from_elsewhere.status_code == 400
        time.sleep(BACKOFF_S + 0.5)
        assert login(client, "carl", "carl-secret-1").status_code == 200
        # the success cleared carl's failures: five more wrong passwords are checked before the next lock
        assert [login(client, "carl", "nope").json()["detail"] for _ in range(5)] == ["Incorrect credentials."] * 5
        assert login(client, "carl", "nope").json()["detail"].startswith("Too many failed logins")
    assert "failed login for 'carl' from 127.0.0.12; the next attempt must wait" in server.output()


def test_an_address_that_guessed_too_often_is_refused_while_another_address_is_not(server):
    with client_from("127.0.0.20", server.url) as guesser, client_from("127.0.0.21", server.url) as colleague:
        for n in range(5):  # five different user names: no user is locked, the address is
            assert login(guesser, f"ghost-{n}", "whatever").json()["detail"] == "Incorrect credentials."
        refused = login(guesser, "anna", "anna-secret-1")
        assert refused.status_code == 400 and refused.json()["detail"].startswith("Too many failed logins")
        assert login(colleague, "anna", "anna-secret-1").status_code == 200
        time.sleep(BACKOFF_S + 0.5)
        assert login(guesser, "anna", "anna-secret-1").status_code == 200


def test_users_add_replaces_a_password_keeps_other_lines_and_refuses_without_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("LANDINFO_AUTH_FILE", raising=False)
    users = tmp_path / "users.txt"
    users.write_text("# team A\nanna:old-plain\nbo:bo-plain-1\n", encoding="utf-8")
    users.chmod(0o644)
    rc, said = _users_add("anna", "--file", str(users), stdin="new-secret-2\n")  # a pipe: read once, no prompt
    assert rc == 0 and "anna: password replaced" in said
    lines = users.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# team A" and lines[1].startswith("anna:$argon2id$") and lines[2] == "bo:bo-plain-1"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    login = Login(read_users(Settings(auth_file=users)), Backoff())
    assert login.verify("anna", "new-secret-2") and not login.verify("anna", "old-plain")
    assert _users_add("eva", "--password-stdin", stdin="eva-secret-1\n") == (  # usage errors: exit 2
        2, "landinfo: users add: no users file; give --file FILE or set LANDINFO_AUTH_FILE\n")
    monkeypatch.setenv("LANDINFO_AUTH_FILE", str(users))  # the users file when --file is not given
    assert _users_add("dina", "--password-stdin", stdin="dina-secret\n")[0] == 0
    assert users.read_text(encoding="utf-8").splitlines()[-1].startswith("dina:$argon2id$")
    rc, said = _users_add("eva", "--password-stdin", stdin="short\n")
    assert rc == 1 and "too short" in said and "eva" not in users.read_text(encoding="utf-8")
    rc, said = _users_add("ev:a", "--password-stdin", stdin="eva-secret-1\n")
    assert rc == 2 and said.count("\n") == 1 and "without ':'" in said


def _expect(fd: int, text: str, seen: bytes = b"", timeout: float = 60) -> bytes:
    deadline = time.time() + timeout
    while text.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
        assert ready, f"{text!r} never appeared on the terminal; it showed {seen!r}"
        try:
            seen += os.read(fd, 4096)
        except OSError:  # the other side closed
            break
    return seen


def _on_a_terminal(args: list[str], lines: list[str], prompts: list[str]) -> tuple[int, str]:
    """Run landinfo with a pseudo-terminal as its controlling terminal, typing each line after each prompt."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDINFO_")}
    proc = subprocess.Popen([sys.executable, "-m", "landinfo.cli", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    seen = b""
    try:
        for prompt, line in zip(prompts, lines):
            seen = _expect(master, prompt, seen)
            os.write(master, line.encode() + b"\n")
        rc = proc.wait(timeout=60)
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return rc, seen.decode(errors="replace")


def test_users_add_on_a_terminal_asks_twice_without_echo_and_refuses_two_different_passwords(tmp_path):
    users = tmp_path / "users.txt"
    rc, shown = _on_a_terminal(["users", "add", "anna", "--file", str(users)], ["typed-secret-1", "typed-secret-1"],
                               ["Password for anna: ", "Same password again: "])
    assert rc == 0 and "typed-secret-1" not in shown and "anna: password added" in shown
    assert users.read_text(encoding="utf-8").startswith("anna:$argon2id$")
    rc, shown = _on_a_terminal(["users", "add", "bo", "--file", str(users)], ["typed-secret-1", "typed-secret-2"],
                               ["Password for bo: ", "Same password again: "])
    assert rc == 1 and "the two passwords differ; nothing was written" in shown
    assert "bo:" not in users.read_text(encoding="utf-8")


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_from_the_base_up_to_the_cap_and_a_success_clears_it():
    clock = Clock()
    backoff = Backoff(allowed=5, base_s=5, cap_s=900, clock=clock)
    assert [backoff.failed("user:anna", "address:10.0.0.1") for _ in range(5)] == [0, 0, 0, 0, 5]
    assert backoff.wait("user:anna") == 5 and backoff.wait("address:10.0.0.1") == 5
    assert backoff.wait("user:bo", "address:10.0.0.2") == 0  # other users and addresses are not held up
    assert backoff.wait("user:bo", "address:10.0.0.1") == 5  # but anyone from that address is
    clock.now += 5
    assert backoff.wait("user:anna") == 0
    waits = [backoff.failed("user:anna") for _ in range(10)]
    assert waits == [10, 20, 40, 80, 160, 320, 640, 900, 900, 900]
    backoff.succeeded("user:anna", "address:10.0.0.1")
    assert backoff.wait("user:anna", "address:10.0.0.1") == 0
    assert [backoff.failed("user:anna") for _ in range(5)] == [0, 0, 0, 0, 5]


def test_backoff_forgets_failures_after_an_hour_and_remembers_a_bounded_number_of_keys():
    clock = Clock()
    backoff = Backoff(allowed=5, base_s=5, clock=clock, max_keys=100)
    for _ in range(4):
        backoff.failed("user:anna")
    clock.now += 3601
    assert backoff.failed("user:anna") == 0  # four failures an hour ago and one now is not five in a row
    for n in range(1000):
        backoff.failed(f"user:ghost-{n}")
    assert len(backoff._failures) == 100


def test_unknown_users_and_plain_entries_take_as_long_to_refuse_as_hashed_ones(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text(f"anna:{HASHER.hash('anna-secret-1')}\nbo:bo-plain-1\n", encoding="utf-8")
    login = Login(read_users(Settings(auth_file=users)), Backoff())
    login.verify("nobody", "warm-up")

    def seconds(name: str) -> float:
        times = []
        for _ in range(2):
            start = time.perf_counter()
            assert not login.verify(name, "wrong-password")
            times.append(time.perf_counter() - start)
        return min(times)

    hashed = seconds("anna")
    assert seconds("nobody") > 0.4 * hashed and seconds("bo") > 0.4 * hashed


def test_hashes_in_landinfo_users_and_the_plain_entry_warnings(tmp_path):
    hashed = HASHER.hash("carl-secret-1")
    users = read_users(Settings(users=f"carl:{hashed}, dina:plain-1"))
    assert [(u.name, u.secret, u.hashed) for u in users] == [("carl", hashed, True), ("dina", "plain-1", False)]
    assert plain_warnings(users) == [
        "landinfo: warning: LANDINFO_USERS: the password of 'dina' is stored in plain text; "
        "put a hashed entry in a users file with `landinfo users add dina --file FILE`"]
