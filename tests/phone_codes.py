"""Reading and typing the one-time codes a test person gets by SMS (from the outbox table)."""

import re

from webapp.models import Appointment, Message


def latest_code(phone: str) -> str:
    """The 6 digits of the newest code SMS queued for `phone` (as the person reads it)."""
    message = (Message.select().where((Message.kind == "code") & (Message.recipient == phone))
               .order_by(Message.id.desc()).first())
    assert message is not None, f"no code was sent to {phone}"
    return re.search(r"\b\d{6}\b", message.body).group()


def type_code(client, location: str):
    """On a held booking's page, type the code of its SMS and confirm; the POST's response."""
    page = client.get(location)
    form = page.soup.find("form", action=lambda a: a and a.endswith("/code"))
    assert form is not None, "the page asks for no code"
    phone = Appointment.get(Appointment.reference == location.rsplit("/", 1)[1]).phone
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    return client.post(form["action"], data={"csrf_token": token, "code": latest_code(phone)})
