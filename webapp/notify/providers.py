"""Where messages go: an SMS centre over SMPP (webapp/notify/smpp.py), a mail server over
SMTP, or in demo mode the demo inbox. Each provider sends one message and says how it went.
"""

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from html import escape
from urllib.parse import parse_qs, unquote, urlsplit


class TemporaryFailure(Exception):
    """Try again later (network down, server busy, throttled)."""


class PermanentFailure(Exception):
    """This message will never go (unknown number, refused address)."""


@dataclass
class Outgoing:
    uid: str  # our idempotent id: the SMTP Message-ID, the SMPP reference
    kind: str
    channel: str
    recipient: str
    lang: str
    body: str
    subject: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime type, bytes)


@dataclass
class Sent:
    provider_id: str
    delivered: bool  # True when the answer already proves delivery (SMTP 250, the demo inbox)


class Provider:
    def send(self, message: Outgoing) -> Sent:
        raise NotImplementedError

    def receipts(self) -> list[tuple[str, bool, str | None]]:
        """Delivery reports received since the last call: (provider_id, delivered, error)."""
        return []

    def close(self) -> None:
        pass


class DemoInbox(Provider):
    """Demo mode: the message stays in the outbox table, which /demo/inbox shows."""

    def send(self, message: Outgoing) -> Sent:
        return Sent(f"demo-{message.uid}", delivered=True)


class Smtp(Provider):
    """MAIL_URL=smtp://user:password@host:587 (STARTTLS, the default on 587 or with
    ?starttls=1), smtps://...:465 (TLS from the start), or smtp://host:25?starttls=0."""

    def __init__(self, url: str, sender: str, timeout: float = 30):
        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or (465 if self.tls else 587)
        options = parse_qs(parts.query)
        self.starttls = not self.tls and options.get("starttls", ["1" if self.port == 587 else "0"])[0] == "1"
        self.user, self.password = unquote(parts.username or ""), unquote(parts.password or "")
        self.sender, self.timeout = sender, timeout
        self.domain = sender.rpartition("@")[2] or "cnas.dz"

    def build(self, message: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.recipient, message.subject or ""
        mail["Message-ID"] = f"<{message.uid}@{self.domain}>"
        mail["Date"] = formatdate(localtime=False)
        mail["Content-Language"] = message.lang
        mail.set_content(message.body)
        direction = "rtl" if message.lang == "ar" else "ltr"
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in message.body.split("\n") if line.strip())
        mail.add_alternative(f'<!doctype html><html lang="{message.lang}" dir="{direction}"><body>'
                             f"{paragraphs}</body></html>", subtype="html")
        for filename, mime, data in message.attachments:
            main, _, sub = mime.partition("/")
            mail.add_attachment(data, maintype=main, subtype=sub, filename=filename)
        return mail

    def send(self, message: Outgoing) -> Sent:
        try:
            context = ssl.create_default_context()  # the server's certificate is checked
            client = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context) if self.tls
                      else smtplib.SMTP(self.host, self.port, timeout=self.timeout))
            with client:
                if self.starttls:
                    client.starttls(context=context)
                if self.user:
                    client.login(self.user, self.password)
                refused = client.send_message(self.build(message))
        except smtplib.SMTPAuthenticationError:  # our settings, not the message: retry once fixed
            raise TemporaryFailure("SMTP login refused: check MAIL_URL") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {_smtp_reason(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            kind = PermanentFailure if 500 <= exc.smtp_code < 600 else TemporaryFailure
            raise kind(f"SMTP {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:  # connection refused, timeout, TLS...
            raise TemporaryFailure(f"SMTP: {type(exc).__name__}") from None
        if refused:
            raise PermanentFailure(f"recipient refused: {_smtp_reason(refused)}")
        return Sent(f"<{message.uid}@{self.domain}>", delivered=True)


def _smtp_reason(recipients: dict) -> str:
    codes = sorted({str(answer[0]) for answer in recipients.values()})
    return "SMTP " + ",".join(codes)


def for_channels(config: dict) -> dict[str, Provider]:
    """The provider of each channel that has one: SMS_URL and MAIL_URL, else in demo mode the
    demo inbox. A channel without a provider keeps its messages queued (none is lost)."""
    providers: dict[str, Provider] = {}
    if config.get("SMS_URL"):
        from .smpp import Smpp

        providers["sms"] = Smpp(config["SMS_URL"], config["SMS_SENDER"])
    if config.get("MAIL_URL"):
        providers["email"] = Smtp(config["MAIL_URL"], config["MAIL_FROM"])
    if config.get("DEMO"):
        for channel in ("sms", "email"):
            providers.setdefault(channel, DemoInbox())
    return providers

