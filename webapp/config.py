"""Settings from the environment, with safe defaults."""

import os
import secrets
from datetime import datetime, time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_DIR / "instance"

# Every setting the app reads from the environment, with its meaning (the README lists them;
# a test checks it does).
SETTINGS = {
    "HOST": "address the server listens on (default 127.0.0.1)",
    "PORT": "port the server listens on (default 8000)",
    "DATABASE_URL": "sqlite:///path or postgresql://user:pass@host/db (default: SQLite in instance/)",
    "SECRET_KEY": "signs sessions and CSRF tokens (default: generated once, kept in instance/)",
    "WEBAPP_DEMO": "1 for demo mode (set by `make run`): load-demo, the demo staff accounts; never in production",
    "WEBAPP_NOW": "freeze the clock, e.g. 2026-12-01T09:00 (Africa/Algiers), for tests and demos",
    "CONTENT_DIR": "folder of the catalog's TOML files (default: content/)",
    "INSTANCE_DIR": "folder for the SQLite database and the generated secret (default: instance/)",
    "COOKIE_SECURE": "1 (default) sends cookies over HTTPS only; 0 for plain-HTTP development",
    "WEB_CONCURRENCY": "gunicorn worker processes for `serve` (default 2 x CPU + 1)",
    "WEBAPP_RELEASE": "a label of the deployed release; changing it makes every phone fetch the new app",
    "WEBAPP_PROXIES": "how many reverse proxies (nginx) stand in front, whose X-Forwarded-* are trusted (default 0)",
    "WEBAPP_HOSTS": "host names the app answers, comma-separated, e.g. rdv.cnas.dz (default: any)",
    "LOG_FORMAT": "json for one JSON object a line (request id, method, path, status, bytes, ms); else text",
    "KIOSK_IDLE_SECONDS": "quiet time before a lobby tablet asks \"Are you still there?\" (default 60)",
    "PUBLIC_URL": "the address people reach the app at, for links in SMS and e-mail (default http://127.0.0.1:8000)",
    "SMS_URL": "the SMS centre, smpp://system_id:password@host:2775 (default: none; demo mode: the demo inbox)",
    "SMS_SENDER": "the sender id shown on SMS (default CNAS)",
    "MAIL_URL": "the mail server, smtp://user:password@host:587 (STARTTLS) or smtps://...:465 (default: none)",
    "MAIL_FROM": "the From address of e-mails (default rendez-vous@cnas.dz)",
    "REMINDER_TIME": "when the day-before reminders go out, Africa/Algiers (default 18:00)",
    "REMINDER_SOON_HOURS": "also remind this many hours before the visit, e.g. 2 (default 0: off)",
    "OUTBOX_RETRY_SECONDS": "wait between tries of a message that failed for now (default 300)",
    "OUTBOX_GIVE_UP_SECONDS": "after this long a message that keeps failing is marked failed (default 14400)",
    "OUTBOX_LEASE_SECONDS": "seconds a worker holds what it sends; a dead worker's are sent again after (default 120)",
    "HOLD_MINUTES": "a public booking holds its seat this long for the code sent to its phone (default 30; "
                    "0: no codes, bookings confirmed at once, for a deployment without an SMS centre)",
    "OFFLINE_HOLD_MINUTES": "the same for a request a phone queued offline (default 360)",
    "HOLDS_PER_ADDRESS": "new holds an hour from one client address (default 5; 0: no limit)",
    "HOLDS_PER_PHONE": "new holds an hour for one phone number (default 3; 0: no limit)",
    "HOLDS_PER_DEVICE": "new holds an hour from one phone's app, by its outbox id (default 5; 0: no limit)",
    "CODES_PER_PHONE": "codes sent again, or to list a phone's visits, an hour per phone number (default 3)",
    "QUEUE_SMS_POSITION": "a lobby ticket given a phone gets one SMS when this many people are before it (default 3)",
    "RENDER_CACHE_MB": "memory per server process for rendered home, service and task pages (default 32; 0: off)",
    "APPLICATION_STORAGE": "where documents of online applications are kept: local (default: INSTANCE_DIR/documents); "
                           "s3://bucket/prefix for an S3-compatible object store (a private bucket)",
    "S3_ENDPOINT_URL": "address of the S3-compatible store, e.g. http://minio.internal:9000 (default: AWS)",
    "AWS_ACCESS_KEY_ID": "key id for the S3-compatible store (default: boto3's own search)",
    "AWS_SECRET_ACCESS_KEY": "secret key for the S3-compatible store",
    "AWS_DEFAULT_REGION": "region of the S3-compatible store (default us-east-1)",
    "APPLICATION_KEEP_DAYS": "days after its decision an online application keeps its answers, phone and documents "
                             "(default 90)",
}


def from_env(environ=os.environ) -> dict:
    """Build the Flask config mapping from environment variables."""
    instance = Path(environ.get("INSTANCE_DIR") or DEFAULT_INSTANCE)
    return {
        "INSTANCE_DIR": str(instance),
        "DATABASE_URL": environ.get("DATABASE_URL") or f"sqlite:///{instance / 'webapp.db'}",
        "SECRET_KEY": environ.get("SECRET_KEY") or None,
        "NOW": parse_now(environ.get("WEBAPP_NOW")),
        "REAL_TIME_LIMITS": bool(environ.get("WEBAPP_NOW")),  # see clock.for_limits
        "CONTENT_DIR": environ.get("CONTENT_DIR") or str(PROJECT_DIR / "content"),
        "SESSION_COOKIE_SECURE": environ.get("COOKIE_SECURE", "1") != "0",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 64 * 1024,  # no form or JSON body of this app comes near
        "KIOSK_IDLE_SECONDS": int(environ.get("KIOSK_IDLE_SECONDS") or 60),
        "RELEASE": environ.get("WEBAPP_RELEASE", ""),
        "DEMO": environ.get("WEBAPP_DEMO") == "1",
        "LOG_FORMAT": environ.get("LOG_FORMAT", "text"),
        "PROXIES": int(environ.get("WEBAPP_PROXIES") or 0),
        "PUBLIC_URL": (environ.get("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        "SMS_URL": environ.get("SMS_URL") or None,
        "SMS_SENDER": environ.get("SMS_SENDER") or "CNAS",
        "MAIL_URL": environ.get("MAIL_URL") or None,
        "MAIL_FROM": environ.get("MAIL_FROM") or "rendez-vous@cnas.dz",
        "REMINDER_TIME": _time("REMINDER_TIME", environ.get("REMINDER_TIME") or "18:00"),
        "REMINDER_SOON_HOURS": int(environ.get("REMINDER_SOON_HOURS") or 0),
        "OUTBOX_RETRY_SECONDS": int(environ.get("OUTBOX_RETRY_SECONDS") or 300),
        "OUTBOX_GIVE_UP_SECONDS": int(environ.get("OUTBOX_GIVE_UP_SECONDS") or 4 * 3600),
        "OUTBOX_LEASE_SECONDS": int(environ.get("OUTBOX_LEASE_SECONDS") or 120),
        "HOLD_MINUTES": _count(environ, "HOLD_MINUTES", 30),
        "OFFLINE_HOLD_MINUTES": int(environ.get("OFFLINE_HOLD_MINUTES") or 360),
        "HOLDS_PER_ADDRESS": _count(environ, "HOLDS_PER_ADDRESS", 5),
        "HOLDS_PER_PHONE": _count(environ, "HOLDS_PER_PHONE", 3),
        "HOLDS_PER_DEVICE": _count(environ, "HOLDS_PER_DEVICE", 5),
        "CODES_PER_PHONE": _count(environ, "CODES_PER_PHONE", 3),
        "QUEUE_SMS_POSITION": _count(environ, "QUEUE_SMS_POSITION", 3),
        "RENDER_CACHE_MB": _count(environ, "RENDER_CACHE_MB", 32),
        "APPLICATION_STORAGE": environ.get("APPLICATION_STORAGE") or "local",
        **{name: environ.get(name) or None
           for name in ("S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")},
        "APPLICATION_KEEP_DAYS": _count(environ, "APPLICATION_KEEP_DAYS", 90),
        "TRUSTED_HOSTS": [h.strip() for h in environ.get("WEBAPP_HOSTS", "").split(",") if h.strip()] or None,
    }


def _count(environ, name: str, default: int) -> int:
    """A whole number >= 0 from the environment (0 is meaningful: off)."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise SystemExit(f"{name}: not a whole number ({value!r})")
    return int(value)


def _time(name: str, value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise SystemExit(f"{name}: not a time of day ({value!r}), e.g. 18:00") from exc


def parse_now(value: str | None) -> datetime | None:
    """Parse WEBAPP_NOW (ISO 8601, local Algiers time when no offset is given)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise SystemExit(f"WEBAPP_NOW: not an ISO date-time ({value!r}), e.g. 2026-12-01T09:00") from exc


def instance_secret(instance_dir: str) -> str:
    """Return the secret kept in instance/, creating it once (atomically) if missing."""
    path = Path(instance_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()
