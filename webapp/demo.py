"""Deterministic demo data: the same rows on every run, so test suites see the same pages."""

from datetime import datetime, timezone

from .db import database
from .models import AgencySettings

DEMO_TIME = datetime(2026, 11, 1, tzinfo=timezone.utc)


def load(catalog) -> dict[str, int]:
    """Reset every bookable agency's settings to the demo values; return row counts."""
    rows = [
        {
            "code": agency["code"],
            # Algiers and the largest wilayas get more desks; the rest the default two.
            "desks": 4 if agency["wilaya"] in (16, 31, 25, 19) else 2,
            "slot_minutes": 15,
            "horizon_days": 30,
            "min_notice_minutes": 120,
            "updated_at": DEMO_TIME,
        }
        for agency in catalog.agencies
        if agency["bookable"]
    ]
    with database.atomic():
        AgencySettings.delete().execute()
        AgencySettings.insert_many(rows).execute()
    return {"agency settings": len(rows)}
