"""8: confirmed phone numbers: a booking made from the public site holds its seat until
`hold_until`, and one-time codes sent by SMS confirm it (or prove a phone to list its visits).
Frozen: names its own table and columns and reads no model."""

import peewee as pw
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_operations

NAME = "held bookings and phone codes"


class PhoneCode(pw.Model):
    phone = pw.CharField(max_length=16, index=True)
    purpose = pw.CharField(max_length=8)
    reference = pw.CharField(max_length=9, null=True, index=True)
    digest = pw.CharField(max_length=64)
    tries = pw.SmallIntegerField(default=0)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(index=True)

    class Meta:
        table_name = "phone_code"


def apply(db: pw.Database) -> None:
    with db.bind_ctx([PhoneCode]):
        db.create_tables([PhoneCode])
    migrator = SchemaMigrator.from_database(db)
    run_operations(
        migrator.add_column("appointment", "hold_until", pw.DateTimeField(null=True)),
        migrator.add_index("appointment", ("status", "hold_until"), False),
    )
