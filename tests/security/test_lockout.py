"""A stranger cannot lock a user out: the guessing is throttled (per address, per user and address, and per user
for addresses the user has never logged in from), never the owner's correct password from an address they have
logged in from before (issue #20, finding 4). Real `landinfo serve` on loopback, real POSTs to /login, each client
from its own 127.0.0.x address."""
from __future__ import annotations

import httpx
import pytest

from landinfo.auth import HASHER
from served import serving

BACKOFF_S = 30.0  # long enough that no wait runs out during the test: every later success is not a timing fluke
REFUSED = "Too many failed logins"


def _from(address: str, url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _login(client: httpx.Client, user: str, password: str) -> httpx.Response:
    return client.post("/login", data={"username": user, "password": password})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lockout")
    users = folder / "users.txt"
    users.write_text(f"anna:{HASHER.hash('anna-secret-1')}\nbo:{HASHER.hash('bo-secret-12')}\n", encoding="utf-8")
    with serving(folder, env_extra={"LANDINFO_AUTH_FILE": str(users),
                                    "LANDINFO_LOGIN_BACKOFF_S": str(BACKOFF_S)}) as served:
        yield served


def test_the_owner_logs_in_from_their_address_while_a_stranger_guesses(server):
    with _from("127.0.0.40", server.url) as owner, _from("127.0.0.41", server.url) as stranger, \
            _from("127.0.0.42", server.url) as newcomer:
        assert _login(owner, "anna", "anna-secret-1").status_code == 200  # anna's office address, known from now on
        guesses = [_login(stranger, "anna", f"guess-{n}").json()["detail"] for n in range(12)]
        assert guesses[:5] == ["Incorrect credentials."] * 5
        assert all(d.startswith(REFUSED) for d in guesses[5:])  # the stranger is slowed to one guess a wait
        # the owner, from her address, is not: the right password works, again and again
        for _ in range(2):
            response = _login(owner, "anna", "anna-secret-1")
            assert response.status_code == 200 and response.json() == {"success": True}
            assert _login(stranger, "anna", "guess-more").json()["detail"].startswith(REFUSED)
        # the stranger's own right guess is refused until his wait is over (the password is not even checked)
        assert _login(stranger, "anna", "anna-secret-1").json()["detail"].startswith(REFUSED)
        # a guess from an address anna never logged in from is slowed by anna's failures: a guesser who spreads
        # over many addresses gains nothing
        assert _login(newcomer, "anna", "guess-elsewhere").json()["detail"].startswith(REFUSED)
    assert "failed login for 'anna' from 127.0.0.41; the next attempt must wait" in server.output()


def test_the_owner_s_own_typos_at_one_address_slow_only_that_address(server):
    with _from("127.0.0.50", server.url) as home, _from("127.0.0.51", server.url) as office:
        assert _login(home, "bo", "bo-secret-12").status_code == 200
        assert _login(office, "bo", "bo-secret-12").status_code == 200
        details = [_login(home, "bo", f"typo-{n}").json()["detail"] for n in range(6)]
        assert details[:5] == ["Incorrect credentials."] * 5 and details[5].startswith(REFUSED)
        assert _login(office, "bo", "bo-secret-12").status_code == 200  # his other address is not held up
