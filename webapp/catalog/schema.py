"""marshmallow schemas for the content files; cross-field rules live with their schema."""

import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from .applications import OnlineApplication
from .estimators import Estimator

LANGS = ("ar", "fr", "en")
ARABIC = re.compile(r"[\u0600-\u06FF]")
SLUG = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="use lowercase words joined by '-'")
FORM_CODE_IN_TEXT = re.compile(r"\bAT ?\d{2}\b")
DESKS = ("benefits", "affiliation", "employers", "medical", "listening")


def _text(**kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=4000), **kw)


class I18nText(Schema):
    """A text in the three languages, none empty, the Arabic one in Arabic script."""

    ar = _text()
    fr = _text()
    en = _text()

    @validates_schema
    def arabic_script(self, data, **kwargs):
        if "ar" in data and not ARABIC.search(data["ar"]):
            raise ValidationError("not in Arabic script", "ar")


def i18n(required=True):
    return fields.Nested(I18nText, required=required)


class TextItem(Schema):
    text = i18n()


class Document(Schema):
    text = i18n()
    form = fields.String()


class ChecklistGroup(Schema):
    when = fields.String()
    label = i18n(required=False)
    documents = fields.List(fields.Nested(Document), required=True, validate=validate.Length(min=1))


class Option(Schema):
    id = fields.String(required=True, validate=SLUG)
    label = i18n()


class Question(Schema):
    id = fields.String(required=True, validate=SLUG)
    text = i18n()
    options = fields.List(fields.Nested(Option), required=True, validate=validate.Length(min=2))


class Form(Schema):
    """A form the reader fills in. `code` is the fund's own code (AT01, ATS…), shown to the reader;
    a form without one has only an `id`, used by checklist documents to point at it."""

    id = fields.String(validate=SLUG)
    code = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9-]*$"))
    title = i18n()
    obtain = i18n()

    @validates_schema
    def named(self, data, **kwargs):
        if not data.get("id") and not data.get("code"):
            raise ValidationError("give the form's official code, or an id when it has none", "id")
        code = data.get("code")
        if code and "title" in data and any(re.search(rf"\b{re.escape(code)}\b", t) for t in data["title"].values()):
            raise ValidationError(f"the code {code} is shown next to the title: do not repeat it", "title")

    @post_load
    def key(self, data, **kwargs):
        data.setdefault("id", data["code"])  # what checklist documents refer to
        return data


class Deadline(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1000))
    unit = fields.String(
        required=True, validate=validate.OneOf(("hours", "days", "working_days", "months", "years"))
    )
    event = fields.String(required=True, validate=SLUG)
    kind = fields.String(load_default="max", validate=validate.OneOf(("max", "min")))
    event_label = i18n()
    text = i18n()


class Amount(Schema):
    value = fields.Float(required=True, validate=validate.Range(min=0))
    unit = fields.String(required=True, validate=validate.OneOf(("DZD", "percent", "SNMG")))
    per = fields.String(
        validate=validate.OneOf(("once", "day", "month", "year", "child_month", "child_year"))
    )
    text = i18n()


class Task(Schema):
    id = fields.String(required=True, validate=SLUG)
    title = i18n()
    summary = i18n()
    who = i18n()
    where = i18n()
    legal_basis = i18n(required=False)
    bookable = fields.Boolean(required=True)
    desk = fields.String(validate=validate.OneOf(DESKS))
    no_documents = fields.Boolean(load_default=False)
    conditions = fields.List(fields.Nested(TextItem), load_default=list)
    notes = fields.List(fields.Nested(TextItem), load_default=list)
    questions = fields.List(fields.Nested(Question), load_default=list, validate=validate.Length(max=2))
    checklist = fields.List(fields.Nested(ChecklistGroup), load_default=list)
    forms = fields.List(fields.Nested(Form), load_default=list)
    deadlines = fields.List(fields.Nested(Deadline), load_default=list)
    amounts = fields.List(fields.Nested(Amount), load_default=list)
    estimators = fields.List(fields.Nested(Estimator), load_default=list)  # catalog/estimators.py
    application = fields.Nested(OnlineApplication)  # online applications (catalog/applications.py)

    @validates_schema
    def consistent(self, data, **kwargs):
        errors = {}
        if data.get("bookable") and not data.get("desk"):
            errors["desk"] = ["required when the task is bookable"]
        if data.get("no_documents") and data.get("checklist"):
            errors["no_documents"] = ["true, but the task has a checklist"]
        if not data.get("no_documents") and not data.get("checklist"):
            errors["checklist"] = ["no documents: list them, or set no_documents = true"]
        options = [o["id"] for q in data.get("questions", []) for o in q["options"]]
        if len(options) != len(set(options)):
            errors["questions"] = ["option ids must be unique inside the task"]
        for i, group in enumerate(data.get("checklist", [])):
            if "when" in group and group["when"] not in options:
                errors[f"checklist[{i}].when"] = [f"{group['when']!r} is not an option of a question"]
        forms = data.get("forms", [])
        keys = [f["id"] for f in forms]
        codes = [f["code"] for f in forms if f["code"]]
        if len(keys) != len(set(keys)) or len(codes) != len(set(codes)):
            errors["forms"] = ["form ids and codes must be unique inside the task"]
        for i, group in enumerate(data.get("checklist", [])):
            for j, doc in enumerate(group["documents"]):
                if "form" in doc and doc["form"] not in keys:
                    errors[f"checklist[{i}].documents[{j}].form"] = [
                        f"{doc['form']!r} is not the id or code of one of the task's forms"
                    ]
        for code in sorted(set(_form_codes_in(data)) - {c.replace(" ", "") for c in codes}):
            errors.setdefault("forms", []).append(f"{code} is named in a text but not listed")
        if errors:
            raise ValidationError(errors)


def _form_codes_in(value):
    """Every form code like AT01 written in the texts of a task."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _form_codes_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _form_codes_in(v)
    elif isinstance(value, str):
        yield from (m.replace(" ", "") for m in FORM_CODE_IN_TEXT.findall(value))


class Service(Schema):
    id = fields.String(required=True, validate=SLUG)
    category = fields.String(required=True, validate=validate.OneOf(("insured", "employers", "others")))
    order = fields.Integer(required=True, strict=True)
    last_reviewed = fields.Date(required=True)
    title = i18n()
    summary = i18n()
    tasks = fields.List(fields.Nested(Task), required=True, validate=validate.Length(min=1))

    @validates_schema
    def consistent(self, data, **kwargs):
        tasks = data.get("tasks", [])
        ids = [t["id"] for t in tasks]
        if len(ids) != len(set(ids)):
            raise ValidationError("task ids must be unique inside the service", "tasks")
        listed = {f["code"].replace(" ", "") for t in tasks for f in t["forms"] if f["code"]}
        own_texts = [data.get("title"), data.get("summary")]
        for code in sorted(set(_form_codes_in(own_texts)) - listed):
            raise ValidationError(f"{code} is named in a text but not listed", "forms")


class Wilaya(Schema):
    code = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=58))
    name = i18n()


class Agency(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Z]{2,8}$"))
    kind = fields.String(
        required=True, validate=validate.OneOf(("head_office", "wilaya", "scheme", "clinic"))
    )
    wilaya = fields.Integer(required=True, strict=True)
    bookable = fields.Boolean(required=True)
    name = i18n()
    address = i18n()
    listening_phone = fields.String(
        required=True, validate=validate.Regexp(r"^0\d{2}( \d{2}){3}$", error="write 0XX XX XX XX")
    )
    phones = fields.List(
        fields.String(validate=validate.Regexp(r"^0\d{2}( \d{2}){3}$", error="write 0XX XX XX XX")),
        load_default=list,
    )
    email = fields.Email(required=True)


class AgenciesFile(Schema):
    agencies = fields.List(fields.Nested(Agency), required=True, validate=validate.Length(min=1))


def _phrase(**kw):
    return fields.String(validate=validate.Regexp(r"\s*\w", error="an empty phrase"), **kw)


class SynonymsFile(Schema):
    """Per language, the words people use → the words of the catalog they mean."""

    ar = fields.Dict(keys=_phrase(), values=_phrase(), load_default=dict)
    fr = fields.Dict(keys=_phrase(), values=_phrase(), load_default=dict)
    en = fields.Dict(keys=_phrase(), values=_phrase(), load_default=dict)


class WilayasFile(Schema):
    wilayas = fields.List(fields.Nested(Wilaya), required=True, validate=validate.Length(min=1))
