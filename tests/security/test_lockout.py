"""A stranger cannot lock a user out: the guessing is throttled (per address, per user and address, and per user
for addresses the user has never logged in from), never the owner's correct password from an address they have
logged in from before (issue #20, finding 4). Real `landinfo serve` on loopback, real POSTs to /login, each client
from its own 127.0.0.x address."""
from __future__ import annotations

import httpx
import pytest

from landinfo.auth import HASHER
from served import client_from, login, serving

BACKOFF_S = 30.0  # long enough that no wait runs out during the test: every later success is not a timing fluke
REFUSED = "Too many failed logins"




@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lockout")
    users = folder / "users.txt"
    users.write_text(f"anna:{HASHER.hash('anna-secret-1')}\nbo:{HASHER.hash('bo-secret-12')}\n", encoding="utf-8")
    with serving(folder, env_extra={"LANDINFO_AUTH_FILE": str(users),
                                    "LANDINFO_LOGIN_BACKOFF_S": str(BACKOFF_S)}) as served:
        yield served


def test_the_owner_logs_in_from_their_address_while_a_stranger_guesses(server):
    with client_from("127.0.0.40", server.url) as owner, client_from("127.0.0.41", server.url) as stranger, \
            client_from("127.0.0.42", server.url) as newcomer:
        assert login(owner, "anna", "anna-secret-1").status_code == 200  # anna's office address, known from now on
        guesses = [login(stranger, "anna", f"guess-{n}").json()["detail"] for n in range(12)]
        assert guesses[:5] == ["Incorrect credentials."] * 5
        assert all(d.startswith(REFUSED) for d in guesses[5:])  # the stranger is slowed to one guess a wait
        # the owner, from her address, is not: the right password works, again and again
        for _ in range(2):
            response = login(owner, "anna", "anna-secret-1")
            assert response.status_code == 200 and response.json() == {"success": True}
            assert login(stranger, "anna", "guess-more").json()["detail"].startswith(REFUSED)
        # the stranger's own right guess is refused until his wait is over (the password is not even checked)
        assert login(stranger, "anna", "anna-secret-1").json()["detail"].startswith(REFUSED)
        # a guess from an address anna never logged in from is slowed by anna's failures: a guesser who spreads
        # over many addresses gains nothing
        assert login(newcomer, "anna", "guess-elsewhere").json()["detail"].startswith(REFUSED)
    assert "failed login for 'anna' from 127.0.0.41; the next attempt must wait" in server.output()


def test_the_owner_s_own_typos_at_one_address_slow_only_that_address(server):
    with client_from("127.0.0.50", server.url) as home, client_from("127.0.0.51", server.url) as office:
        assert login(home, "bo", "bo-secret-12").status_code == 200
        assert login(office, "bo", "bo-secret-12").status_code == 200
        details = [login(home, "bo", f"typo-{n}").json()["detail"] for n in range(6)]
        assert details[:5] == ["Incorrect credentials."] * 5 and details[5].startswith(REFUSED)
        assert login(office, "bo", "bo-secret-12").status_code == 200  # his other address is not held up
