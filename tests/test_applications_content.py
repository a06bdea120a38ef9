"""Which tasks take online applications, their questions and documents, come from content/
and are validated at load, with the file and the field named."""

import pytest

from webapp.catalog import ContentError, load_catalog
from webapp.catalog import applications as content
from webapp.catalog.checklist import document_key

FILE = "services/voluntary-affiliation.toml"


def test_voluntary_affiliation_takes_online_applications(app):
    catalog = app.extensions["catalog"]
    online = [(s["id"], t["id"]) for s, t in content.online_tasks(catalog)]
    assert ("voluntary-affiliation", "join-voluntary-affiliation") in online
    _service, task = catalog.task("voluntary-affiliation", "join-voluntary-affiliation")
    assert [q["id"] for q in content.questions(task)] == ["work-status", "activity", "full-name"]
    assert [(u["id"], u["required"]) for u in content.uploads(task, {})] == [("identity", False)]


def break_it(content_dir, old, new, file=FILE):
    path = content_dir / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as caught:
        load_catalog(content_dir)
    return str(caught.value)


def test_a_missing_translation_is_named(content):
    problems = break_it(content, 'declaration.en = "I declare', 'declaration.xx = "I declare')
    assert FILE in problems and "application.declaration.en" in problems


def test_a_choice_needs_two_options_and_a_text_none(content):
    path = content / FILE
    text = path.read_text()
    start = text.index('[[tasks.application.questions.options]]\nid = "employee"')
    path.write_text(text[:start] + text[text.index("\n\n", start):])  # the second option gone
    with pytest.raises(ContentError, match=r"application.questions\[0\].options: a choice needs at least 2"):
        load_catalog(content)
    path.write_text(text)
    problems = break_it(content, 'kind = "choice"', 'kind = "text"')
    assert "application.questions[0].options: a text question has no options" in problems


def test_ids_must_be_unique(content):
    problems = break_it(content, 'id = "full-name"', 'id = "activity"')
    assert "application.questions" in problems and "unique" in problems


def test_documents_come_from_the_narrowed_checklist_then_the_applications_own():
    def text(en):
        return {"ar": "نص", "fr": en, "en": en}
    task = {
        "questions": [{"id": "who", "text": text("Who?"),
                       "options": [{"id": "salaried", "label": text("Employee")},
                                   {"id": "retired", "label": text("Retired")}]}],
        "checklist": [{"documents": [{"text": text("Card")}]},
                      {"when": "retired", "documents": [{"text": text("Pension slip")}]}],
        "application": {"checklist_uploads": True, "questions": [],
                        "documents": [{"id": "extra", "text": text("Other"), "required": False, "max_files": 1}]},
    }
    card = document_key({"text": {"en": "Card"}})
    slip = document_key({"text": {"en": "Pension slip"}})
    assert [u["id"] for u in content.uploads(task, {"who": "salaried"})] == [card, "extra"]
    assert [u["id"] for u in content.uploads(task, {"who": "retired"})] == [card, slip, "extra"]
    assert content.valid_answer(content.questions(task)[0], "retired") == "retired"
    assert content.valid_answer(content.questions(task)[0], "astronaut") is None


DIASPORA = "services/diaspora-affiliation.toml"


def test_the_diaspora_affiliation_takes_online_applications_from_abroad(app):
    catalog = app.extensions["catalog"]
    _service, task = catalog.task("diaspora-affiliation", "join-from-abroad-online")
    assert content.accepts(task) and not task["bookable"]
    application = task["application"]
    assert [(q["id"], q["kind"]) for q in content.questions(task)] == [
        ("country", "text"), ("consulate", "text"), ("work-status", "choice"), ("work", "text"),
        ("full-name", "text"), ("email", "email")]
    assert [(u["id"], u["required"], u["max_files"]) for u in content.uploads(task, {})] == [
        ("identity", True, 2), ("consular-card", True, 2), ("work-proof", True, 3)]  # not the checklist's
    texts = [application["declaration"], application["agency_hint"]]
    texts += [q[k] for q in application["questions"] for k in ("text", "hint") if k in q]
    texts += [o["label"] for q in application["questions"] for o in q["options"]]
    texts += [u[k] for u in application["documents"] for k in ("text", "hint")]
    for text in texts:
        assert all(text[lang].strip() for lang in ("ar", "fr", "en")), text
    assert application["phones"] == "international"
    _service, voluntary = catalog.task("voluntary-affiliation", "join-voluntary-affiliation")
    assert voluntary["application"]["phones"] == "algerian" and "agency_hint" not in voluntary["application"]


def test_the_diaspora_task_says_what_the_app_does_and_does_not(app):
    _service, task = app.extensions["catalog"].task("diaspora-affiliation", "join-from-abroad-online")
    where = task["where"]["en"]
    assert "send your application" in where and "teledeclaration.cnas.dz" in where and "no payment" in where
    assert "cannot sign you up" not in where
    notes = " ".join(n["text"]["en"] for n in task["notes"])
    assert "does not say exactly which proofs" in notes


def test_an_e_mail_answer_must_be_an_address():
    question = {"id": "email", "kind": "email", "max_length": 254}
    assert content.valid_answer(question, " a.b@example.fr ") == "a.b@example.fr"
    for wrong in ("a.b", "a@b", "a b@example.fr", "@example.fr", ""):
        assert content.valid_answer(question, wrong) is None, wrong


def test_the_phones_option_and_the_email_kind_are_checked(content):
    problems = break_it(content, 'phones = "international"', 'phones = "everywhere"', DIASPORA)
    assert DIASPORA in problems and "application.phones" in problems
    problems = break_it(content, 'kind = "email"', 'kind = "e-mail"', DIASPORA)
    assert "application.questions[5].kind" in problems


def test_a_missing_agency_hint_translation_is_named(content):
    problems = break_it(content, "agency_hint.ar =", "agency_hint.xx =", DIASPORA)
    assert DIASPORA in problems and "application.agency_hint.ar" in problems
