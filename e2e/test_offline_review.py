"""Booking without network, as a person does it: the request is shown back for a check before it is
kept ("Check and confirm", like online), the booking pages have a form of their own offline, and
once confirmed, "My requests" shows the reference as printed and opens the appointment itself."""

import json
import re
import urllib.request

from playwright.sync_api import expect

from conftest import TASK, confirm_in_outbox, free_slot, unique_phone, wait_for_outbox
from test_offline import expect_confirmed, expect_held, expect_waiting, precache


def agency(base_url, code):
    with urllib.request.urlopen(f"{base_url}/api/v1/agencies") as response:
        return next(a for a in json.loads(response.read()) if a["code"] == code)


def details_offline(context, page, base_url, phone):
    """The details step of a free time, opened online and sent offline: the check comes back."""
    day, time = free_slot(base_url, "16", after="2026-12-02")
    page.goto(f"/fr/book/{TASK}?agency=16&date={day}&time={time}")
    context.set_offline(True)
    page.get_by_label("Nom et prénom").fill("Hors Ligne")
    page.get_by_label("Téléphone mobile").fill(phone)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Vérifier et confirmer")).to_be_focused()
    return day, time


def summary(page) -> dict:
    review = page.locator("#ob-review dl")
    return dict(zip(review.locator("dt").all_inner_texts(), review.locator("dd").all_inner_texts(), strict=True))


def test_a_request_typed_offline_is_checked_before_it_is_kept(context, page, base_url):
    precache(page, "fr")
    phone = unique_phone()
    day, time = details_offline(context, page, base_url, phone)
    shown = summary(page)
    where = agency(base_url, "16")
    assert shown["Démarche"] == "Déclarer un accident du travail", shown
    assert shown["Où"] == f"{where['name']['fr']} · {where['address']['fr']}"  # the agency in full
    assert time in shown["Quand"] and shown["Nom et prénom"] == "Hors Ligne" and shown["Téléphone mobile"] == phone
    # Nothing is kept to be sent before the check: no badge, nothing waiting.
    wait_for_outbox(page, "(l) => l.length === 1 && l[0].state === 'draft'")
    expect(page.locator("[data-outbox-badge]").first).to_be_hidden()
    page.get_by_role("button", name="Modifier quelque chose").click()
    expect(page.get_by_label("Nom et prénom")).to_have_value("Hors Ligne")
    page.get_by_label("Nom et prénom").fill("Hors Ligne Corrigé")
    page.get_by_role("button", name="Continuer").click()
    assert summary(page)["Nom et prénom"] == "Hors Ligne Corrigé"
    page.get_by_role("button", name="Envoyer au retour du réseau").click()
    expect(page).to_have_url(re.compile(r"/fr/outbox\?saved="))
    expect_waiting(page.locator("#outbox li"))
    stored = page.evaluate("Outbox.all()")
    assert [(e["state"], e["request"]["full_name"], e["request"]["date"], e["request"]["time"]) for e in stored] == [
        ("queued", "Hors Ligne Corrigé", day, time)]
    context.set_offline(False)


def test_booking_from_a_saved_task_page_offline_waits_then_is_sent(context, page, base_url):
    precache(page, "fr")
    page.goto(f"/fr/services/{TASK}")
    context.set_offline(True)
    page.get_by_role("link", name="Prendre rendez-vous").first.click()
    expect(page).to_have_url(re.compile(rf"/fr/book/{TASK}$"))  # the booking page's own address
    expect(page.locator("h1")).to_have_text("Prendre rendez-vous")
    expect(page.locator(".lead")).to_have_text("Déclarer un accident du travail")
    page.get_by_role("button", name="Continuer").click()  # nothing typed: the errors, as online
    expect(page.locator("#ob-errors")).to_be_focused()
    expect(page.locator("#ob-errors li")).to_have_count(3)  # agency, name, phone
    expect(page).to_have_title(re.compile(r"^Erreur"))
    page.locator("#ob-agency").select_option("16")
    page.get_by_label("Nom et prénom").fill("Sans Réseau")
    phone = unique_phone()
    page.get_by_label("Téléphone mobile").fill(phone)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("heading", name="Vérifier et confirmer")).to_be_focused()
    assert summary(page)["Où"].startswith(agency(base_url, "16")["name"]["fr"])
    page.get_by_role("button", name="Envoyer au retour du réseau").click()
    expect(page).to_have_url(re.compile(r"/fr/outbox\?saved="))
    expect_waiting(page.locator("#outbox li"))
    page.go_back()  # Back after the request was saved: the task page, not the form nor an error
    expect(page).to_have_url(re.compile(rf"/fr/services/{TASK}$"))
    expect(page.locator("h1")).to_be_visible()
    context.set_offline(False)  # the page sends it as soon as the network is back
    wait_for_outbox(page, "(l) => l.length === 1 && l[0].state === 'confirmed'")
    page.goto("/fr/outbox")
    expect(page.locator("#outbox li .state")).to_contain_text("Sur la liste d'attente")


def test_my_requests_after_confirmation_opens_the_appointment(context, page, base_url):
    precache(page, "fr")
    phone = unique_phone()
    details_offline(context, page, base_url, phone)
    page.get_by_role("button", name="Envoyer au retour du réseau").click()
    expect(page).to_have_url(re.compile(r"/fr/outbox\?saved="))
    expect(page.locator("#app-bar")).to_contain_text("Copie")  # the copy kept on the phone, said so
    expect(page.get_by_role("button", name="Envoyer maintenant")).to_be_visible()
    context.set_offline(False)
    expect_held(page.locator("#outbox li"))
    expect_confirmed(confirm_in_outbox(page, base_url, phone))
    expect(page.locator("#app-bar")).to_be_hidden()
    expect(page.get_by_role("button", name="Envoyer maintenant")).to_be_hidden()
    printed = page.locator("#outbox li .state strong").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]", printed)
    page.get_by_role("link", name="Gérer ce rendez-vous").click()
    expect(page).to_have_url(re.compile(rf"/fr/appointments/{printed.replace('-', '')}$"))
    expect(page.locator("h1")).to_have_text("Votre rendez-vous est pris")
    expect(page.locator(".reference strong")).to_have_text(printed)  # the same printed form
