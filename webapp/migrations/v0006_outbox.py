"""6: the message outbox (SMS and e-mail) and the person's choice to stop reminders.
Frozen: names its own table and columns and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "message outbox"


class Message(pw.Model):
    uid = pw.CharField(max_length=32, unique=True)
    dedupe = pw.CharField(max_length=80, null=True, unique=True)
    kind = pw.CharField(max_length=16)
    channel = pw.CharField(max_length=8)
    recipient = pw.CharField(max_length=254, index=True)
    lang = pw.CharField(max_length=2)
    subject = pw.CharField(max_length=200, null=True)
    body = pw.TextField()
    appointment = pw.IntegerField(null=True, index=True)
    appointment_start = pw.DateTimeField(null=True)
    status = pw.CharField(max_length=12, default="queued")
    attempts = pw.SmallIntegerField(default=0)
    due_at = pw.DateTimeField()
    claimed_until = pw.DateTimeField(null=True)
    provider_id = pw.CharField(max_length=80, null=True, index=True)
    error = pw.CharField(max_length=300, null=True)
    created_at = pw.DateTimeField(index=True)
    sent_at = pw.DateTimeField(null=True)
    delivered_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "message"
        indexes = ((("status", "due_at"), False),)


def apply(db: pw.Database) -> None:
    with db.bind_ctx([Message]):
        db.create_tables([Message])
    migrator = SchemaMigrator.from_database(db)
    run_operations(migrator.add_column("appointment", "reminders", pw.BooleanField(default=True)))
