"""4: lobby tablets enrolled by staff (frozen: names its own table and columns)."""

import peewee as pw

NAME = "kiosk devices"


class KioskDevice(pw.Model):
    agency = pw.CharField(max_length=8)
    name = pw.CharField(max_length=60)
    prefix = pw.CharField(max_length=4)
    enrolled_by = pw.CharField(max_length=60)
    enrolled_at = pw.DateTimeField()
    revoked = pw.BooleanField(default=False)

    class Meta:
        table_name = "kiosk_device"


def apply(db: pw.Database) -> None:
    with db.bind_ctx([KioskDevice]):
        db.create_tables([KioskDevice])
