"""Signing staff in and out: Argon2id passwords, strength rules (zxcvbn), sign-in throttling
per address and per address and username, sessions that end everywhere at once."""

import hashlib
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from ..booking import ratelimit
from ..db import write_transaction
from ..models import Staff
from ..problems import DomainError

# Argon2id with at least 19 MiB of memory and 2 iterations (OWASP's minimum).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 10
MIN_SCORE = 3  # zxcvbn: 0 (guessed at once) to 4; 3 resists an offline attack on a slow hash
CHECKED_LENGTH = 72  # zxcvbn refuses longer ones (its time grows with the length): judge the first 72
# Failed sign-ins allowed (limit, per window of seconds), growing: then the next try waits
# for the end of the window. Per address and username, and (looser: an agency's agents may
# share one public address) per address. Never per account alone: nobody can lock an account.
PAIR_STEPS = ((5, 5 * 60), (10, 3600), (20, 86400))
ADDRESS_STEPS = ((30, 15 * 60), (100, 86400))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is refused ("short", "common"), or None when it is acceptable: at
    least MIN_LENGTH characters and a zxcvbn score of MIN_SCORE, knowing the username and
    "cnas" (so "cnas2026" or the username with a digit are weak)."""
    if len(password) < MIN_LENGTH:
        return "short"
    inputs = [username, "cnas"] if username else ["cnas"]
    if zxcvbn(password[:CHECKED_LENGTH], user_inputs=inputs)["score"] < MIN_SCORE:
        return "common"
    return None


def throttles(username: str, address: str) -> tuple[list, list]:
    """The (key, limit, window) counters of a sign-in: those of the address with this username
    (hashed: no usernames in the counters) and those of the address alone; one key a window
    length, since windows of different lengths can start at the same second."""
    name = hashlib.sha256(username.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:24]
    pair = [(f"signin:{address}:{name}:{window}", limit, window) for limit, window in PAIR_STEPS]
    alone = [(f"signin:{address}:{window}", limit, window) for limit, window in ADDRESS_STEPS]
    return pair, alone


def sign_in(username: str, password: str, address: str, now: datetime,
            refused: frozenset = frozenset()) -> Staff:
    """The active account of these credentials. DomainError rate_limited (retry_after: seconds)
    once this address failed too often, with this username or in all; invalid otherwise. Both
    answers, and their time, are the same whether the username exists or not. Accounts named
    in `refused` (the demo accounts, outside demo mode) never sign in."""
    pair, alone = throttles(username, address)
    wait = ratelimit.count(pair + alone, now)
    if wait:
        ratelimit.uncount(pair + alone, now)  # a refused try is no failure: waiting out the wait works
        raise DomainError("rate_limited", retry_after=wait)
    staff = _check(username, password, refused)
    if staff is None:
        raise DomainError("invalid")
    ratelimit.forget([key for key, _limit, _window in pair])  # they know the password: typos forgiven
    ratelimit.uncount(alone, now)  # and a success is no failure of the address
    return staff


def _check(username: str, password: str, refused: frozenset) -> Staff | None:
    staff = None
    if username not in refused:
        staff = Staff.get_or_none((Staff.username == username) & (Staff.active == True))  # noqa: E712
    if staff is None:
        HASHER.hash(password)  # spend the same time whether the account exists or not
        return None
    try:
        HASHER.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if HASHER.check_needs_rehash(staff.password_hash):
        with write_transaction():
            Staff.update(password_hash=HASHER.hash(password)).where(Staff.id == staff.id).execute()
    return staff


def end_sessions(staff_id: int) -> None:
    """End every session of an account, on every server at once: each session carries the
    account's session_version, and this changes it (signing out, deactivation, a new password)."""
    with write_transaction():
        Staff.update(session_version=Staff.session_version + 1).where(Staff.id == staff_id).execute()


def session_staff(staff_id, version) -> Staff | None:
    """The active account a staff session belongs to, or None (deactivated, deleted, or the
    session was ended by end_sessions)."""
    if not isinstance(staff_id, int) or not isinstance(version, int) or isinstance(version, bool):
        return None
    return Staff.get_or_none((Staff.id == staff_id) & (Staff.active == True)  # noqa: E712
                             & (Staff.session_version == version))


def may_see(staff: Staff, agency: str) -> bool:
    """Administrators see every agency; agents and supervisors only their own."""
    return staff.role == "admin" or staff.agency == agency
