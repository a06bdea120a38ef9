"""13: an application a phone filled in without network and sent later from its outbox keeps
the hash of that request's Idempotency-Key: the same request sent twice makes one application,
and only the phone that holds the key can go on with it (its files, its SMS code).
Frozen: names its own column and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "applications queued on phones"


def apply(db: pw.Database) -> None:
    migrator = SchemaMigrator.from_database(db)
    run_operations(migrator.add_column("application", "client_key", pw.CharField(max_length=64, null=True)),
                   migrator.add_index("application", ("client_key",), True))
