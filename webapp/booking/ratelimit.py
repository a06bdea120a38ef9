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


def count(limits, now: datetime) -> int:
    """Count one request against each (key, limit, window_seconds), in one transaction (one key
    a window length: windows of different lengths can start at the same second): 0 when
    every count is within its limit, else the seconds until the last exceeded window ends
    (what Retry-After says). Several steps on one key make growing waits, e.g. 5 in 5 minutes,
    then 10 in an hour, then 20 in a day."""
    seconds = int(for_limits(now).timestamp())
    wait = 0
    with write_transaction():
        for key, limit, window_seconds in limits:
            window = seconds - seconds % window_seconds
            (RateLimit.insert(key=key[:100], window=window, hits=1)
             .on_conflict(conflict_target=[RateLimit.key, RateLimit.window],
                          update={RateLimit.hits: RateLimit.hits + 1})
             .execute())
            hits = RateLimit.get((RateLimit.key == key[:100]) & (RateLimit.window == window)).hits
            if hits > limit:
                wait = max(wait, window + window_seconds - seconds)
    return wait


def uncount(limits, now: datetime) -> None:
    """Take back the request `count` counted (it turned out to be a success, not a failure)."""
    seconds = int(for_limits(now).timestamp())
    with write_transaction():
        for key, _limit, window_seconds in limits:
            window = seconds - seconds % window_seconds
            (RateLimit.update(hits=RateLimit.hits - 1)
             .where((RateLimit.key == key[:100]) & (RateLimit.window == window) & (RateLimit.hits > 0))
             .execute())


def forget(keys: list[str]) -> None:
    """Delete every window counted for these keys."""
    with write_transaction():
        RateLimit.delete().where(RateLimit.key.in_([key[:100] for key in keys])).execute()
