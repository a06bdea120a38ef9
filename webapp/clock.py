"""The one clock of the app: Africa/Algiers, frozen by WEBAPP_NOW for tests and demos."""

import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

ALGIERS = ZoneInfo("Africa/Algiers")
DEMO_CLOCK = "demo_clock"  # in INSTANCE_DIR: the time a demo's tester set (PUT /api/v1/demo/clock)
_read: dict[str, tuple[int, datetime | None]] = {}  # path -> (mtime_ns, time): read again when changed


def now() -> datetime:
    """Current time as an aware datetime in Africa/Algiers (the configured one if frozen; in
    demo mode, the time a tester set, which every process of the instance shares)."""
    frozen = (demo_clock() or current_app.config.get("NOW")) if has_app_context() else None
    if frozen is None:
        return datetime.now(ALGIERS)
    if frozen.tzinfo is None:
        return frozen.replace(tzinfo=ALGIERS)
    return frozen.astimezone(ALGIERS)


def demo_clock() -> datetime | None:
    """The time set for this demo instance, if any (demo mode only)."""
    if not current_app.config.get("DEMO"):
        return None
    path = str(Path(current_app.config["INSTANCE_DIR"]) / DEMO_CLOCK)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return None
    cached = _read.get(path)
    if cached is None or cached[0] != stamp:
        try:
            cached = (stamp, datetime.fromisoformat(Path(path).read_text().strip()).astimezone(ALGIERS))
        except (OSError, ValueError):
            cached = (stamp, None)
        _read[path] = cached
    return cached[1]


def set_demo_clock(moment: datetime | None) -> None:
    """Set (or with None, forget) the demo instance's time, for every process at once."""
    path = Path(current_app.config["INSTANCE_DIR"]) / DEMO_CLOCK
    if moment is None:
        path.unlink(missing_ok=True)
        return
    temporary = path.with_suffix(".tmp")
    temporary.write_text(moment.astimezone(ALGIERS).isoformat())
    os.replace(temporary, path)


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
