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


class OpeningHours(BaseModel):
    """When an agency receives visitors on a weekday (Monday = 0); no row = closed that day."""

    agency = pw.CharField(max_length=8)
    weekday = pw.SmallIntegerField()
    opens = pw.CharField(max_length=5)  # "08:00", Africa/Algiers
    closes = pw.CharField(max_length=5)

    class Meta:
        indexes = ((("agency", "weekday"), True),)


class Closure(BaseModel):
    """Days an agency is closed (first and last day included), with the reason shown to people."""

    agency = pw.CharField(max_length=8, index=True)
    first_day = pw.DateField()
    last_day = pw.DateField()
    reason = pw.CharField(max_length=200)


class HolidayOverride(BaseModel):
    """A public holiday on which an agency opens anyway."""

    agency = pw.CharField(max_length=8)
    day = pw.DateField()

    class Meta:
        indexes = ((("agency", "day"), True),)


class Appointment(BaseModel):
    """A booked visit. `seat` is NULL once the visit no longer holds a place (cancelled)."""

    reference = pw.CharField(max_length=9, unique=True)
    agency = pw.CharField(max_length=8)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    starts_at = pw.DateTimeField()  # UTC, naive
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
    # Added by migration 3 (the agency's day):
    arrived_at = pw.DateTimeField(null=True)
    called_at = pw.DateTimeField(null=True)
    served_at = pw.DateTimeField(null=True)
    desk = pw.CharField(max_length=10, null=True)
    cancel_reason = pw.CharField(max_length=200, null=True)
    flag = pw.CharField(max_length=200, null=True)  # why the person must be told (closure ...)
    # Added by migration 6:
    reminders = pw.BooleanField(default=True)  # the person may stop reminders (not codes)
    # Added by migration 8: a "held" booking keeps its seat until then, unless its phone confirms it.
    hold_until = pw.DateTimeField(null=True)
    # Added by migration 9: the waiting-list entry this seat was offered to (an offer is a hold
    # of that person's; once booked, a seat re-booked from the waiting list).
    waitlist_entry = pw.IntegerField(null=True, index=True)
    # Added by migration 10: the live page of a checked-in visit's place in the lobby queue
    # (/<lang>/q/<token>), set at check-in; random, never the reference.
    queue_token = pw.CharField(max_length=16, null=True, unique=True)
    # Added by migration 12: the task page's checklist answers given when booking, as JSON
    # ({question id: option id}), so the visit's pages list only the documents that apply.
    checklist_answers = pw.TextField(null=True)

    class Meta:
        # The capacity guard: one appointment per seat of a slot, enforced by the database.
        indexes = ((("agency", "starts_at", "seat"), True), (("status", "hold_until"), False))


class WaitlistEntry(BaseModel):
    """A person waiting for a seat: a procedure at an agency, any day from `first_day` to
    `last_day`, in the `period` that suits them (any | morning | afternoon). Found and left
    with its reference and phone, like an appointment. status: waiting | offered (a seat is
    held for them, see Appointment.waitlist_entry) | booked | left | ended (past its last day,
    or after offers left to lapse)."""

    reference = pw.CharField(max_length=9, unique=True)
    agency = pw.CharField(max_length=8)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    first_day = pw.DateField()
    last_day = pw.DateField()
    period = pw.CharField(max_length=10, default="any")
    full_name = pw.CharField(max_length=120, null=True)
    phone = pw.CharField(max_length=16, null=True, index=True)
    email = pw.CharField(max_length=254, null=True)
    lang = pw.CharField(max_length=2)
    status = pw.CharField(max_length=10, default="waiting")
    lapsed_offers = pw.SmallIntegerField(default=0)
    created_at = pw.DateTimeField()
    ended_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("agency", "service_id", "task_id", "status", "created_at"), False),)


class PhoneCode(BaseModel):
    """A one-time code sent by SMS: it confirms a held booking (purpose "confirm", with its
    reference) or proves a phone to list its visits (purpose "phone"). Only a keyed hash of
    the code is kept; a code dies after its tries, its expiry, or its use."""

    phone = pw.CharField(max_length=16, index=True)
    purpose = pw.CharField(max_length=8)
    reference = pw.CharField(max_length=9, null=True, index=True)
    digest = pw.CharField(max_length=64)
    tries = pw.SmallIntegerField(default=0)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(index=True)


class IdempotencyKey(BaseModel):
    """The first answer to a POST carrying an Idempotency-Key, replayed for retries."""

    key = pw.CharField(max_length=100, primary_key=True)
    request_hash = pw.CharField(max_length=64)
    status_code = pw.SmallIntegerField(null=True)  # NULL while the first request is processed
    body = pw.TextField(null=True)
    created_at = pw.DateTimeField(index=True)


class RateLimit(BaseModel):
    """Requests counted per key (e.g. an IP address) in fixed windows."""

    key = pw.CharField(max_length=100)
    window = pw.BigIntegerField()
    hits = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("key", "window"), True),)


class Staff(BaseModel):
    """An agency agent, a supervisor (one agency) or an administrator (all agencies)."""

    username = pw.CharField(max_length=60, unique=True)
    password_hash = pw.CharField(max_length=200)
    role = pw.CharField(max_length=16)  # agent | supervisor | admin
    agency = pw.CharField(max_length=8, null=True)
    active = pw.BooleanField(default=True)
    # Unused since migration 7 (sign-ins are throttled per address, never locked per account);
    # kept so that an upgrade changes no row.
    failed_logins = pw.SmallIntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()
    # Added by migration 7: every session carries it; changing it ends them all (auth.end_sessions).
    session_version = pw.IntegerField(default=0)


class AuditEntry(BaseModel):
    """Who did what, when, on which record. Never names or phone numbers."""

    at = pw.DateTimeField(index=True)
    staff = pw.CharField(max_length=60)
    agency = pw.CharField(max_length=8, null=True, index=True)
    action = pw.CharField(max_length=40)
    target = pw.CharField(max_length=80)
    details = pw.CharField(max_length=400, default="")


class Ticket(BaseModel):
    """A walk-in queue ticket: one number per agency and day, never twice. `seq` counts per
    agency, day and prefix ("" at the server, a tablet's own prefix for tickets it numbered
    while offline); `number` is what the person reads ("007", "K1-003")."""

    agency = pw.CharField(max_length=8)
    day = pw.DateField()
    number = pw.CharField(max_length=12)
    # Added by migration 5:
    prefix = pw.CharField(max_length=4, default="")
    seq = pw.IntegerField(null=True)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    status = pw.CharField(max_length=16, default="waiting")  # waiting | called | served | no_show
    desk = pw.CharField(max_length=10, null=True)
    issued_at = pw.DateTimeField()
    called_at = pw.DateTimeField(null=True)
    served_at = pw.DateTimeField(null=True)
    # Added by migration 10: the ticket's live page (/<lang>/q/<token>: random, never the
    # number), the language it was taken in, and the phone given for one SMS when the turn is
    # near (blanked once that SMS is queued, or once the ticket leaves the queue).
    token = pw.CharField(max_length=16, null=True, unique=True)
    lang = pw.CharField(max_length=2, null=True)
    phone = pw.CharField(max_length=16, null=True)
    notified_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("agency", "day", "number"), True), (("agency", "day", "prefix", "seq"), True))


class DisabledTask(BaseModel):
    """A bookable procedure that an agency does not take appointments for."""

    agency = pw.CharField(max_length=8)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)

    class Meta:
        indexes = ((("agency", "service_id", "task_id"), True),)


class KioskDevice(BaseModel):
    """A lobby tablet enrolled by staff for one agency; revocable."""

    agency = pw.CharField(max_length=8)
    name = pw.CharField(max_length=60)
    prefix = pw.CharField(max_length=4)  # printed before numbers of tickets issued offline
    enrolled_by = pw.CharField(max_length=60)
    enrolled_at = pw.DateTimeField()
    revoked = pw.BooleanField(default=False)


class Message(BaseModel):
    """An SMS or e-mail in the outbox, written in the transaction of the action that causes
    it; the worker sends it. `dedupe` makes an event's message exist once (a reminder job
    that runs twice queues one reminder); `uid` is our idempotent id given to the provider.
    status: queued | sending | sent | delivered | failed | cancelled (no longer true: a
    reminder of a visit since cancelled or moved)."""

    uid = pw.CharField(max_length=32, unique=True)
    dedupe = pw.CharField(max_length=80, null=True, unique=True)
    kind = pw.CharField(max_length=16)  # confirmed | reminder | reminder_soon | cancelled | moved | affected | code
    channel = pw.CharField(max_length=8)  # sms | email
    recipient = pw.CharField(max_length=254, index=True)
    lang = pw.CharField(max_length=2)
    subject = pw.CharField(max_length=200, null=True)
    body = pw.TextField()
    appointment = pw.IntegerField(null=True, index=True)
    appointment_start = pw.DateTimeField(null=True)  # the visit the text speaks of (UTC)
    status = pw.CharField(max_length=12, default="queued")
    attempts = pw.SmallIntegerField(default=0)
    due_at = pw.DateTimeField()  # UTC: not before (quiet hours, retry back-off)
    claimed_until = pw.DateTimeField(null=True)  # a worker's lease while sending
    provider_id = pw.CharField(max_length=80, null=True, index=True)
    error = pw.CharField(max_length=300, null=True)
    created_at = pw.DateTimeField(index=True)
    sent_at = pw.DateTimeField(null=True)
    delivered_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "due_at"), False),)


class Application(BaseModel):
    """An online application (catalog/applications.py says which tasks take one). A "draft"
    belongs to the browser that started it; once its phone is confirmed by SMS code it is
    "received", then under_review | missing_document (`missing` names the document asked for)
    | accepted | refused (`reason` says why, or what is missing). Found with its reference and
    its phone; purged some days after its decision (answers, phone, reason, documents)."""

    reference = pw.CharField(max_length=9, unique=True)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    agency = pw.CharField(max_length=8, null=True)
    lang = pw.CharField(max_length=2)
    answers = pw.TextField(default="{}")  # JSON {question id: answer}
    phone = pw.CharField(max_length=16, null=True, index=True)
    status = pw.CharField(max_length=16, default="draft")
    missing = pw.CharField(max_length=64, null=True)
    reason = pw.CharField(max_length=400, null=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    submitted_at = pw.DateTimeField(null=True)
    decided_at = pw.DateTimeField(null=True)
    purged = pw.BooleanField(default=False)
    client_key = pw.CharField(max_length=64, null=True, unique=True)  # queued.py: sha256 of the phone's key
    appointment = pw.IntegerField(null=True)  # review.book_visit: the visit booked to finish it at the agency

    class Meta:
        indexes = ((("agency", "status", "submitted_at"), False), (("status", "decided_at"), False))


class ApplicationDocument(BaseModel):
    """One uploaded file of an application (a page, or a PDF of `pages` pages), checked and
    re-encoded on the server; the bytes live in the storage under `stored_name` (random)."""

    application = pw.IntegerField(index=True)
    kind = pw.CharField(max_length=64)  # the document's id (catalog/applications.py uploads)
    stored_name = pw.CharField(max_length=64, unique=True)
    content_type = pw.CharField(max_length=40)
    size = pw.IntegerField()
    pages = pw.SmallIntegerField(default=1)
    uploaded_at = pw.DateTimeField()


class ApplicationUpload(BaseModel):
    """A file sent in chunks to a draft (a phone on a bad connection): `token` is its id for the
    client, `received` how many bytes are stored so far under `stored_name`; once complete it is
    checked like any upload and becomes `document` (a retry then answers the same document)."""

    token = pw.CharField(max_length=32, unique=True)
    application = pw.IntegerField(index=True)
    kind = pw.CharField(max_length=64)
    size = pw.IntegerField()
    received = pw.IntegerField(default=0)
    stored_name = pw.CharField(max_length=64)
    document = pw.IntegerField(null=True)
    created_at = pw.DateTimeField()
