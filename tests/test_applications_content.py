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


def break_it(content_dir, old, new):
    path = content_dir / FILE
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
