""""Come in to finish": from an application under review (or waiting for a document), staff
book a free time at their agency for the applicant, through the booking rules; the applicant
gets one SMS with day, time, agency and reference, and sees the visit on the status page.
Plain forms, no JavaScript."""

from datetime import datetime, timedelta
from types import SimpleNamespace

from test_applications_flow import PHONE, token
from test_applications_review import act, sent_application, staff_client
from webapp import clock
from webapp.applications import review
from webapp.booking import appointments
from webapp.clock import ALGIERS
from webapp.models import AgencySettings, Application, Appointment, AuditEntry, Closure, Message
from webapp.notify import texts
from webapp.staffing import settings


def open_agencies(app):
    with app.app_context():
        settings.open_agencies(app.extensions["catalog"], clock.now())


def under_review(app):
    """An application sent to agency 16 and under review, the applicant's client and a supervisor's."""
    open_agencies(app)
    applicant, application = sent_application(app)
    staff = staff_client(app)
    assert act(staff, application.reference, "review").status_code == 303
    return applicant, staff, Application.get()


def page_of(staff, reference, **query):
    return staff.get(f"/fr/staff/16/applications/{reference}", query_string=query)


def book(staff, reference, slot, page=None):
    page = page or page_of(staff, reference)
    return staff.post(f"/fr/staff/16/applications/{reference}/visit", data={"csrf_token": token(page), "slot": slot})


def visits():
    return list(Message.select().where(Message.kind == "app_visit"))


def test_a_double_submit_books_one_visit_and_queues_one_sms(app, db):
    _applicant, staff, application = under_review(app)
    page = page_of(staff, application.reference)
    times = [o["value"] for o in page.soup.select("#v-slot option")]
    assert times[0] == "2026-12-01T11:00"  # today, after the agency's minimum notice
    first = book(staff, application.reference, times[0], page)
    again = book(staff, application.reference, times[0], page)  # the same form sent twice
    assert first.status_code == 303 and first.location.endswith("?done=visit")
    assert again.status_code == 409
    assert "déjà réservé" in again.soup.find(class_="alert").get_text()
    booked = Appointment.get()
    assert Appointment.select().count() == 1 and Application.get().appointment == booked.id
    assert (booked.agency, booked.phone, booked.status, booked.task_id) == ("16", PHONE, "booked", application.task_id)
    assert booked.full_name == "Amina Benali" and booked.lang == "fr"
    kinds = [m.kind for m in Message.select().where(Message.appointment == booked.id)]
    assert kinds == ["app_visit"]  # this SMS instead of the booking's own confirmation, once
    body = visits()[0].body
    assert "01/12" in body and "11:00" in body and booked.reference in body and "Alger" in body
    audit = AuditEntry.select().where(AuditEntry.action == "application_visit")
    assert [(e.target, e.staff, e.agency) for e in audit] == [(application.reference, "super16", "16")]
    shown = staff.get(first.location).soup
    assert "11:00" in shown.select_one("dl[aria-labelledby=visit-title]").get_text()
    assert not shown.select("#v-slot")  # no second booking offered while this visit is to come


def test_the_slots_capacity_is_respected(app, db):
    _applicant, staff, application = under_review(app)
    AgencySettings.update(desks=1).where(AgencySettings.code == "16").execute()
    with app.app_context():
        appointments.book(app.extensions["catalog"], appointments.Request(
            agency="16", service_id=application.service_id, task_id=application.task_id,
            start=datetime(2026, 12, 2, 9, 0, tzinfo=ALGIERS), full_name="Karim Test", phone="0661000000",
            lang="fr"), clock.now())
    page = page_of(staff, application.reference, day="2026-12-02")
    offered = [o["value"] for o in page.soup.select("#v-slot option")]
    assert "2026-12-02T09:00" not in offered and "2026-12-02T09:15" in offered  # the full slot is not offered
    taken = book(staff, application.reference, "2026-12-02T09:00", page)
    assert taken.status_code == 409 and "vient d'être pris" in taken.soup.find(class_="alert").get_text()
    assert Appointment.select().count() == 1 and Application.get().appointment is None and visits() == []
    assert book(staff, application.reference, "2026-12-02T09:15", page).status_code == 303
    assert Appointment.select().where(Appointment.phone == PHONE).count() == 1


def test_staff_of_another_agency_cannot_book(app, db):
    _applicant, _staff, application = under_review(app)
    other = staff_client(app, "agent09", role="agent", agency="09")
    page = other.get("/fr/staff/09/applications")
    sent = {"csrf_token": token(page), "slot": "2026-12-02T09:00"}
    assert other.post(f"/fr/staff/16/applications/{application.reference}/visit", data=sent).status_code == 403
    assert other.post(f"/fr/staff/09/applications/{application.reference}/visit", data=sent).status_code == 404
    assert Appointment.select().count() == 0 and visits() == []


def test_only_while_under_review_or_missing_a_document(app, db):
    open_agencies(app)
    _applicant, application = sent_application(app)
    staff = staff_client(app)
    page = page_of(staff, application.reference)
    assert page.status_code == 200 and not page.soup.select("#v-slot")  # received: not yet
    refused = book(staff, application.reference, "2026-12-02T09:00", page)
    assert refused.status_code == 409 and Appointment.select().count() == 0
    act(staff, application.reference, "missing", kind="identity", reason="Le verso est flou")
    page = page_of(staff, application.reference)
    assert page.soup.select("#v-slot option")
    assert book(staff, application.reference, "2026-12-02T09:00", page).status_code == 303
    assert Application.get().status == "missing_document"  # the visit changes nothing else


def test_a_wrong_time_is_refused_clearly(app, db):
    _applicant, staff, application = under_review(app)
    for slot, words in (("demain", "Choisissez un horaire"), ("2026-12-02T09:07", "ne fait pas partie des horaires"),
                        ("2026-12-04T09:00", "ne reçoit pas le public")):  # a Friday
        refused = book(staff, application.reference, slot)
        assert refused.status_code == 422 and words in refused.soup.find(class_="alert").get_text(), slot
    assert Appointment.select().count() == 0


def test_no_free_time_in_the_next_days_is_said(app, db):
    _applicant, staff, application = under_review(app)
    today = datetime(2026, 12, 1).date()
    Closure.create(agency="16", first_day=today, last_day=today + timedelta(days=review.VISIT_DAYS + 3),
                   reason="Travaux")
    page = page_of(staff, application.reference)
    assert "Aucun créneau libre" in page.soup.find("h2", id="visit-title").find_next("p", class_="notice").get_text()
    assert "14 prochains jours" in page.get_data(as_text=True) and not page.soup.select("#v-slot")


def test_the_status_page_shows_the_visit(app, db):
    applicant, staff, application = under_review(app)
    assert book(staff, application.reference, "2026-12-02T09:30").status_code == 303
    booked = Appointment.get()
    from test_applications_flow import open_status
    status = applicant.get(open_status(applicant, application.reference).location)
    section = status.soup.find("section", attrs={"aria-labelledby": "visit-title"})
    text = section.get_text(" ", strip=True)
    assert "mercredi 2 décembre 2026 à 09:30" in text and "Alger" in text
    assert booked.reference[:4] in text
    link = section.find("a")["href"]
    assert link.startswith("/fr/manage") and booked.reference in link
    Appointment.update(status="cancelled", seat=None).where(Appointment.id == booked.id).execute()
    again = applicant.get(open_status(applicant, application.reference).location)
    assert again.soup.find("section", attrs={"aria-labelledby": "visit-title"}) is None  # a cancelled visit is gone


def test_the_visit_sms_fits_its_budget_for_every_agency(app, use_case):
    app.config["PUBLIC_URL"] = "https://rdv.cnas.dz"
    for agency in (a for a in app.extensions["catalog"].agencies if a["kind"] == "wilaya" and a["bookable"]):
        for lang in ("ar", "fr", "en"):
            visit = SimpleNamespace(lang=lang, reference="ABCDEFGHK", starts_at=datetime(2026, 12, 31, 22, 45))
            text = texts.visit_text(visit, agency)
            assert texts.segments(text) <= (("ucs2", 2) if lang == "ar" else ("gsm7", 1)), (lang, text)
            assert "ABCDEFGHK" in text and "31/12" in text and "23:45" in text, text
