"""The database proxy: SQLite (WAL) or PostgreSQL from a URL, a connection per request."""

import peewee as pw
from playhouse.db_url import connect

database = pw.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
}


def open_database(url: str) -> pw.Database:
    """Open (lazily) the database a URL names, with the pragmas SQLite needs."""
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS, timeout=10)
    if url.startswith(("postgres://", "postgresql://")):
        return connect(url)
    raise SystemExit(f"DATABASE_URL: unsupported scheme in {url.split(':', 1)[0]!r}")


UNAVAILABLE = (pw.OperationalError, pw.InterfaceError)  # what peewee raises when the server is gone


def init_app(app) -> None:
    """Point the proxy at the configured database; a request connects on its first query
    (pages made from the content alone never do) and closes at its end."""
    database.initialize(open_database(app.config["DATABASE_URL"]))
    app.teardown_request(_close)


def ready() -> str | None:
    """Why this node should not take traffic (database unreachable, schema not current), or None."""
    from .migrations import pending

    try:
        with database.connection_context():
            waiting = pending(database)
    except UNAVAILABLE:
        return "database unreachable"
    return f"{len(waiting)} migration(s) pending" if waiting else None


def _close(exc) -> None:
    if not database.is_closed():
        database.close()


def write_transaction():
    """A transaction that will write: on SQLite it takes the write lock up front (BEGIN
    IMMEDIATE) so concurrent writers queue on busy_timeout instead of failing mid-way."""
    if isinstance(database.obj, pw.SqliteDatabase):
        return database.atomic(lock_type="IMMEDIATE")
    return database.atomic()
