"""The one clock of the app: Africa/Algiers, frozen by WEBAPP_NOW for tests and demos."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

ALGIERS = ZoneInfo("Africa/Algiers")


def now() -> datetime:
    """Current time as an aware datetime in Africa/Algiers (the configured one if frozen)."""
    frozen = current_app.config.get("NOW") if has_app_context() else None
    if frozen is None:
        return datetime.now(ALGIERS)
    if frozen.tzinfo is None:
        return frozen.replace(tzinfo=ALGIERS)
    return frozen.astimezone(ALGIERS)


def today():
    """Today's date in Algiers."""
    return now().date()


def to_utc(moment: datetime) -> datetime:
    """How times are stored: naive UTC (unambiguous on SQLite and PostgreSQL alike)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc(stored: datetime) -> datetime:
    """A stored time back in Algiers."""
    return stored.replace(tzinfo=UTC).astimezone(ALGIERS)
