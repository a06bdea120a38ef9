"""9: the waiting list: a person's wish for a procedure at an agency on some days, and the
offers made to it (an offer is a held appointment that points at its entry).
Frozen: names its own table and columns and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "waiting list"


class WaitlistEntry(pw.Model):
    reference = pw.CharField(max_length=9, unique=True)
    agency = pw.CharField(max_length=8)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    first_day = pw.DateField()
    last_day = pw.DateField()
    period = pw.CharField(max_length=10, default="any")
    full_name = pw.CharField(max_length=120, null=True)
    phone = pw.CharField(max_length=16, null=True, index=True)
    email = pw.CharField(max_length=254, null=True)
    lang = pw.CharField(max_length=2)
    status = pw.CharField(max_length=10, default="waiting")
    lapsed_offers = pw.SmallIntegerField(default=0)
    created_at = pw.DateTimeField()
    ended_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "waitlist_entry"
        indexes = ((("agency", "service_id", "task_id", "status", "created_at"), False),)


def apply(db: pw.Database) -> None:
    with db.bind_ctx([WaitlistEntry]):
        db.create_tables([WaitlistEntry])
    migrator = SchemaMigrator.from_database(db)
    run_operations(
        migrator.add_column("appointment", "waitlist_entry", pw.IntegerField(null=True)),
        migrator.add_index("appointment", ("waitlist_entry",), False),
    )
