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


def wall() -> datetime:
    """The real time, whatever the configured clock says."""
    return datetime.now(ALGIERS)


def for_limits(moment: datetime) -> datetime:
    """The time rate-limit windows count in: the real time when the clock was frozen from the
    environment (WEBAPP_NOW, for demos and e2e suites), so that a 429 ends like it would in
    production; else `moment` (tests that freeze the clock also freeze the windows)."""
    if has_app_context() and current_app.config.get("REAL_TIME_LIMITS"):
        return wall()
    return moment


def today():
    """Today's date in Algiers."""
    return now().date()


def to_utc(moment: datetime) -> datetime:
    """How times are stored: naive UTC (unambiguous on SQLite and PostgreSQL alike)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc(stored: datetime) -> datetime:
    """A stored time back in Algiers."""
    return stored.replace(tzinfo=UTC).astimezone(ALGIERS)
