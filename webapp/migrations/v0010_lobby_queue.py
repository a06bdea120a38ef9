"""10: your place in the lobby queue: a random token per ticket and per checked-in visit for
its live page, the ticket's language, and the phone given for one SMS when the turn is near.
Frozen: names its own columns and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "lobby queue places"


def apply(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_operations(
        migrator.add_column("ticket", "token", pw.CharField(max_length=16, null=True)),
        migrator.add_column("ticket", "lang", pw.CharField(max_length=2, null=True)),
        migrator.add_column("ticket", "phone", pw.CharField(max_length=16, null=True)),
        migrator.add_column("ticket", "notified_at", pw.DateTimeField(null=True)),
        migrator.add_index("ticket", ("token",), True),
        migrator.add_column("appointment", "queue_token", pw.CharField(max_length=16, null=True)),
        migrator.add_index("appointment", ("queue_token",), True),
    )
