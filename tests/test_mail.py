"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1): STARTTLS with a checked
certificate, a login, a text and an HTML part, the .ics of the visit, our id as Message-ID."""

import email
import socket
import subprocess
from datetime import datetime
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from webapp import demo
from webapp.booking import appointments
from webapp.booking.appointments import Request
from webapp.clock import ALGIERS
from webapp.models import Message
from webapp.notify import worker
from webapp.notify.providers import Outgoing, PermanentFailure, Smtp, TemporaryFailure

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)


class Mailbox:
    """What the server received; a recipient at refused.example is answered 550."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((session.authenticated, envelope.rcpt_tos,
                              email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, which the client is told to trust."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
                   check=True, capture_output=True)
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def smtp_server(certificate, monkeypatch):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this certificate only
    mailbox = Mailbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"cnas", b"s3cret-pass"))

    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def outgoing(**changes):
    values = dict(uid="0123456789abcdef0123456789abcdef", kind="confirmed", channel="email",
                  recipient="amina@example.dz", lang="ar", body="موعدك 02/12 الساعة 09:00\nالمرجع ABCDEFGHK",
                  subject="تم تأكيد موعدك لدى CNAS",
                  attachments=[("cnas-ABCDEFGHK.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
    return Outgoing(**{**values, **changes})


def test_a_message_goes_over_starttls_with_login_text_html_and_calendar(smtp_server):
    mailbox, port = smtp_server
    provider = Smtp(f"smtp://cnas:s3cret-pass@127.0.0.1:{port}?starttls=1", "rendez-vous@cnas.dz")
    sent = provider.send(outgoing())
    (authenticated, recipients, mail), = mailbox.received
    assert authenticated and recipients == ["amina@example.dz"]
    assert mail["Message-ID"] == "<0123456789abcdef0123456789abcdef@cnas.dz>" == sent.provider_id
    assert sent.delivered  # the server's 250 is the delivery we can know of
    assert mail["Subject"] == "تم تأكيد موعدك لدى CNAS"
    assert "ABCDEFGHK" in mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and "<p>المرجع ABCDEFGHK</p>" in html
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "cnas-ABCDEFGHK.ics" and attachment.get_content_type() == "text/calendar"


def test_refusals_are_permanent_and_outages_temporary(smtp_server):
    mailbox, port = smtp_server
    with pytest.raises(PermanentFailure, match="550"):
        Smtp(f"smtp://cnas:s3cret-pass@127.0.0.1:{port}?starttls=1", "a@cnas.dz").send(
            outgoing(recipient="nobody@refused.example"))
    with pytest.raises(TemporaryFailure):
        Smtp(f"smtp://cnas:s3cret-pass@127.0.0.1:{free_port()}?starttls=1", "a@cnas.dz").send(outgoing())
    assert mailbox.received == []


def test_an_untrusted_certificate_is_refused(smtp_server, monkeypatch, tmp_path):
    _, port = smtp_server
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    with pytest.raises(TemporaryFailure, match="SSL"):
        Smtp(f"smtp://cnas:s3cret-pass@127.0.0.1:{port}?starttls=1", "a@cnas.dz").send(outgoing())


def test_the_worker_mails_the_confirmation_with_its_calendar(app, db, use_case, smtp_server):
    mailbox, port = smtp_server
    demo.load(app.extensions["catalog"])
    app.config.update(MAIL_URL=f"smtp://cnas:s3cret-pass@127.0.0.1:{port}?starttls=1", DEMO=False, SMS_URL=None)
    booked, _ = appointments.book(app.extensions["catalog"], Request(
        agency="09", service_id="death-grant", task_id="claim-death-grant",
        start=datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS), full_name="Amina", phone="0550123456",
        lang="fr", email="amina@example.dz"), NOW)
    from webapp.notify.providers import for_channels

    worker.run_once(app, for_channels(app.config))
    (_, _, mail), = mailbox.received
    assert mail["Subject"] == "Votre rendez-vous CNAS est confirmé"
    ics = next(mail.iter_attachments()).get_content()
    assert booked.reference in (ics.decode() if isinstance(ics, bytes) else ics)
    sms, mail_row = Message.select().order_by(Message.channel.desc())
    assert mail_row.channel == "email" and mail_row.status == "delivered"
    assert sms.channel == "sms" and sms.status == "queued"  # no SMS provider: kept, not lost
