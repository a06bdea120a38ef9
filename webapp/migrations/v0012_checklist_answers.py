"""12: the checklist answers a person gave on the task page, kept with their appointment (JSON
{question id: option id}) so its pages and calendar file list only the documents that apply.
Frozen: names its own column and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "checklist answers of appointments"


def apply(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_operations(migrator.add_column("appointment", "checklist_answers", pw.TextField(null=True)))
