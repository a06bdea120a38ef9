"""Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, as Arabic phone keyboards type
them, are read as ASCII digits wherever a person types a number."""

import pytest

from webapp import demo
from webapp.booking import codes, schemas
from webapp.catalog import deadlines
from webapp.digits import ascii_digits
from webapp.models import Appointment

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_every_digit_of_both_scripts_becomes_ascii():
    assert ascii_digits("0123456789".translate(ARABIC)) == "0123456789"
    assert ascii_digits("0123456789".translate(PERSIAN)) == "0123456789"


@pytest.mark.parametrize("script", [ARABIC, PERSIAN])
def test_phone_reference_number_and_dates_typed_in_arabic_digits(script):
    assert schemas.normalize_phone("0550 12 34 56".translate(script)) == "0550123456"
    assert codes.normalize(demo.reference("DEM2AAAA").translate(script)) == demo.reference("DEM2AAAA")
    data = schemas.Booking().load({"agency": "16", "service": "s", "task": "t", "date": "2026-12-02".translate(script),
                                   "time": "09:15".translate(script), "full_name": "Amina", "phone": "0550123456"
                                   .translate(script), "ssn": "123456789012".translate(script)})
    assert (data["phone"], data["ssn"], str(data["date"]), str(data["time"])) == (
        "0550123456", "123456789012", "2026-12-02", "09:15:00")
    assert str(deadlines.parse_date("10/03/2026".translate(script))) == "2026-03-10"


def test_the_phone_rule_itself_takes_ascii_digits_only():
    """\\d matches any script's digits: the rule must not let ٠٥٥٠... be stored as typed."""
    assert schemas.PHONE.match("0550123456") and not schemas.PHONE.match("٠٥٥٠١٢٣٤٥٦")


def test_a_booking_form_in_arabic_digits_books_with_ascii_digits(app, db, client):
    demo.load(app.extensions["catalog"])
    phone = "٠٥٥٠ ١٢ ٣٤ ٥٦"
    response = client.post("/api/v1/appointments", headers={"Idempotency-Key": "digits"}, json={
        "agency": "16", "service": "death-grant", "task": "claim-death-grant", "date": "٢٠٢٦-١٢-٠٢",
        "time": "١١:٠٠", "full_name": "أمينة", "phone": phone})
    assert response.status_code == 201, response.json
    assert Appointment.get(Appointment.reference == response.json["reference"]).phone == "0550123456"
    found = client.get(f"/api/v1/appointments/{response.json['reference'].translate(ARABIC)}?phone={phone}")
    assert found.status_code == 200
