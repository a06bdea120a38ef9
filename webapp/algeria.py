"""The Algerian calendar: weekend on Friday and Saturday, public holidays (Islamic ones too)."""

from datetime import date
from functools import lru_cache

import holidays

WEEKEND = (4, 5)  # Friday, Saturday (Monday = 0)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Algeria's public holidays in a year, by date (English names)."""
    return dict(holidays.country_holidays("DZ", years=year, language="en_US"))


def is_working_day(day: date) -> bool:
    """Sunday to Thursday, and not a public holiday."""
    return day.weekday() not in WEEKEND and day not in public_holidays(day.year)
