"""7: staff sessions that end everywhere at once: a version number on each account, which every
session carries and which signing out, deactivation or a new password changes.
Frozen: names its own column and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "staff session version"


def apply(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_operations(migrator.add_column("staff", "session_version", pw.IntegerField(default=0)))
