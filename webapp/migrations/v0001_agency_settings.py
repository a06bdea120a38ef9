"""1: how each agency receives visitors (frozen: names its own table and columns)."""

import peewee as pw

NAME = "agency settings"


class AgencySettings(pw.Model):
    code = pw.CharField(primary_key=True, max_length=8)
    slot_minutes = pw.SmallIntegerField(default=15)
    desks = pw.SmallIntegerField(default=2)
    horizon_days = pw.SmallIntegerField(default=30)
    min_notice_minutes = pw.SmallIntegerField(default=120)
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "agency_settings"


def apply(db: pw.Database) -> None:
    with db.bind_ctx([AgencySettings]):
        db.create_tables([AgencySettings])
