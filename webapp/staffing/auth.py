"""Signing staff in: Argon2id passwords, strength rules, lockout after repeated failures."""

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..clock import to_utc
from ..db import write_transaction
from ..models import Staff

# Argon2id with at least 19 MiB of memory and 2 iterations (OWASP's minimum).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_LENGTH = 10
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
COMMON = {
    "password", "motdepasse", "azertyuiop", "qwertyuiop", "1234567890", "0123456789",
    "123456789a", "azerty1234", "password123", "administrateur", "administrator", "cnas123456",
    "cnasalgerie", "algerie2024", "algerie2025", "algerie2026", "bienvenue1", "welcome123",
    "iloveyou12", "letmein123", "changeme123", "00000000000", "1111111111", "1q2w3e4r5t",
}


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is refused ("short", "common"), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "short"
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4 or (username and username.lower() in lowered):
        return "common"
    return None


def authenticate(username: str, password: str, now: datetime,
                 refused: frozenset = frozenset()) -> tuple[Staff | None, str | None]:
    """(staff, None) on success; (None, "locked") or (None, "invalid") otherwise. Accounts
    named in `refused` (the demo accounts, outside demo mode) never sign in."""
    staff = None
    if username not in refused:
        staff = Staff.get_or_none((Staff.username == username) & (Staff.active == True))  # noqa: E712
    if staff is None:
        HASHER.hash(password)  # spend the same time whether the account exists or not
        return None, "invalid"
    if staff.locked_until and staff.locked_until > to_utc(now):
        return None, "locked"
    try:
        HASHER.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        failures = staff.failed_logins + 1
        locked = to_utc(now + LOCKOUT) if failures >= MAX_FAILURES else None
        with write_transaction():
            Staff.update(failed_logins=0 if locked else failures, locked_until=locked).where(
                Staff.id == staff.id).execute()
        return None, "locked" if locked else "invalid"
    with write_transaction():
        Staff.update(failed_logins=0, locked_until=None).where(Staff.id == staff.id).execute()
    if HASHER.check_needs_rehash(staff.password_hash):
        with write_transaction():
            Staff.update(password_hash=HASHER.hash(password)).where(Staff.id == staff.id).execute()
    return staff, None


def session_staff(staff_id) -> Staff | None:
    """The active account a staff session belongs to, or None (deactivated, deleted)."""
    if not isinstance(staff_id, int):
        return None
    return Staff.get_or_none((Staff.id == staff_id) & (Staff.active == True))  # noqa: E712


def may_see(staff: Staff, agency: str) -> bool:
    """Administrators see every agency; agents and supervisors only their own."""
    return staff.role == "admin" or staff.agency == agency
