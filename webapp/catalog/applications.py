"""Online applications as the content declares them: a task's `[tasks.application]` names its
questions (one a page), the documents to upload and the declaration the person signs.

The documents to upload are the task's checklist narrowed by the person's answers (one upload
a document), followed by the application's own documents. Pure: no Flask, no database.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .checklist import document_key, narrow

KINDS = ("choice", "text", "email")
PHONES = ("algerian", "international")  # which mobile numbers the application accepts

EMAIL = validate.Email()
SLUG = validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="use lowercase words joined by '-'")


def _text_schema():
    from .schema import I18nText  # the one definition of a text in three languages (imports this module)

    return I18nText()


def _i18n(required=True):
    return fields.Nested(_text_schema, required=required)


class Choice(Schema):
    id = fields.String(required=True, validate=SLUG)
    label = _i18n()


class Question(Schema):
    """One page: a choice among options, a short text, or an e-mail address."""

    id = fields.String(required=True, validate=SLUG)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    text = _i18n()
    hint = _i18n(required=False)
    options = fields.List(fields.Nested(Choice), load_default=list)
    max_length = fields.Integer(load_default=120, strict=True, validate=validate.Range(min=2, max=500))

    @validates_schema
    def options_for_choices(self, data, **kwargs):
        if data.get("kind") == "choice" and len(data.get("options", [])) < 2:
            raise ValidationError("a choice needs at least 2 options", "options")
        if data.get("kind") != "choice" and data.get("options"):
            raise ValidationError(f"a {data.get('kind')} question has no options", "options")


class Upload(Schema):
    """A document the application asks for besides the checklist."""

    id = fields.String(required=True, validate=SLUG)
    text = _i18n()
    hint = _i18n(required=False)
    required = fields.Boolean(load_default=True)
    max_files = fields.Integer(load_default=2, strict=True, validate=validate.Range(min=1, max=10))


class OnlineApplication(Schema):
    """`[tasks.application]`: the task accepts online applications."""

    questions = fields.List(fields.Nested(Question), load_default=list, validate=validate.Length(max=10))
    documents = fields.List(fields.Nested(Upload), load_default=list, validate=validate.Length(max=10))
    checklist_uploads = fields.Boolean(load_default=True)  # one upload a narrowed checklist document
    declaration = _i18n()
    # "international": a mobile number abroad is accepted too (+ or 00 and the country code)
    phones = fields.String(load_default="algerian", validate=validate.OneOf(PHONES))
    agency_hint = _i18n(required=False)  # the agency page's hint, where "where you live" reads oddly

    @validates_schema
    def unique_ids(self, data, **kwargs):
        for name in ("questions", "documents"):
            ids = [item["id"] for item in data.get(name, [])]
            if len(ids) != len(set(ids)):
                raise ValidationError("ids must be unique", name)


def accepts(task: dict) -> bool:
    """Whether the task takes online applications."""
    return bool(task.get("application"))


def international(task: dict) -> bool:
    """Whether the application takes a mobile number abroad (its `phones` setting)."""
    return task["application"]["phones"] == "international"


def online_tasks(catalog) -> list[tuple[dict, dict]]:
    """(service, task) of every procedure that takes online applications."""
    return [(s, t) for s in catalog.services for t in s["tasks"] if accepts(t)]


def questions(task: dict) -> list[dict]:
    """Every question page in order: the task's narrowing questions, then the application's own."""
    narrowing = [{**q, "kind": "choice", "options": q["options"], "narrowing": True} for q in task["questions"]]
    return narrowing + task["application"]["questions"]


def valid_answer(question: dict, value: str) -> str | None:
    """The answer if it is valid for the question (an option id, a short text, an e-mail
    address), else None."""
    value = " ".join(str(value or "").split())
    if question["kind"] == "choice":
        return value if value in {o["id"] for o in question["options"]} else None
    if question["kind"] == "email":
        try:
            EMAIL(value)
        except ValidationError:
            return None
    return value if 0 < len(value) <= question["max_length"] else None


def uploads(task: dict, answers: dict[str, str]) -> list[dict]:
    """The documents to upload for these answers: {id, text, hint, required, max_files}."""
    found = []
    if task["application"]["checklist_uploads"]:
        narrowing = {q["id"]: answers[q["id"]] for q in task["questions"] if q["id"] in answers}
        for group in narrow(task, narrowing):
            for document in group["documents"]:
                found.append({"id": document_key(document), "text": document["text"], "hint": None,
                              "required": True, "max_files": 2})
    found += [{"hint": None, **d} for d in task["application"]["documents"]]
    return found


def answer_label(question: dict, value: str, lang: str) -> str:
    """What the person answered, as "Check your answers" shows it."""
    for option in question.get("options", ()):
        if option["id"] == value:
            return option["label"][lang]
    return value
