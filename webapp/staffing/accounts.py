"""Staff accounts: administrators create and deactivate them; every change is audited."""

import re
from datetime import datetime

from ..clock import to_utc
from ..db import write_transaction
from ..models import Staff
from ..problems import DomainError
from . import audit
from .auth import HASHER, password_problem

ROLES = ("agent", "supervisor", "admin")
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,60}$")


def all_accounts() -> list[Staff]:
    """Every account, by username."""
    return list(Staff.select().order_by(Staff.username))


def create(username: str, password: str, role: str, agency: str | None, by: str | None,
           now: datetime, agencies=None) -> Staff:
    """A new account. DomainError username, short, common, role, agency or taken otherwise.
    `agencies` (codes) limits which agency an agent or supervisor may belong to."""
    if not USERNAME.match(username):
        raise DomainError("username")
    problem = password_problem(password, username)
    if problem:
        raise DomainError(problem)
    if role not in ROLES:
        raise DomainError("role")
    if role != "admin" and (not agency or (agencies is not None and agency not in agencies)):
        raise DomainError("agency")
    with write_transaction():
        if Staff.select().where(Staff.username == username).exists():
            raise DomainError("taken")
        staff = Staff.create(username=username, password_hash=HASHER.hash(password), role=role,
                             agency=None if role == "admin" else agency, created_at=to_utc(now))
        if by:
            audit.record(by, staff.agency, "account_create", f"staff:{staff.username}", now, staff.role)
    return staff


def deactivate(staff_id: int, by: str, now: datetime) -> None:
    """Close an account for good; every session of it ends at once, on every server."""
    with write_transaction():
        changed = (Staff.update(active=False, session_version=Staff.session_version + 1)
                   .where(Staff.id == staff_id).execute())
        if not changed:
            raise DomainError("unknown_account")
        audit.record(by, None, "account_deactivate", f"staff:{staff_id}", now)
