"""Fixed-window request counting in the database, shared by every server process."""

from datetime import datetime, timedelta

from ..clock import for_limits
from ..db import write_transaction
from ..models import RateLimit


def allow(key: str, limit: int, window_seconds: int, now: datetime) -> bool:
    """Count one request for `key`; False once it exceeds `limit` in the current window."""
    seconds = int(for_limits(now).timestamp())
    window = seconds - seconds % window_seconds
    with write_transaction():
        (RateLimit.insert(key=key[:100], window=window, hits=1)
         .on_conflict(conflict_target=[RateLimit.key, RateLimit.window],
                      update={RateLimit.hits: RateLimit.hits + 1})
         .execute())
        hits = RateLimit.get((RateLimit.key == key[:100]) & (RateLimit.window == window)).hits
    return hits <= limit


def expire(now: datetime, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete the counters of windows that started long ago."""
    with write_transaction():
        oldest = int((for_limits(now) - older_than).timestamp())
        return RateLimit.delete().where(RateLimit.window < oldest).execute()
