"""3: the agency's day — visit times on appointments, staff, audit, tickets, procedures not
booked at an agency. Frozen: names its own tables and columns."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "the agency's day: staff, audit, tickets, visit times"

NEW_APPOINTMENT_COLUMNS = {
    "arrived_at": lambda: pw.DateTimeField(null=True),
    "called_at": lambda: pw.DateTimeField(null=True),
    "served_at": lambda: pw.DateTimeField(null=True),
    "desk": lambda: pw.CharField(max_length=10, null=True),
    "cancel_reason": lambda: pw.CharField(max_length=200, null=True),
    "flag": lambda: pw.CharField(max_length=200, null=True),
}


class Staff(pw.Model):
    username = pw.CharField(max_length=60, unique=True)
    password_hash = pw.CharField(max_length=200)
    role = pw.CharField(max_length=16)
    agency = pw.CharField(max_length=8, null=True)
    active = pw.BooleanField(default=True)
    failed_logins = pw.SmallIntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "staff"


class AuditEntry(pw.Model):
    at = pw.DateTimeField(index=True)
    staff = pw.CharField(max_length=60)
    agency = pw.CharField(max_length=8, null=True, index=True)
    action = pw.CharField(max_length=40)
    target = pw.CharField(max_length=80)
    details = pw.CharField(max_length=400, default="")

    class Meta:
        table_name = "audit_entry"


class Ticket(pw.Model):
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


class DisabledTask(pw.Model):
    agency = pw.CharField(max_length=8)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)

    class Meta:
        table_name = "disabled_task"
        indexes = ((("agency", "service_id", "task_id"), True),)


TABLES = [Staff, AuditEntry, Ticket, DisabledTask]


def apply(db: pw.Database) -> None:
    # Databases made by the first release's migration 2 already have these columns.
    have = {c.name for c in db.get_columns("appointment")}
    migrator = SchemaMigrator.from_database(db)
    operations = [migrator.add_column("appointment", name, field())
                  for name, field in NEW_APPOINTMENT_COLUMNS.items() if name not in have]
    if operations:
        run_operations(*operations)
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES)
