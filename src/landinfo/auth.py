"""Chat logins: users with argon2 password hashes, and a back-off that throttles the guessing, not the owner.

Failed logins are counted per client address, per (user, address) and per user. The first two hold up the
address that failed; the per-user count holds up only addresses the user has never logged in from, so a
stranger who guesses a user's password (from one address or many) cannot lock the user out of an address
they have logged in from before (issue #20).

Users come from the users file (`NAME:$argon2id$...` lines written by `landinfo users add`) and
$LANDINFO_USERS; plain `NAME:password` entries still work, with a warning at serve start. Gradio hands the
login check only (username, password), so `ClientAddress` (ASGI middleware) puts the client's address in a
context variable for `Login.check` to read.
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
import hmac
import logging
import math
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import LandinfoError
from .settings import Settings

log = logging.getLogger("landinfo.auth")

HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile: t=3, 64 MiB, p=4 (0.1-0.5 s on 2 cores)
MIN_PASSWORD = 8
# Back-off bounds (security review of issue #16, OWASP authentication guidance): waits double up to 15 min,
# and failures are forgotten after an hour without one.
MAX_BACKOFF_S = 900.0
FORGET_AFTER_S = 3600.0
MAX_TRACKED = 10_000  # user names and addresses remembered at once; the oldest are dropped first
HASHING_AT_ONCE = 2  # each verification holds 64 MiB: bounds what a flood of logins costs

_ENV_SPLIT = re.compile(r",(?=[^,:$]*:)")  # between 'u:p' items; an argon2 hash has commas but no colon
_CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("landinfo_client_address", default="")


@dataclass(frozen=True)
class User:
    name: str
    secret: str  # an argon2 hash, or (older files) the password itself
    origin: str  # where it was read: 'users.txt:3' or 'LANDINFO_USERS'

    @property
    def hashed(self) -> bool:
        return self.secret.startswith("$argon2")


def read_users(settings: Settings) -> list[User]:
    """Users from settings.auth_file ('user:hash' or 'user:password' lines) and settings.users, i.e. $LANDINFO_USERS
    ('u1:p1,u2:p2')."""
    entries: list[tuple[str, str]] = []
    if settings.auth_file:
        path = Path(settings.auth_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise LandinfoError(f"{path}: cannot read the users file ({exc.strerror})") from None
        entries += [(f"{path}:{n}", line.strip()) for n, line in enumerate(lines, 1)
                    if line.strip() and not line.lstrip().startswith("#")]
    entries += [("LANDINFO_USERS", item.strip())
                for item in _ENV_SPLIT.split(settings.users) if item.strip()]
    users = []
    for origin, entry in entries:
        name, sep, secret = (part.strip() for part in entry.partition(":"))
        if not sep or not name or not secret:
            raise LandinfoError(f"{origin}: expected 'user:password', got {name!r}{':...' if sep else ''}")
        users.append(User(name, secret, origin))
    return users


def load_users(settings: Settings) -> list[tuple[str, str]]:
    """(user, hash or password) pairs from settings.auth_file and settings.users ($LANDINFO_USERS)."""
    return [(user.name, user.secret) for user in read_users(settings)]


def plain_warnings(users: list[User]) -> list[str]:
    """One line for each user whose password is stored in plain text."""
    lines = []
    for user in users:
        if user.hashed:
            continue
        if user.origin == "LANDINFO_USERS":
            fix = f"put a hashed entry in a users file with `landinfo users add {user.name} --file FILE`"
        else:
            fix = f"re-add it with `landinfo users add {user.name} --file {user.origin.rsplit(':', 1)[0]}`"
        lines.append(f"landinfo: warning: {user.origin}: the password of {user.name!r} is stored in plain text; {fix}")
    return lines


def check_name(name: str) -> str:
    if (not name or name != name.strip() or name.startswith("#") or any(c in name for c in ":,")
            or any(not c.isprintable() for c in name)):
        raise LandinfoError(f"{name!r}: a user name must be non-empty, without ':' or ',', "
                            "and neither start with '#' nor with a space")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise LandinfoError(f"the password is too short: at least {MIN_PASSWORD} characters; nothing was written")
    if any(c in password for c in "\r\n"):
        raise LandinfoError("the password contains a line break; nothing was written")
    return password


def add_user(path: Path, name: str, password: str) -> bool:
    """Write NAME:<argon2 hash> into the users file (mode 0600), replacing NAME's entry; True if one was replaced."""
    path = Path(path)
    check_name(name)
    entry = f"{name}:{HASHER.hash(check_password(password))}"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    except OSError as exc:
        raise LandinfoError(f"{path}: cannot read the users file ({exc.strerror})") from None
    kept, replaced = [], False
    for line in lines:
        is_entry = line.strip() and not line.lstrip().startswith("#")
        if is_entry and line.partition(":")[0].strip() == name:
            if not replaced:
                kept.append(entry)
            replaced = True
        else:
            kept.append(line)
    if not replaced:
        kept.append(entry)
    _write_private(path, "\n".join(kept) + "\n")
    return replaced


def _write_private(path: Path, text: str) -> None:
    """Replace `path` at once with a new file that only its owner can read (mkstemp creates it 0600)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise LandinfoError(f"{path}: cannot write the users file ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise LandinfoError(f"{path}: cannot write the users file ({exc.strerror})") from None


class Backoff:
    """Failed logins per key (a user name, a client address). After `allowed` failures in a row, the next attempt
    must wait `base_s` after the last failure, doubling with each further failure up to MAX_BACKOFF_S. A success
    clears the key; so does an hour without failure."""

    def __init__(self, allowed: int = 5, base_s: float = 5.0, cap_s: float = MAX_BACKOFF_S,
                 forget_s: float = FORGET_AFTER_S, clock=time.monotonic, max_keys: int = MAX_TRACKED):
        self.allowed, self.base_s, self.cap_s, self.forget_s = allowed, base_s, cap_s, forget_s
        self.clock, self.max_keys = clock, max_keys
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key -> (failures, last), oldest first
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        """Seconds to wait after the last of `failures` failures in a row."""
        if failures < self.allowed:
            return 0.0
        return min(self.cap_s, self.base_s * 2.0 ** min(failures - self.allowed, 64))

    def wait(self, *keys: str) -> float:
        """Seconds until the next attempt for all of these keys is allowed (0: now)."""
        now = self.clock()
        with self._lock:
            return max((self._wait(key, now) for key in keys), default=0.0)

    def _wait(self, key: str, now: float) -> float:
        failures, last = self._failures.get(key, (0, now))
        if now - last > self.forget_s:
            return 0.0
        return max(0.0, last + self.delay(failures) - now)

    def failed(self, *keys: str) -> float:
        """Count one failure for each key; the wait that now applies."""
        now = self.clock()
        with self._lock:
            for key in keys:
                failures, last = self._failures.pop(key, (0, now))
                self._failures[key] = (1 if now - last > self.forget_s else failures + 1, now)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            return max(self._wait(key, now) for key in keys)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


@functools.cache
def _decoy() -> str:
    """A hash nobody knows the password of: unknown users and plain entries cost one verification too."""
    return HASHER.hash(secrets.token_urlsafe(24))


def _matches(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


class Login:
    """Gradio's login check (`Login.check`), with the back-off applied per address, per (user, address), and per
    user for addresses the user has not logged in from."""

    def __init__(self, users: list[User], backoff: Backoff, max_known: int = MAX_TRACKED):
        self.users = {user.name: user for user in users}  # a later entry of the same name wins, as in gradio
        self.backoff = backoff
        self._hashing = asyncio.Semaphore(HASHING_AT_ONCE)
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()  # (user, address) that logged in, oldest first
        self._max_known = max_known
        self._known_lock = threading.Lock()

    def verify(self, name: str, password: str) -> bool:
        """The password check alone, in about the same time whether the user exists, is hashed or is plain."""
        user = self.users.get(name)
        if user is not None and user.hashed:
            return _matches(user.secret, password)
        _matches(_decoy(), password)
        return user is not None and hmac.compare_digest(password.encode(), user.secret.encode())

    def known(self, name: str, address: str) -> bool:
        """Whether `name` has logged in from `address` (since the server started)."""
        with self._known_lock:
            return (name, address) in self._known

    def _remember(self, name: str, address: str) -> None:
        with self._known_lock:
            self._known.pop((name, address), None)
            self._known[(name, address)] = None
            while len(self._known) > self._max_known:
                self._known.popitem(last=False)

    def keys(self, name: str, address: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the address's own keys, the keys whose back-off holds this attempt up). A failure counts on all three;
        the user's count holds up only an address the user has not logged in from."""
        own = (f"address:{address}", f"user@address:{name}@{address}")
        return own, (own if self.known(name, address) else (*own, f"user:{name}"))

    async def check(self, username: str, password: str) -> bool:
        """True to log in. During a back-off, raises a 400 (shown as a failed login) without checking the password."""
        address = _CLIENT.get() or "unknown"
        own, applied = self.keys(username, address)
        self._refuse_if_waiting(applied)
        async with self._hashing:
            self._refuse_if_waiting(applied)  # failures may have been counted while this attempt queued
            ok = await asyncio.to_thread(self.verify, username, password)
        if ok:
            # the address's failures are forgiven; the user's are not: they may be a stranger's, elsewhere
            self.backoff.succeeded(*own)
            self._remember(username, address)
            return True
        self.backoff.failed(*own, f"user:{username}")
        wait = self.backoff.wait(*applied)
        if wait:
            log.warning("failed login for %r from %s; the next attempt must wait %d s",
                        username, address, math.ceil(wait))
        return False

    def _refuse_if_waiting(self, keys) -> None:
        wait = self.backoff.wait(*keys)
        if wait:
            from fastapi import HTTPException

            seconds = math.ceil(wait)
            raise HTTPException(status_code=400, detail=f"Too many failed logins; try again in {seconds} s.",
                                headers={"Retry-After": str(seconds)})


class ClientAddress:
    """ASGI middleware: makes the client's address of each HTTP request known to `Login.check`."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        token = _CLIENT.set(client[0] if client else "")
        try:
            await self.app(scope, receive, send)
        finally:
            _CLIENT.reset(token)


def guard_logins(app, settings: Settings, stderr=None):
    """Gradio's `auth=` for `app`: hashed or plain users, back-off on the guessing (see Login); warns of plain
    entries."""
    users = read_users(settings)
    for line in plain_warnings(users):
        print(line, file=stderr or sys.stderr)
    app.add_middleware(ClientAddress)
    return Login(users, Backoff(settings.login_failures, settings.login_backoff_s)).check
