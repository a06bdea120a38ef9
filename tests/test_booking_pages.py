"""The booking pages without JavaScript: steps, errors, confirmation, calendar, manage."""


import icalendar
import pytest

from phone_codes import type_code
from webapp import demo
from webapp.models import Appointment

START = "/fr/book/death-grant/claim-death-grant"
PERSON = {"full_name": "Amina Test", "phone": "0550 12 34 56"}


@pytest.fixture
def pages(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def hidden(soup, form_selector="form[method=post]"):
    form = soup.select(form_selector)[-1]
    return form["action"], {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def book(client, time="11:00", date="2026-12-02", agency="16", person=PERSON):
    soup = client.get(f"{START}?agency={agency}&date={date}&time={time}").soup
    action, fields = hidden(soup)
    review = client.post(action, data={**fields, **person})
    assert review.status_code == 200, review.soup.select(".error")
    action, fields = hidden(review.soup)
    return client.post(action, data=fields), fields


def test_steps_appear_one_after_another(pages):
    def steps(url):
        return [h["id"] for h in pages.get(url).soup.select("h2[id^=step-]")]

    assert steps(START) == ["step-agency"]
    assert steps(f"{START}?agency=16") == ["step-agency", "step-day"]
    assert steps(f"{START}?agency=16&date=2026-12-02") == ["step-agency", "step-day", "step-time"]
    assert steps(f"{START}?agency=16&date=2026-12-02&time=11:00")[-1] == "step-details"


def test_agency_choice_is_remembered(pages):
    cookie = pages.get(f"{START}?agency=31").headers["Set-Cookie"]
    assert cookie.startswith("agency=31;") and "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert pages.get(START).soup.select_one("#agency-choice option[selected]")["value"] == "31"


def test_full_times_are_disabled_and_closed_days_explained(pages):
    soup = pages.get(f"{START}?agency=09&date=2026-12-02").soup
    assert soup.select_one("input[name=time][value='10:00']").has_attr("disabled")
    friday = pages.get(f"{START}?agency=09&date=2026-12-04").soup
    assert "ne reçoit pas le public" in friday.select_one("#booking .error").get_text()
    assert not friday.select("#step-time")


def test_htmx_gets_the_steps_fragment(pages):
    response = pages.get(f"{START}?agency=16", headers={"HX-Request": "true", "HX-Target": "booking"})
    assert response.get_data(as_text=True).lstrip().startswith('<div id="booking"')


def test_book_then_see_confirmation_calendar_and_qr(pages):
    confirmed, _ = book(pages)
    assert confirmed.status_code == 303
    held = pages.get(confirmed.location).soup
    assert held.h1.get_text() == "Confirmez votre rendez-vous" and not held.select("img.qr")
    assert type_code(pages, confirmed.location).status_code == 303
    page = pages.get(confirmed.location)
    soup = page.soup
    reference = soup.select_one(".reference strong").get_text().replace("-", "")
    assert Appointment.get(Appointment.reference == reference).full_name == "Amina Test"
    assert "mercredi 2 décembre 2026 à 11:00" in soup.select_one(".summary").get_text()
    assert soup.select("#checklist li") and page.headers["Cache-Control"] == "no-store"
    ics = pages.get(soup.find("a", string="Ajouter à mon agenda")["href"])
    event = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert event.decoded("dtstart").isoformat() == "2026-12-02T11:00:00+01:00"
    assert str(event.get("dtstart").params["TZID"]) == "Africa/Algiers"
    qr = pages.get(soup.select_one("img.qr")["src"])
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_pages_with_personal_data_are_never_stored(pages):
    """Name, phone, reference: no browser cache or proxy may keep them."""
    action, fields = hidden(pages.get(f"{START}?agency=16&date=2026-12-02&time=11:00").soup)
    seen = {"review": pages.post(action, data={**fields, **PERSON})}
    action, fields = hidden(seen["review"].soup)
    confirmed = pages.post(action, data=fields)
    reference = confirmed.location.rsplit("/", 1)[1]
    seen["held"] = pages.get(confirmed.location)
    seen["wrong code"] = pages.post(f"/fr/appointments/{reference}/code", data={"code": "000000", **fields})
    type_code(pages, confirmed.location)
    seen["confirmation"] = page = pages.get(confirmed.location)
    seen["calendar"] = pages.get(page.soup.find("a", string="Ajouter à mon agenda")["href"])
    seen["QR code"] = pages.get(page.soup.select_one("img.qr")["src"])
    seen["reschedule"] = pages.get(f"/fr/appointments/{reference}/reschedule?date=2026-12-03&time=09:00")
    _, fields = hidden(pages.get("/fr/manage").soup)
    unknown = {**fields, "reference": "ABCD-EFGH-2", "phone": "0550123456"}
    seen["manage: not found"] = pages.post("/fr/manage", data=unknown)
    assert {name: r.headers.get("Cache-Control") for name, r in seen.items()} == dict.fromkeys(seen, "no-store")


def test_double_submit_books_once(pages):
    first, fields = book(pages)
    again = pages.post(f"{START}/confirm", data=fields)
    assert again.status_code == 303 and again.location == first.location
    assert Appointment.select().where(Appointment.phone == "0550123456").count() == 1


def test_details_errors_are_translated_and_keep_the_input(pages):
    soup = pages.get(f"{START}?agency=16&date=2026-12-02&time=11:00").soup
    action, fields = hidden(soup)
    response = pages.post(action, data={**fields, "full_name": "Amina", "phone": "12345"})
    assert response.status_code == 422
    assert "commençant par 05, 06 ou 07" in response.soup.select_one("#f-phone-error").get_text()
    assert response.soup.select_one("#f-full_name")["value"] == "Amina"
    assert response.soup.select_one("#f-phone")["aria-invalid"] == "true"


def test_slot_taken_before_confirm_shows_alternatives(pages):
    soup = pages.get(f"{START}?agency=09&date=2026-12-02&time=11:00").soup
    action, fields = hidden(soup)
    review = pages.post(action, data={**fields, **PERSON})
    action, fields = hidden(review.soup)
    fields["time"] = "10:00"  # taken meanwhile (full in the demo data)
    taken = pages.post(action, data=fields)
    assert taken.status_code == 409
    assert "vient d’être pris" in taken.soup.select_one("#problem").get_text()
    assert taken.soup.select("#problem .slots-alt a")


def test_confirmation_is_private_to_the_browser_that_booked(app, pages):
    confirmed, _ = book(pages)
    stranger = app.test_client()
    response = stranger.get(confirmed.location)
    assert response.status_code == 302 and response.location.endswith("/fr/manage")


def test_manage_lookup_cancel_and_reschedule(app, pages):
    confirmed, _ = book(pages)
    type_code(pages, confirmed.location)
    reference = confirmed.location.rsplit("/", 1)[1]
    other = app.test_client()
    _, fields = hidden(other.get("/fr/manage").soup)
    found = other.post("/fr/manage", data={**fields, "reference": reference.lower(), "phone": "+213550123456"})
    assert found.status_code == 303
    move = other.get(f"/fr/appointments/{reference}/reschedule?date=2026-12-03&time=09:00").soup
    action, fields = hidden(move)
    assert other.post(action, data=fields).status_code == 303
    assert "jeudi 3 décembre 2026 à 09:00" in other.get(found.location).soup.select_one(".summary").get_text()
    ask = other.get(found.location).soup.select_one("a[href$=cancel]")["href"]  # a link, which cancels nothing
    assert Appointment.get(Appointment.reference == reference).status == "booked"
    confirm = other.get(ask).soup
    assert confirm.h1.get_text() == "Annuler ce rendez-vous ?"
    action, fields = hidden(confirm, "form[action$=cancel]")
    assert other.post(action, data=fields).status_code == 303
    cancelled = other.get(found.location).soup
    assert cancelled.h1.get_text() == "Rendez-vous annulé"
    assert cancelled.select_one("img.qr") is None  # nothing to show at the agency any more
    assert cancelled.find("a", string="Reprendre rendez-vous")["href"] == START
    assert other.get(ask).status_code == 303  # already cancelled: back to the appointment


def test_manage_answers_alike_and_is_rate_limited(app, pages):
    confirmed, _ = book(pages)
    reference = confirmed.location.rsplit("/", 1)[1]
    _, fields = hidden(pages.get("/fr/manage").soup)
    wrong_phone = pages.post("/fr/manage", data={**fields, "reference": reference, "phone": "0550000000"})
    unknown = pages.post("/fr/manage", data={**fields, "reference": "ABCD-EFGH-2", "phone": "0550123456"})
    assert wrong_phone.status_code == unknown.status_code == 404
    assert wrong_phone.soup.select_one(".alert").get_text() == unknown.soup.select_one(".alert").get_text()
    statuses = [pages.post("/fr/manage", data={**fields, "reference": reference, "phone": "0550000000"}).status_code
                for _ in range(6)]
    assert 429 in statuses


def test_task_page_offers_booking_only_when_bookable(pages):
    bookable = pages.get("/fr/services/death-grant/claim-death-grant").soup
    assert bookable.find("a", string="Prendre rendez-vous")
    info = pages.get("/fr/services/long-term-illnesses/list-of-26-illnesses").soup
    assert not info.find("a", string="Prendre rendez-vous")
    assert pages.get("/fr/book/long-term-illnesses/list-of-26-illnesses").status_code == 404


def test_post_without_csrf_is_refused(pages):
    response = pages.post(f"{START}/review", data={"agency": "16", **PERSON})
    assert response.status_code == 400


def test_form_errors_come_with_a_summary_that_says_what_to_do(pages):
    """GOV.UK: "Error:" in the title, a focused summary linking to each field, and messages
    that say what to do, not only that a field is required."""
    action, fields = hidden(pages.get(f"{START}?agency=16&date=2026-12-02&time=11:00").soup)
    answer = pages.post(action, data={**fields, "full_name": "", "phone": "12"})
    assert answer.status_code == 422
    assert answer.soup.title.string.startswith("Erreur :")
    summary = answer.soup.select_one(".error-summary[role=alert][autofocus]")
    links = {a["href"]: a.get_text() for a in summary.select("a")}
    assert set(links) == {"#f-full_name", "#f-phone"} and all(answer.soup.select_one(h) for h in links)
    assert links["#f-full_name"] == answer.soup.select_one("#f-full_name-error").get_text()
    assert "nom" in links["#f-full_name"].lower() and "obligatoire" not in links["#f-full_name"]


def test_the_if_taken_question_is_only_for_requests_kept_offline(pages):
    details = pages.get(f"{START}?agency=16&date=2026-12-02&time=11:00").soup
    question = details.find("legend", string="Si cet horaire est pris avant l’arrivée de votre demande")
    fieldset = question.find_parent("fieldset")
    assert fieldset.has_attr("hidden") and fieldset.has_attr("data-offline-only")  # app.js shows it offline


def test_agencies_read_by_place_and_the_chosen_one_is_shown_in_full(pages):
    soup = pages.get(f"{START}?agency=16").soup
    options = [o.get_text() for o in soup.select("#agency-choice option")][1:]
    assert "Blida (09)" in options and "Alger — régime général (16)" in options
    assert "Alger — régime des fonctionnaires (16)" in options  # the two Algiers agencies told apart
    shown = soup.select_one("#agency-choice").find_parent("form").select_one(".hint").get_text()
    assert shown.startswith("Agence CNAS d'Alger — régime général · ")
    arabic = pages.get("/ar/book/death-grant/claim-death-grant?agency=09").soup
    assert "البليدة (09)" in [o.get_text() for o in arabic.select("#agency-choice option")]
