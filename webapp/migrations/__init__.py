"""Forward-only, numbered schema migrations, each recorded in `schema_migration` once applied.

Each migration is a frozen module of this package: it names its own tables and columns with
peewee's `playhouse.migrate` steps and never reads today's models, so changing a model can
never change what an old migration does. Each migration runs in a transaction that holds the
migration lock (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock), so
nodes that start at once migrate once: the others wait, then find nothing left to do.
"""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime

import peewee as pw

from . import (
    v0001_agency_settings,
    v0002_booking,
    v0003_agency_day,
    v0004_kiosks,
    v0005_ticket_numbers,
    v0006_outbox,
    v0007_staff_sessions,
    v0008_phone_codes,
    v0009_waiting_list,
    v0010_lobby_queue,
    v0011_applications,
    v0012_checklist_answers,
    v0013_queued_applications,
    v0014_application_visits,
)

Migration = tuple[int, str, Callable[[pw.Database], None]]
LOCK_ID = 7_246_813  # the advisory lock that serialises migrations on PostgreSQL

MIGRATIONS: list[Migration] = [
    (number, module.NAME, module.apply)
    for number, module in enumerate([v0001_agency_settings, v0002_booking, v0003_agency_day,
                                     v0004_kiosks, v0005_ticket_numbers, v0006_outbox,
                                     v0007_staff_sessions, v0008_phone_codes,
                                     v0009_waiting_list, v0010_lobby_queue,
                                     v0011_applications, v0012_checklist_answers,
                                     v0013_queued_applications, v0014_application_visits], start=1)
]


class SchemaMigration(pw.Model):
    """One row per applied migration (this table's shape is frozen too)."""

    version = pw.IntegerField(primary_key=True)
    name = pw.CharField()
    applied_at = pw.DateTimeField()

    class Meta:
        table_name = "schema_migration"


def _is_postgres(db) -> bool:
    return isinstance(getattr(db, "obj", db), pw.PostgresqlDatabase)


def _done(db) -> set[int]:
    with db.bind_ctx([SchemaMigration]):
        db.create_tables([SchemaMigration], safe=True)
        return {row.version for row in SchemaMigration.select(SchemaMigration.version)}


def pending(db: pw.Database, migrations: list[Migration] = MIGRATIONS) -> list[Migration]:
    """Migrations not yet applied to this database."""
    done = _done(db)
    return [m for m in migrations if m[0] not in done]


def migrate(db: pw.Database, migrations: list[Migration] = MIGRATIONS) -> list[int]:
    """Apply every pending migration, each in its own transaction under the migration lock;
    return the versions applied (none on a second run, or when another node did them)."""
    versions = [m[0] for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError("migration versions must be unique and increasing")
    with _locked(db):
        waiting = pending(db, migrations)  # creates schema_migration: under the lock too
    applied = []
    for version, name, apply in waiting:
        with _locked(db), db.bind_ctx([SchemaMigration]):
            if version in _done(db):
                continue  # another node applied it while this one waited
            apply(db)
            SchemaMigration.create(version=version, name=name, applied_at=datetime.now(UTC))
        applied.append(version)
    return applied


@contextmanager
def _locked(db):
    """A transaction holding the migration lock: on PostgreSQL a transaction-scoped advisory
    lock (it works through PgBouncer's transaction pooling), on SQLite the write lock."""
    if _is_postgres(db):
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))
            yield
    else:
        with db.atomic(lock_type="IMMEDIATE"):
            yield
