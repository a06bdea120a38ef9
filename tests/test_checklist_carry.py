"""The checklist answers of the task page go with the booking: carried through every step as
hidden fields, kept with the appointment, and its pages and calendar list only the documents
that apply to them. Unknown answers are dropped, never a 500."""

import json
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from phone_codes import type_code
from webapp import demo
from webapp.booking.ics import appointment_ics
from webapp.clock import from_utc
from webapp.models import Appointment

TASK = "/fr/services/work-accident/declare-work-accident"
START = "/fr/book/work-accident/declare-work-accident"
SLOT = "agency=16&date=2026-12-02&time=11:00"
PERSON = {"full_name": "Amina Test", "phone": "0550 12 34 56"}


@pytest.fixture
def pages(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


@pytest.fixture
def commuting_documents(app):
    """The French texts of the documents asked only after a commuting accident."""
    _, task = app.extensions["catalog"].task("work-accident", "declare-work-accident")
    texts = [d["text"]["fr"] for g in task["checklist"] if g.get("when") == "commuting-yes" for d in g["documents"]]
    assert texts
    return texts


def answers_in(form) -> dict:
    return {i["name"]: i["value"] for i in form.select("input[type=hidden]") if i["name"] == "commuting"}


def stored(page) -> str | None:
    """The answers kept with the appointment whose page this is."""
    return Appointment.get(Appointment.reference == page.request.path.rsplit("/", 1)[1]).checklist_answers


def book(client, answers: str):
    """Book through the pages with these answers in the first URL; the confirmed page."""
    soup = client.get(f"{START}?{SLOT}&{answers}").soup
    form = soup.select("form[method=post]")[-1]
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    review = client.post(form["action"], data={**fields, **PERSON})
    assert review.status_code == 200
    form = review.soup.select("form[method=post]")[-1]
    confirmed = client.post(form["action"], data={i["name"]: i.get("value", "") for i in form.select("input")})
    assert confirmed.status_code == 303
    type_code(client, confirmed.location)
    return client.get(confirmed.location)


def test_book_links_of_the_task_page_carry_the_answers(pages):
    links = pages.get(f"{TASK}?commuting=commuting-yes").soup.select("a[data-book]")
    assert len(links) == 2
    assert all(parse_qs(urlsplit(a["href"]).query) == {"commuting": ["commuting-yes"]} for a in links)
    unknown = pages.get(f"{TASK}?commuting=evil&x=1").soup.select("a[data-book]")
    assert all(urlsplit(a["href"]).query == "" for a in unknown)


def test_every_step_keeps_the_answers(pages):
    for url in (f"{START}?commuting=commuting-no", f"{START}?agency=16&commuting=commuting-no",
                f"{START}?agency=16&date=2026-12-02&commuting=commuting-no", f"{START}?{SLOT}&commuting=commuting-no"):
        soup = pages.get(url).soup
        forms = soup.select("#booking form")
        assert forms and all(answers_in(f) == {"commuting": "commuting-no"} for f in forms), url
        for tile in soup.select(".days a"):
            assert "commuting=commuting-no" in tile["href"]
    review = pages.post(f"{START}/review", data={**PERSON, "agency": "16", "date": "2026-12-02", "time": "11:00",
                                                 "commuting": "commuting-no",
                                                 "csrf_token": pages.get(f"{START}?{SLOT}").soup.select_one(
                                                     "input[name=csrf_token]")["value"]})
    assert answers_in(review.soup.select("form[method=post]")[-1]) == {"commuting": "commuting-no"}
    assert "commuting=commuting-no" in review.soup.find("a", string="Modifier quelque chose")["href"]


def test_details_with_errors_keep_the_answers(pages):
    soup = pages.get(f"{START}?{SLOT}&commuting=commuting-yes").soup
    form = soup.select("form[method=post]")[-1]
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    again = pages.post(form["action"], data={**fields, "full_name": "", "phone": "12"})
    assert again.status_code == 422
    assert answers_in(again.soup.select("form[method=post]")[-1]) == {"commuting": "commuting-yes"}


def test_the_appointment_and_its_calendar_list_only_the_documents_that_apply(pages, commuting_documents):
    page = book(pages, "commuting=commuting-no")
    assert json.loads(stored(page)) == {"commuting": "commuting-no"}
    listed = page.soup.select_one("#checklist").get_text()
    assert len(page.soup.select("#checklist li")) == 2
    assert not any(text in listed for text in commuting_documents)
    ics = pages.get(page.soup.find("a", string="Ajouter à mon agenda")["href"])
    description = str(icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]["description"])
    assert not any(text in description for text in commuting_documents)


def test_a_commuting_accident_gets_its_police_report_listed(pages, commuting_documents):
    page = book(pages, "commuting=commuting-yes")
    assert all(text in page.soup.select_one("#checklist").get_text() for text in commuting_documents)
    ics = pages.get(page.soup.find("a", string="Ajouter à mon agenda")["href"])
    description = str(icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]["description"])
    assert all(text in description for text in commuting_documents)


def test_unknown_answers_are_dropped_not_stored(pages, commuting_documents):
    soup = pages.get(f"{START}?{SLOT}&commuting=%3Cscript%3E&agency-x=1").soup
    assert all(answers_in(f) == {} for f in soup.select("#booking form"))
    page = book(pages, "commuting=nonsense")
    assert stored(page) is None
    assert all(text in page.soup.select_one("#checklist").get_text() for text in commuting_documents)


def test_a_forged_form_answer_is_checked_against_the_task(pages):
    soup = pages.get(f"{START}?{SLOT}&commuting=commuting-yes").soup
    form = soup.select("form[method=post]")[-1]
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    review = pages.post(form["action"], data={**fields, **PERSON})
    form = review.soup.select("form[method=post]")[-1]
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    confirmed = pages.post(form["action"], data={**fields, "commuting": "married", "marital": "married"})
    assert confirmed.status_code == 303
    assert stored(pages.get(confirmed.location)) is None


def api_booking(client, answers, key="k-answers"):
    body = {"agency": "16", "service": "work-accident", "task": "declare-work-accident", "date": "2026-12-02",
            "time": "11:00", "full_name": "Amina Test", "phone": "0550123456", "answers": answers}
    return client.post("/api/v1/appointments", json=body, headers={"Idempotency-Key": key})


def test_the_api_takes_answers_keeps_the_valid_ones_and_says_so(pages):
    created = api_booking(pages, {"commuting": "commuting-yes", "marital": "married", "x": "y"})
    assert created.status_code == 201, created.json
    assert created.json["answers"] == {"commuting": "commuting-yes"}
    found = Appointment.get(Appointment.reference == created.json["reference"])
    assert json.loads(found.checklist_answers) == {"commuting": "commuting-yes"}


@pytest.mark.parametrize("answers", [["commuting-yes"], {"commuting": 1}, {"commuting": None}, "commuting-yes",
                                     {f"q{i}": "x" for i in range(11)}, {"commuting": "x" * 65}])
def test_the_api_refuses_malformed_answers_with_a_422(pages, answers):
    response = api_booking(pages, answers)
    assert response.status_code == 422 and "answers" in response.json["error"]["fields"]


def test_the_openapi_document_describes_the_answers(pages):
    spec = pages.get("/api/v1/openapi.json").json
    assert spec["components"]["schemas"]["BookingRequest"]["properties"]["answers"]["type"] == "object"
    assert "answers" in spec["components"]["schemas"]["Appointment"]["properties"]


def test_book_again_after_cancelling_keeps_the_answers(pages):
    page = book(pages, "commuting=commuting-yes")
    reference = page.request.path.rsplit("/", 1)[1]
    cancel = pages.get(f"/fr/appointments/{reference}/cancel").soup.select_one("form[method=post]")
    pages.post(cancel["action"], data={i["name"]: i.get("value", "") for i in cancel.select("input")})
    again = pages.get(f"/fr/appointments/{reference}").soup.find("a", string="Reprendre rendez-vous")
    assert parse_qs(urlsplit(again["href"]).query) == {"commuting": ["commuting-yes"]}


def test_no_question_of_the_catalog_is_named_like_a_booking_field(app):
    """Answers travel as query arguments named after the question: none may hide a booking field."""
    fields = {"agency", "date", "time", "q", "key", "fallback", "full_name", "phone", "email", "ssn", "csrf_token",
              "service", "task", "queued", "answers", "reference", "code"}
    questions = {q["id"] for s in app.extensions["catalog"].services for t in s["tasks"] for q in t["questions"]}
    assert questions and not questions & fields


def test_the_calendar_file_of_the_email_lists_only_the_documents_that_apply(app, pages, commuting_documents):
    """The worker attaches the .ics to the confirmation e-mail: it narrows the documents too,
    whatever checklist its caller passes."""
    created = api_booking(pages, {"commuting": "commuting-no"})
    appointment = Appointment.get(Appointment.reference == created.json["reference"])
    _, task = app.extensions["catalog"].task("work-accident", "declare-work-accident")
    context = {"appointment": appointment, "agency": app.extensions["catalog"].agency("16"), "task": task,
               "start": from_utc(appointment.starts_at), "groups": task["checklist"], "display": appointment.reference}
    event = icalendar.Calendar.from_ical(appointment_ics(context, lang="fr")).walk("VEVENT")[0]
    description = str(event["description"])
    assert not any(text in description for text in commuting_documents)
    assert task["checklist"][0]["documents"][0]["text"]["fr"] in description
