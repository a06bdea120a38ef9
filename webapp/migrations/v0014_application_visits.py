"""14: "come in to finish": the appointment staff booked for an applicant to finish their
application at the agency (applications/review.py book_visit), as the id of that appointment.
Frozen: names its own column and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "appointments booked for applications"


def apply(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_operations(migrator.add_column("application", "appointment", pw.IntegerField(null=True)))
