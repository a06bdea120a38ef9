"""peewee models. The schema itself is created and changed only by migrations.py."""

import peewee as pw

from .db import database


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaMigration(BaseModel):
    """One row per applied migration."""

    version = pw.IntegerField(primary_key=True)
    name = pw.CharField()
    applied_at = pw.DateTimeField()


class AgencySettings(BaseModel):
    """How an agency receives visitors; identity and texts live in content/agencies.toml."""

    code = pw.CharField(primary_key=True, max_length=8)
    slot_minutes = pw.SmallIntegerField(default=15)
    desks = pw.SmallIntegerField(default=2)
    horizon_days = pw.SmallIntegerField(default=30)
    min_notice_minutes = pw.SmallIntegerField(default=120)
    updated_at = pw.DateTimeField()
