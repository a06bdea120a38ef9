"""2: booking — hours, closures, holiday openings, appointments, idempotency keys, rate limits.

Frozen: the tables as this migration first created them; later columns are later migrations.
"""

import peewee as pw

NAME = "booking: hours, closures, appointments, idempotency keys, rate limits"


class OpeningHours(pw.Model):
    agency = pw.CharField(max_length=8)
    weekday = pw.SmallIntegerField()
    opens = pw.CharField(max_length=5)
    closes = pw.CharField(max_length=5)

    class Meta:
        table_name = "opening_hours"
        indexes = ((("agency", "weekday"), True),)


class Closure(pw.Model):
    agency = pw.CharField(max_length=8, index=True)
    first_day = pw.DateField()
    last_day = pw.DateField()
    reason = pw.CharField(max_length=200)

    class Meta:
        table_name = "closure"


class HolidayOverride(pw.Model):
    agency = pw.CharField(max_length=8)
    day = pw.DateField()

    class Meta:
        table_name = "holiday_override"
        indexes = ((("agency", "day"), True),)


class Appointment(pw.Model):
    reference = pw.CharField(max_length=9, unique=True)
    agency = pw.CharField(max_length=8)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    starts_at = pw.DateTimeField()
    seat = pw.SmallIntegerField(null=True)
    status = pw.CharField(max_length=16, default="booked")
    full_name = pw.CharField(max_length=120, null=True)
    phone = pw.CharField(max_length=16, null=True, index=True)
    email = pw.CharField(max_length=254, null=True)
    ssn = pw.CharField(max_length=16, null=True)
    lang = pw.CharField(max_length=2)
    created_at = pw.DateTimeField()
    cancelled_at = pw.DateTimeField(null=True)
    purged = pw.BooleanField(default=False)

    class Meta:
        table_name = "appointment"
        indexes = ((("agency", "starts_at", "seat"), True),)


class IdempotencyKey(pw.Model):
    key = pw.CharField(max_length=100, primary_key=True)
    request_hash = pw.CharField(max_length=64)
    status_code = pw.SmallIntegerField(null=True)
    body = pw.TextField(null=True)
    created_at = pw.DateTimeField(index=True)

    class Meta:
        table_name = "idempotency_key"


class RateLimit(pw.Model):
    key = pw.CharField(max_length=100)
    window = pw.BigIntegerField()
    hits = pw.IntegerField(default=0)

    class Meta:
        table_name = "rate_limit"
        indexes = ((("key", "window"), True),)


TABLES = [OpeningHours, Closure, HolidayOverride, Appointment, IdempotencyKey, RateLimit]


def apply(db: pw.Database) -> None:
    with db.bind_ctx(TABLES):
        db.create_tables(TABLES)
