"""11: online applications: the application (its answers, phone and status), the documents
uploaded for it (stored outside the web root under random names; see applications/storage.py)
and the resumable uploads in progress (a file sent in chunks under an id).
Frozen: names its own tables and columns and reads no model."""

import peewee as pw

NAME = "online applications"


class Application(pw.Model):
    reference = pw.CharField(max_length=9, unique=True)
    service_id = pw.CharField(max_length=64)
    task_id = pw.CharField(max_length=64)
    agency = pw.CharField(max_length=8, null=True)
    lang = pw.CharField(max_length=2)
    answers = pw.TextField(default="{}")
    phone = pw.CharField(max_length=16, null=True, index=True)
    status = pw.CharField(max_length=16, default="draft")
    missing = pw.CharField(max_length=64, null=True)
    reason = pw.CharField(max_length=400, null=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    submitted_at = pw.DateTimeField(null=True)
    decided_at = pw.DateTimeField(null=True)
    purged = pw.BooleanField(default=False)

    class Meta:
        table_name = "application"
        indexes = ((("agency", "status", "submitted_at"), False), (("status", "decided_at"), False))


class ApplicationDocument(pw.Model):
    application = pw.IntegerField(index=True)
    kind = pw.CharField(max_length=64)
    stored_name = pw.CharField(max_length=64, unique=True)
    content_type = pw.CharField(max_length=40)
    size = pw.IntegerField()
    pages = pw.SmallIntegerField(default=1)
    uploaded_at = pw.DateTimeField()

    class Meta:
        table_name = "application_document"


class ApplicationUpload(pw.Model):
    token = pw.CharField(max_length=32, unique=True)
    application = pw.IntegerField(index=True)
    kind = pw.CharField(max_length=64)
    size = pw.IntegerField()
    received = pw.IntegerField(default=0)
    stored_name = pw.CharField(max_length=64)
    document = pw.IntegerField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "application_upload"


def apply(db: pw.Database) -> None:
    with db.bind_ctx([Application, ApplicationDocument, ApplicationUpload]):
        db.create_tables([Application, ApplicationDocument, ApplicationUpload])
