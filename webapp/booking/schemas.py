"""marshmallow schemas for booking input (HTML forms and the JSON API share them).

Error messages are codes ("phone", "required" ...); views translate them (views/messages.py).
"""

import re
import unicodedata
from datetime import date, time

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from ..digits import ascii_digits

PHONE = re.compile(r"^0[567][0-9]{8}$")  # [0-9], not \d: \d takes any script's digits
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
REQUIRED = {"required": "required", "null": "required", "invalid": "invalid"}


def normalize_phone(value: str) -> str:
    """05/06/07 + 8 digits, written any common way (+213, 00213, spaces, dots, dashes)."""
    digits = re.sub(r"[\s.\-()]", "", ascii_digits(value or ""))
    for prefix in ("+213", "00213"):
        if digits.startswith(prefix):
            digits = "0" + digits[len(prefix):]
    return digits


INTERNATIONAL = re.compile(r"^\+[1-9][0-9]{7,14}$")  # E.164: a country code and the number, 8 to 15 digits


def applicant_phone(value: str, international: bool = False) -> str | None:
    """An applicant's mobile as stored, or None: an Algerian one as 0XXXXXXXXX (normalize_phone);
    with `international`, also a number abroad typed +<country code>… or 00<country code>…, kept
    as "+33612345678". Any +213/00213 number must still be an Algerian mobile."""
    phone = normalize_phone(value)
    if PHONE.match(phone):
        return phone
    if international and phone.startswith("00"):
        phone = "+" + phone[2:]
    return phone if international and INTERNATIONAL.match(phone) else None


def check_name(value: str) -> None:
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in value):
        raise ValidationError("name")
    if not any(c.isalpha() for c in value):
        raise ValidationError("name")


class Typed(Schema):
    """Input typed by a person: Arabic-Indic digits read as ASCII ones, in every field."""

    @pre_load
    def read_digits(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        return {k: ascii_digits(v) if isinstance(v, str) else v for k, v in data.items()}


class Person(Typed):
    """Who is coming: only what the visit needs."""

    class Meta:
        unknown = EXCLUDE

    full_name = fields.String(required=True, error_messages=REQUIRED,
                              validate=[validate.Length(min=2, max=120, error="name_length"), check_name])
    phone = fields.String(required=True, error_messages=REQUIRED,
                          validate=validate.Regexp(PHONE, error="phone"))
    email = fields.Email(load_default=None, allow_none=True, error_messages={"invalid": "email"},
                         validate=validate.Length(max=254, error="email"))
    ssn = fields.String(load_default=None, allow_none=True,
                        validate=validate.Regexp(r"^[0-9]{12}$", error="ssn"))

    @pre_load
    def clean(self, data, **kwargs):
        data = {k: v for k, v in dict(data).items() if v not in ("", None)}
        for key in ("full_name", "email", "ssn", "phone"):
            if isinstance(data.get(key), str):
                data[key] = " ".join(data[key].split())
        if isinstance(data.get("phone"), str):
            data["phone"] = normalize_phone(data["phone"])
        if isinstance(data.get("ssn"), str):
            data["ssn"] = data["ssn"].replace(" ", "")
        return data


class Slot(Typed):
    """Where and when: agency, task, day and time."""

    class Meta:
        unknown = EXCLUDE

    agency = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=8))
    service = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=64))
    task = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=64))
    date = fields.Date(required=True, error_messages={**REQUIRED, "invalid": "date"})
    time = fields.Time(required=True, error_messages={**REQUIRED, "invalid": "time"},
                       metadata={"pattern": TIME_PATTERN, "example": "09:15"})

    @post_load
    def bounded(self, data, **kwargs):
        if not date(2000, 1, 1) <= data["date"] <= date(2100, 1, 1):
            raise ValidationError("date", "date")
        data["time"] = time(data["time"].hour, data["time"].minute)
        return data


class Booking(Slot, Person):
    """Everything a booking needs."""

    fallback = fields.String(load_default="none", validate=validate.OneOf(("none", "same_day", "nearest_day")))
    # Sent by a phone's outbox for a request typed offline: its hold lasts longer.
    queued = fields.Boolean(load_default=False)
    # The task page's checklist answers: only those matching the task's questions are kept.
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                          values=fields.String(validate=validate.Length(max=64)),
                          load_default=dict, validate=validate.Length(max=10, error="invalid"),
                          metadata={"description": "the checklist answers of the task page, {question id: "
                                                   "option id}; unknown ones are ignored",
                                    "example": {"commuting": "commuting-yes"}})


class Wish(Person):
    """Joining the waiting list: a procedure at an agency, the days and the time of day that
    suit, and who to tell (no social-security number: the offer asks nothing more)."""

    agency = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=8))
    service = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=64))
    task = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=64))
    first_day = fields.Date(required=True, error_messages={**REQUIRED, "invalid": "date"})
    last_day = fields.Date(required=True, error_messages={**REQUIRED, "invalid": "date"})
    period = fields.String(load_default="any", validate=validate.OneOf(("any", "morning", "afternoon"),
                                                                        error="period"))

    @post_load
    def ordered(self, data, **kwargs):
        if not date(2000, 1, 1) <= data["first_day"] <= data["last_day"] <= date(2100, 1, 1):
            raise ValidationError("order", "last_day")
        data.pop("ssn", None)
        return data


class Lookup(Typed):
    """A reference and the phone number given when booking."""

    class Meta:
        unknown = EXCLUDE

    reference = fields.String(required=True, error_messages=REQUIRED, validate=validate.Length(max=20))
    phone = fields.String(required=True, error_messages=REQUIRED)

    @pre_load
    def clean(self, data, **kwargs):
        data = dict(data)
        if isinstance(data.get("phone"), str):
            data["phone"] = normalize_phone(data["phone"])
        return data


class Reschedule(Lookup):
    date = fields.Date(required=True, error_messages={**REQUIRED, "invalid": "date"})
    time = fields.Time(required=True, error_messages={**REQUIRED, "invalid": "time"},
                       metadata={"pattern": TIME_PATTERN, "example": "09:15"})
