"""5: ticket numbers as integers, counted per prefix (the text "999" sorted after "1000").
Frozen: names its own columns and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "ticket numbers as integers"


def apply(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_operations(
        migrator.add_column("ticket", "prefix", pw.CharField(max_length=4, default="")),
        migrator.add_column("ticket", "seq", pw.IntegerField(null=True)),
    )
    update = f"UPDATE ticket SET prefix = {db.param}, seq = {db.param} WHERE id = {db.param}"
    for ticket_id, number in db.execute_sql("SELECT id, number FROM ticket").fetchall():
        prefix, _, digits = number.rpartition("-")
        db.execute_sql(update, (prefix[:4], int(digits) if digits.isdigit() else None, ticket_id))
    run_operations(migrator.add_index("ticket", ("agency", "day", "prefix", "seq"), unique=True))
