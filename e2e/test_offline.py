"""Offline first: the catalog works without network; requests made offline arrive exactly once."""

import json
import re
import shutil
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import (
    ROOT,
    confirm_in_outbox,
    count_appointments,
    free_port,
    free_slot,
    launch,
    stop,
    stored_start,
    unique_key,
    unique_phone,
)

NO_NETWORK = {"ar": "لا توجد شبكة", "fr": "Pas de réseau", "en": "No network"}


def precache(page, lang):
    page.goto(f"/{lang}/")
    expect(page.locator(f"html[data-precached={lang}]")).to_have_count(1, timeout=30_000)


def manifest(page, lang):
    return page.evaluate(f"fetch('/offline-manifest/{lang}.json').then(r => r.json())")["entries"]


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_catalog_and_search_without_network(context, page, lang):
    precache(page, lang)
    urls = [e["url"] for e in manifest(page, lang)]
    services = [u for u in urls if re.fullmatch(rf"/{lang}/services/[a-z-]+", u)]
    tasks = [u for u in urls if re.fullmatch(rf"/{lang}/services/[a-z-]+/[a-z0-9-]+", u)]
    context.set_offline(True)
    for url in services[:5] + tasks[:5]:
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("html[data-offline-copy]")).to_have_count(1)
    expect(page.locator("#app-bar")).to_be_visible()
    for url in tasks[5:10]:
        page.goto(url)
        expect(page.locator("#checklist")).not_to_be_empty()
        expect(page.locator("#checklist")).to_be_visible()
    page.goto(f"/{lang}/search?q={ {'ar': 'الوفاة', 'fr': 'deces', 'en': 'death'}[lang] }")
    expect(page.locator("#results .results a").first).to_be_visible()
    page.goto(f"/{lang}/")
    page.locator("#q").fill({"ar": "حادث", "fr": "accident", "en": "accident"}[lang])
    expect(page.locator("#results .results a").first).to_be_visible()
    page.goto(f"/{lang}/services/not-on-this-phone")
    expect(page.locator("h1")).to_have_text(NO_NETWORK[lang])
    context.set_offline(False)


def fill_details_offline(context, page, slot, phone, agency="16", fallback=None):
    """Open the details step of a (date, time) online, then fill and send it offline."""
    day, time = slot
    page.goto(f"/fr/book/work-accident/declare-work-accident?agency={agency}&date={day}&time={time}")
    context.set_offline(True)
    page.get_by_label("Nom et prénom").fill("Hors Ligne")
    page.get_by_label("Téléphone mobile").fill(phone)
    if fallback:
        page.get_by_label(fallback).check()
    page.get_by_role("button", name="Continuer").click()
    # As online, the request is shown back for a check before it is kept (test_offline_review.py).
    expect(page.get_by_role("heading", name="Vérifier et confirmer")).to_be_focused()
    page.get_by_role("button", name="Envoyer au retour du réseau").click()
    expect(page).to_have_url(re.compile(r"/fr/outbox\?saved="))
    expect_waiting(page.locator("#outbox li"))


def expect_waiting(entry):
    """The entry is kept on the phone, not being sent (a state, not a moment)."""
    expect(entry).to_have_attribute("data-state", "queued")
    expect(entry.locator(".state")).to_contain_text("Enregistrée sur ce téléphone")


def expect_held(entry):
    """The server took the request and holds its seat until the code sent by SMS is typed."""
    expect(entry).to_have_attribute("data-state", "held", timeout=15_000)
    expect(entry.get_by_label("Code reçu par SMS")).to_be_visible()


def expect_confirmed(entry):
    expect(entry).to_have_attribute("data-state", "confirmed", timeout=15_000)
    expect(entry.locator(".state")).to_contain_text("Confirmé")
    expect(entry.locator(".state strong")).to_have_text(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]$"))


def confirm_held(page, base_url, phone):
    """Once sent, the request is held: type its SMS code on "My requests" and see it confirmed."""
    expect_held(page.locator("#outbox li"))
    expect_confirmed(confirm_in_outbox(page, base_url, phone))


def test_offline_booking_waits_then_arrives_once(browser, base_url, server):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    precache(page, "fr")
    phone = unique_phone()
    fill_details_offline(context, page, free_slot(base_url, "16", after="2026-12-02"), phone)
    page.close()
    page = context.new_page()
    page.goto("/fr/outbox")
    expect_waiting(page.locator("#outbox li"))
    expect(page.locator("[data-outbox-badge]").first).to_have_text("1")
    context.set_offline(False)
    expect_held(page.locator("#outbox li"))
    expect(page.locator("[data-outbox-badge]").first).to_have_text("1")  # the code is still to type
    assert count_appointments(server, "phone = ? AND status = 'held'", phone) == 1
    confirm_held(page, base_url, phone)
    expect(page.locator("[data-outbox-badge]").first).to_be_hidden()
    reference = page.locator("#outbox li strong").inner_text().replace("-", "")
    assert count_appointments(server, "phone = ? AND status = 'booked'", phone) == 1
    assert count_appointments(server, "reference = ?", reference) == 1
    stored = page.evaluate("Outbox.all()")
    assert "phone" not in stored[0]["request"] and "full_name" not in stored[0]["request"]
    context.close()


def test_network_cut_during_the_send_still_books_once(browser, base_url, server):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    precache(page, "fr")
    phone = unique_phone()
    fill_details_offline(context, page, free_slot(base_url, "16", after="2026-12-02"), phone)
    attempts = []

    def cut_first(route):
        attempts.append(route.request.url)
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    context.route("**/api/v1/appointments", cut_first)
    context.set_offline(False)  # the page ('online') or the worker (Background Sync) sends: cut
    entry = page.locator("#outbox li")
    expect(entry).to_have_attribute("data-attempts", "1", timeout=10_000)
    expect_waiting(entry)
    page.get_by_role("button", name="Envoyer maintenant").click()
    confirm_held(page, base_url, phone)
    assert len(attempts) >= 2
    assert count_appointments(server, "phone = ? AND status = 'booked'", phone) == 1
    context.close()


def without_background_sync(browser, page, origin):
    """Deny Background Sync to the site, as in browsers without it: only the pages send."""
    session = page.context.new_cdp_session(page)
    context_id = session.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    session.detach()
    browser.new_browser_cdp_session().send("Browser.setPermission", {
        "permission": {"name": "background-sync"}, "setting": "denied", "origin": origin,
        "browserContextId": context_id})


@pytest.mark.parametrize("web_locks", [True, False], ids=["web-locks", "lease-only"])
def test_a_page_closed_during_the_send_leaves_the_request_waiting(browser, base_url, server, web_locks):
    """"Sending" lasts as long as the attempt: the next page shows the request as waiting.

    With Web Locks the browser frees the entry when the page goes; without them (older
    browsers) the 30-second lease runs out, and the list shows it again by itself.
    """
    context = browser.new_context(base_url=base_url)
    if not web_locks:
        context.add_init_script("delete Navigator.prototype.locks")
    page = context.new_page()
    without_background_sync(browser, page, base_url)
    precache(page, "fr")
    phone = unique_phone()
    fill_details_offline(context, page, free_slot(base_url, "16", after="2026-12-02"), phone)
    context.route("**/api/v1/appointments", lambda route: None)  # no answer while this page lives
    with page.expect_request("**/api/v1/appointments"):
        context.set_offline(False)  # the page sends on 'online'
    assert [e["state"] for e in page.evaluate("Outbox.all()")] == ["sending"]
    page.close()
    context.set_offline(True)
    page = context.new_page()
    if not web_locks:
        page.clock.install()
    page.goto("/fr/outbox")
    entry = page.locator("#outbox li")
    if not web_locks:
        expect(entry).to_have_attribute("data-state", "sending")  # nothing tells it is over...
        page.clock.fast_forward("00:31")  # ...until the lease runs out
    expect_waiting(entry)
    expect(page.locator("[data-outbox-badge]").first).to_have_text("1")
    context.unroute("**/api/v1/appointments")
    context.set_offline(False)
    confirm_held(page, base_url, phone)
    assert count_appointments(server, "phone = ? AND status = 'booked'", phone) == 1
    context.close()


def test_slot_taken_while_offline_is_never_double_booked(browser, base_url, server):
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    precache(page, "fr")
    # A slot with both desks free, after 2 December (the report test counts that day at 09).
    day, time = free_slot(base_url, "09", seats=2, after="2026-12-02")
    phone = unique_phone()
    fill_details_offline(context, page, (day, time), phone, agency="09")
    for n in range(2):  # two others take the two desks meanwhile
        body = json.dumps({"agency": "09", "service": "death-grant", "task": "claim-death-grant",
                           "date": day, "time": time, "full_name": f"Other {n}",
                           "phone": unique_phone()}).encode()
        urllib.request.urlopen(urllib.request.Request(
            base_url + "/api/v1/appointments", data=body, method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": unique_key("other")}))
    context.set_offline(False)
    expect(page.locator("#outbox li")).to_have_attribute("data-state", "needs_choice", timeout=15_000)
    expect(page.locator("#outbox li")).to_contain_text("À vous de choisir")
    alternative = page.locator("#outbox li button").first
    expect(alternative).to_be_visible()
    assert count_appointments(server, "agency = '09' AND starts_at = ? AND seat IS NOT NULL",
                              stored_start(day, time)) == 2
    alternative.click()
    confirm_held(page, base_url, phone)
    assert count_appointments(server, "phone = ? AND seat IS NOT NULL", phone) == 1
    context.close()


def own_content_server(tmp_path):
    """A server of its own on a copy of content/, which the test may change (then relaunch it with
    launch(instance, port, CONTENT_DIR=str(content))): the copy, the instance, the port, the process."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    instance = tmp_path / "instance"
    instance.mkdir()
    port = free_port()
    return content, instance, port, launch(instance, port, CONTENT_DIR=str(content))


def test_a_changed_page_is_the_only_one_downloaded_again(browser, tmp_path):
    content, instance, port, process = own_content_server(tmp_path)
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
    page = context.new_page()
    try:
        precache(page, "fr")
        stop(process)
        task_file = content / "services" / "work-accident.toml"
        text = task_file.read_text()
        old = re.search(r'^who\.fr = "(.*)"$', text[text.index("[[tasks]]"):], re.M).group(1)
        task_file.write_text(text.replace(old, "Texte mis à jour pour le test hors ligne.", 1))
        log = instance / "server.log"
        before = len(log.read_text().splitlines())
        process = launch(instance, port, CONTENT_DIR=str(content))
        page.evaluate("document.documentElement.removeAttribute('data-precached')")
        page.reload()
        expect(page.locator("html[data-precached=fr]")).to_have_count(1, timeout=30_000)
        requests = [re.search(r"webapp\.access: GET (\S+)", line) for line in log.read_text().splitlines()[before:]]
        paths = {m.group(1) for m in requests if m}
        fetched_paths = sorted({p for p in paths if p.startswith(("/fr/", "/offline-index/"))} - {"/fr/"})
        wanted = ["/fr/services/work-accident/declare-work-accident", "/offline-index/fr.json"]
        assert fetched_paths == wanted, fetched_paths
        context.set_offline(True)
        page.goto("/fr/services/work-accident/declare-work-accident")
        expect(page.locator("section[aria-labelledby=who] p").first).to_have_text(
            "Texte mis à jour pour le test hors ligne.")
    finally:
        context.close()
        stop(process)


def active_worker(page) -> dict:
    """The release of the service worker that controls the page, as that worker reports it."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const worker = navigator.serviceWorker.controller, channel = new MessageChannel();
        channel.port1.onmessage = (event) => resolve({ ...event.data, scriptURL: worker.scriptURL });
        worker.postMessage({ type: "version" }, [channel.port2]);
        setTimeout(() => reject(new Error("the controlling worker did not answer")), 5000);
    })""")


def shell_caches(page) -> list[str]:
    return page.evaluate("caches.keys().then(keys => keys.filter(k => k.startsWith('cnas-shell-')))")


def test_a_new_release_is_offered_and_taken_on_request(browser, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    port = free_port()
    process = launch(instance, port, WEBAPP_RELEASE="1")
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
    page = context.new_page()
    try:
        precache(page, "fr")
        first = active_worker(page)
        assert first["scriptURL"] == f"http://127.0.0.1:{port}/sw.js"
        assert shell_caches(page) == [first["cache"]]
        stop(process)
        process = launch(instance, port, WEBAPP_RELEASE="2")
        served = urllib.request.urlopen(f"http://127.0.0.1:{port}/sw.js").read().decode()
        new_version = re.search(r'VERSION = "(\w+)"', served).group(1)
        assert new_version != first["version"]
        page.reload()
        bar = page.locator("#app-bar")
        expect(bar).to_contain_text("Une nouvelle version est prête.", timeout=15_000)
        assert active_worker(page)["version"] == first["version"]  # offered, not yet taken
        with page.expect_event("load", timeout=15_000):
            bar.get_by_role("button", name="Recharger").click()
        # The new worker took over: it controls the reloaded page, nothing waits behind it,
        # and the old release's shell is gone.
        active = active_worker(page)
        assert active["version"] == new_version, (active, new_version)
        assert page.evaluate("""navigator.serviceWorker.getRegistration().then(r =>
            [r.active && r.active.scriptURL === navigator.serviceWorker.controller.scriptURL,
             !!r.waiting, !!r.installing])""") == [True, False, False]
        expect(page.locator("#app-bar")).to_be_hidden()
        page.wait_for_function("() => navigator.serviceWorker.controller.state === 'activated'")
        assert shell_caches(page) == [active["cache"]]
    finally:
        context.close()
        stop(process)


def test_switching_language_offline_explains_itself(context, page):
    """The other languages' offline page is kept too: the language links never end on the
    browser's "no internet" page."""
    precache(page, "ar")
    page.goto("/ar/services/death-grant")
    context.set_offline(True)
    page.get_by_role("navigation", name="اللغة").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_be_visible()
    context.set_offline(False)
