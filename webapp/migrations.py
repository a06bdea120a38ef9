"""Versioned, idempotent schema migrations: each runs once, in a transaction, in order."""

from collections.abc import Callable
from datetime import datetime, timezone

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

from . import models

Migration = tuple[int, str, Callable[[pw.Database], None]]


def _0001_agency_settings(db: pw.Database) -> None:
    db.create_tables([models.AgencySettings])


def _0002_booking(db: pw.Database) -> None:
    db.create_tables([
        models.OpeningHours, models.Closure, models.HolidayOverride, models.Appointment,
        models.IdempotencyKey, models.RateLimit,
    ])


def add_missing_columns(db: pw.Database, model, *names: str) -> None:
    """Add columns a model has gained, unless a newer create_tables already made them."""
    have = {c.name for c in db.get_columns(model._meta.table_name)}
    migrator = SchemaMigrator.from_database(db)
    operations = [migrator.add_column(model._meta.table_name, model._meta.fields[n].column_name,
                                      model._meta.fields[n]) for n in names if n not in have]
    if operations:
        run_operations(*operations)


class _TicketV3(pw.Model):
    """The ticket table as migration 3 created it (frozen: later changes are migrations)."""

    agency = pw.CharField(max_length=8)
    day = pw.DateField()
    number = pw.CharField(max_length=12)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    status = pw.CharField(max_length=16, default="waiting")
    desk = pw.CharField(max_length=10, null=True)
    issued_at = pw.DateTimeField()
    called_at = pw.DateTimeField(null=True)
    served_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "ticket"
        indexes = ((("agency", "day", "number"), True),)


def _0003_agency_day(db: pw.Database) -> None:
    add_missing_columns(db, models.Appointment, "arrived_at", "called_at", "served_at", "desk",
                        "cancel_reason", "flag")
    db.create_tables([models.Staff, models.AuditEntry, models.DisabledTask])
    with db.bind_ctx([_TicketV3]):
        db.create_tables([_TicketV3])


def _0004_kiosks(db: pw.Database) -> None:
    db.create_tables([models.KioskDevice])


def _0005_ticket_numbers(db: pw.Database) -> None:
    """Ticket numbers as integers (the text "999" sorted after "1000"). Frozen: names its
    own columns and reads no model."""
    migrator = SchemaMigrator.from_database(db)
    run_operations(
        migrator.add_column("ticket", "prefix", pw.CharField(max_length=4, default="")),
        migrator.add_column("ticket", "seq", pw.IntegerField(null=True)),
    )
    for ticket_id, number in db.execute_sql("SELECT id, number FROM ticket").fetchall():
        prefix, _, digits = number.rpartition("-")
        seq = int(digits) if digits.isdigit() else None
        db.execute_sql("UPDATE ticket SET prefix = %s, seq = %s WHERE id = %s".replace("%s", db.param),
                       (prefix[:4], seq, ticket_id))
    run_operations(migrator.add_index("ticket", ("agency", "day", "prefix", "seq"), unique=True))


MIGRATIONS: list[Migration] = [
    (1, "agency settings", _0001_agency_settings),
    (2, "booking: hours, closures, appointments, idempotency keys, rate limits", _0002_booking),
    (3, "the agency's day: staff, audit, tickets, visit times", _0003_agency_day),
    (4, "kiosk devices", _0004_kiosks),
    (5, "ticket numbers as integers", _0005_ticket_numbers),
]


def pending(db: pw.Database, migrations: list[Migration] = MIGRATIONS) -> list[Migration]:
    """Migrations not yet applied to this database."""
    db.create_tables([models.SchemaMigration], safe=True)
    done = {row.version for row in models.SchemaMigration.select(models.SchemaMigration.version)}
    return [m for m in migrations if m[0] not in done]


def migrate(db: pw.Database, migrations: list[Migration] = MIGRATIONS) -> list[int]:
    """Apply every pending migration; return the versions applied (none on a second run)."""
    versions = [m[0] for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError("migration versions must be unique and increasing")
    applied = []
    for version, name, apply in pending(db, migrations):
        with db.atomic():
            apply(db)
            models.SchemaMigration.create(
                version=version, name=name, applied_at=datetime.now(timezone.utc)
            )
        applied.append(version)
    return applied
