"""The audit trail: every staff action and setting change, with no personal data."""

from datetime import datetime

from ..clock import to_utc
from ..models import AuditEntry


def record(staff: str, agency: str | None, action: str, target: str, now: datetime, details: str = "") -> None:
    """Write one entry (inside the caller's transaction when there is one)."""
    AuditEntry.create(at=to_utc(now), staff=staff, agency=agency, action=action, target=target,
                      details=details[:400])


def entries(agency: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """The latest entries, for one agency or all."""
    query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(query.where(AuditEntry.agency == agency) if agency else query)
