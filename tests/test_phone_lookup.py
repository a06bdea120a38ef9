"""The "I have no reference" / "I did not book this" pages: the owner of a phone proves it with
an SMS code, then sees and cancels every appointment to come on it (held by a stranger or not)."""

from datetime import timedelta

import pytest

from phone_codes import latest_code
from webapp import demo
from webapp.models import Appointment, Message

OWNER = "0661234567"  # the owner's number, which a stranger gives when booking
STRANGER = {"full_name": "Someone Else", "phone": "0661 23 45 67"}
DEATH_GRANT = "/en/book/death-grant/claim-death-grant"
FAMILY = "/en/book/family-allowances/apply-family-allowances"
BLIDA_11 = {"agency": "09", "date": "2026-12-02", "time": "11:00"}  # two desks at agency 09


@pytest.fixture
def pages(app, db, client):
    demo.load(app.extensions["catalog"])
    return client


def form_of(soup, action_end: str):
    """The action and the hidden fields (CSRF token included) of the form posting to ...`action_end`."""
    form = soup.find("form", action=lambda a: a and a.endswith(action_end))
    assert form is not None, f"no form posting to …{action_end}"
    return form["action"], {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def hold(client, start: str, slot=BLIDA_11, person=STRANGER) -> str:
    """Book from the public pages (a hold waiting for its code); the reference."""
    action, fields = form_of(client.get(start, query_string=slot).soup, "/review")
    review = client.post(action, data={**fields, **person})
    action, fields = form_of(review.soup, "/confirm")
    booked = client.post(action, data=fields)
    assert booked.status_code == 303, booked.status_code
    return booked.location.rsplit("/", 1)[1]


def ask_code(client, phone: str):
    """Type a phone number on the first step; the answer."""
    action, fields = form_of(client.get("/en/manage/phone").soup, "/manage/phone")
    return client.post(action, data={**fields, "phone": phone})


def type_code(client, page, code: str):
    """On the code step `page`, type `code`; the answer."""
    action, fields = form_of(page.soup, "/manage/phone/code")
    return client.post(action, data={**fields, "code": code})


def prove(client, phone: str = OWNER):
    """Prove `phone` with the code of its SMS; the list page."""
    answer = type_code(client, ask_code(client, phone), latest_code(phone))
    assert answer.status_code == 303 and answer.location == "/en/manage/phone/appointments"
    return client.get(answer.location)


def listed(page) -> list[str]:
    """The references shown on the list page, as printed."""
    return [li.select_one("dd strong[dir=ltr]").get_text() for li in page.soup.select("main li")]


def eleven_is_free(client) -> bool:
    soup = client.get(DEATH_GRANT, query_string={"agency": "09", "date": "2026-12-02"}).soup
    return not soup.select_one("input[name=time][value='11:00']").has_attr("disabled")


def test_the_owner_cancels_what_a_stranger_booked_with_their_number(app, pages):
    stranger = app.test_client()
    references = [hold(stranger, DEATH_GRANT), hold(stranger, FAMILY)]
    assert {a.status for a in Appointment.select().where(Appointment.phone == OWNER)} == {"held"}
    assert not eleven_is_free(pages)  # the two holds took both desks
    link = pages.get("/en/manage").soup.find("a", href="/en/manage/phone")
    assert link.get_text() == "No reference, or a booking you did not make?"
    code_page = ask_code(pages, "+213 661 23 45 67")
    assert code_page.status_code == 200 and code_page.headers["Cache-Control"] == "no-store"
    assert code_page.soup.select_one("input[name=phone]")["value"] == OWNER
    sms = Message.select().where(Message.recipient == OWNER).order_by(Message.id.desc()).first()
    assert sms.kind == "code" and sms.channel == "sms"
    answer = type_code(pages, code_page, latest_code(OWNER))
    assert answer.status_code == 303
    page = pages.get(answer.location)
    assert page.headers["Cache-Control"] == "no-store"
    assert sorted(listed(page)) == sorted(f"{r[:4]}-{r[4:8]}-{r[8:]}" for r in references)
    assert [p.get_text() for p in page.soup.select("main li .state")] == ["To confirm", "To confirm"]
    assert "Wednesday 2 December 2026 at 11:00" in page.soup.select_one("main li .summary").get_text()
    for reference in references:
        action, fields = form_of(page.soup, f"/{reference}/cancel")
        cancelled = pages.post(action, data=fields)
        assert cancelled.status_code == 303 and cancelled.headers["Cache-Control"] == "no-store"
        page = pages.get(cancelled.location)
        display = f"{reference[:4]}-{reference[4:8]}-{reference[8:]}"
        assert page.soup.select_one("main .notice[role=status] bdi[dir=ltr]").get_text() == display
        assert display not in listed(page)
    assert listed(page) == [] and "No appointment to come" in page.soup.select_one(".lead").get_text()
    rows = Appointment.select().where(Appointment.reference.in_(references))
    assert {(a.status, a.seat) for a in rows} == {("cancelled", None)}
    assert eleven_is_free(pages)


def test_a_wrong_code_says_the_tries_left_and_five_kill_it(pages):
    hold(pages, DEATH_GRANT)
    page = ask_code(pages, OWNER)
    right = latest_code(OWNER)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    answers = []
    for _ in range(5):
        page = type_code(pages, page, wrong)
        answers.append((page.status_code, page.soup.select_one("#problem").get_text(" ", strip=True)))
    assert answers[0][0] == 422 and "4 tries left." in answers[0][1]
    assert answers[3][0] == 422 and "1 try left." in answers[3][1]
    assert answers[4][0] == 429 and "Too many wrong codes" in answers[4][1]
    dead = type_code(pages, page, right)  # the right code, too late
    assert dead.status_code == 429 and "Too many wrong codes" in dead.soup.select_one("#problem").get_text()
    assert pages.get("/en/manage/phone/appointments").status_code == 303


def test_the_session_keeps_the_proof_never_the_phone(app, pages):
    hold(app.test_client(), DEATH_GRANT)
    prove(pages)
    cookie = pages.get_cookie("session").value
    stored = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert isinstance(stored["phone_proof"], int) and set(stored) == {"phone_proof", "csrf_token"}
    assert OWNER[1:] not in repr(stored)  # in no form: 0661234567, +213661234567


def test_without_a_fresh_proof_nothing_is_listed_or_cancelled(app, pages):
    reference = hold(pages, DEATH_GRANT)
    assert pages.get("/en/manage/phone/appointments").location == "/en/manage/phone"
    _, fields = form_of(pages.get("/en/manage/phone").soup, "/manage/phone")
    unproven = pages.post(f"/en/manage/phone/appointments/{reference}/cancel", data=fields)
    assert unproven.status_code == 303 and unproven.location == "/en/manage/phone"
    page = prove(pages)
    copied = pages.get_cookie("session").value  # e.g. left in another tab, or stolen
    action, fields = form_of(page.soup, "/manage/phone/forget")
    assert pages.post(action, data=fields).location == "/en/manage"
    assert pages.get("/en/manage/phone/appointments").location == "/en/manage/phone"
    pages.set_cookie("session", copied)
    assert pages.get("/en/manage/phone/appointments").location == "/en/manage/phone"  # "Done" ended it
    page = prove(pages)
    app.config["NOW"] += timedelta(minutes=16)  # the proof lasts 15 minutes
    assert pages.get("/en/manage/phone/appointments").location == "/en/manage/phone"
    action, fields = form_of(page.soup, f"/{reference}/cancel")
    assert pages.post(action, data=fields).location == "/en/manage/phone"
    assert Appointment.get(Appointment.reference == reference).status == "held"


def test_a_hold_that_ran_out_is_not_listed(app, pages):
    hold(pages, DEATH_GRANT)
    longer = Appointment.get(Appointment.reference == hold(pages, FAMILY, slot={**BLIDA_11, "time": "11:15"}))
    longer.hold_until += timedelta(hours=1)
    longer.save()
    app.config["NOW"] += timedelta(minutes=31)  # the first ran out, not released yet: no worker ran
    listed = prove(pages).soup.select("form[action$='/cancel']")
    assert [form["action"].split("/")[-2] for form in listed] == [longer.reference]


def test_another_phones_appointment_cannot_be_cancelled(pages):
    hold(pages, DEATH_GRANT)
    someone = demo.reference("DEM2AAAA")  # 0550000001's
    page = prove(pages)
    _, fields = form_of(page.soup, "/cancel")
    refused = pages.post(f"/en/manage/phone/appointments/{someone}/cancel", data=fields)
    assert refused.status_code == 404 and refused.headers["Cache-Control"] == "no-store"
    assert Appointment.get(Appointment.reference == someone).status == "booked"


def test_a_number_without_appointments_gets_the_same_page_and_no_sms(pages):
    hold(pages, DEATH_GRANT)
    nobody = "0771234567"
    with_visits, without = ask_code(pages, OWNER), ask_code(pages, nobody)
    assert with_visits.status_code == without.status_code == 200

    def seen(page, phone):
        main = page.soup.select_one("main")
        for token in main.select("input[name=csrf_token]"):
            token.decompose()
        return str(main).replace(phone, "PHONE")

    assert seen(with_visits, OWNER) == seen(without, nobody)
    assert Message.select().where(Message.recipient == nobody).count() == 0
    assert Message.select().where((Message.recipient == OWNER) & (Message.kind == "code")).count() == 2


def test_sending_codes_is_rate_limited(app, pages):
    hold(pages, DEATH_GRANT)
    statuses = [ask_code(pages, OWNER).status_code for _ in range(app.config["CODES_PER_PHONE"])]
    limited = ask_code(pages, OWNER)
    assert statuses == [200] * app.config["CODES_PER_PHONE"]
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 3600
    assert "Too many attempts" in limited.soup.select_one("[role=alert]").get_text()
    assert limited.soup.select_one("#p-phone")["value"] == OWNER  # kept for the next try
    sent = Message.select().where((Message.recipient == OWNER) & (Message.kind == "code")).count()
    assert sent == 1 + app.config["CODES_PER_PHONE"]  # the booking's code, then one a try within the limit


def test_a_wrong_number_is_refused_with_a_field_error(pages):
    page = ask_code(pages, "12345")
    assert page.status_code == 422 and page.headers["Cache-Control"] == "no-store"
    assert "starting with 05, 06 or 07" in page.soup.select_one("#p-phone-error").get_text()
    assert page.soup.select_one("#p-phone")["aria-invalid"] == "true"
    assert Message.select().count() == 0


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_every_step_renders_in_every_language(pages, lang):
    hold(pages, DEATH_GRANT)
    first = pages.get(f"/{lang}/manage/phone")
    assert first.status_code == 200 and first.soup.select_one("input#p-phone[type=tel][dir=ltr]")
    _, fields = form_of(first.soup, "/manage/phone")
    code = pages.post(f"/{lang}/manage/phone", data={**fields, "phone": OWNER})
    field = code.soup.select_one("input#code")
    assert (field["inputmode"], field["autocomplete"], field["dir"]) == ("numeric", "one-time-code", "ltr")
    proven = type_code(pages, code, latest_code(OWNER))
    assert proven.location == f"/{lang}/manage/phone/appointments"
    assert len(pages.get(proven.location).soup.select("main li form button")) == 1


def test_a_wrong_code_answers_alike_with_or_without_appointments(pages):
    hold(pages, DEATH_GRANT)
    answers = []
    for phone in (OWNER, "0771234567"):
        answer = type_code(pages, ask_code(pages, phone), "000000")
        answers.append((answer.status_code, answer.soup.select_one("#problem").get_text(" ", strip=True)))
    assert answers[0] == answers[1]
