"""A lobby tablet: enrolled by staff, serves walk-up visitors, then forgets them."""

import json
import re
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import TODAY, count_appointments, free_slot, sign_in, unique_key, unique_phone, wait_for_outbox


def enrolled_tablet(browser, base_url, name):
    context = browser.new_context(base_url=base_url, viewport={"width": 800, "height": 1280})
    page = context.new_page()
    sign_in(page, "demo-supervisor", "Chef-agence-16-demo")
    page.goto("/fr/staff/16/kiosks")
    page.get_by_label("Nom de la tablette").fill(name)
    page.get_by_role("button", name="Enregistrer cet appareil").click()
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    return context, page


def test_unenrolled_device_is_refused(page):
    page.goto("/kiosk")
    expect(page.get_by_role("heading", level=1)).to_have_text("This device is not a lobby tablet")


def test_check_in_tickets_display_print_and_forget(browser, base_url):
    context, page = enrolled_tablet(browser, base_url, "Entrée")
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Que souhaitez-vous faire ?")
    page.get_by_role("link", name=re.compile("J’ai un rendez-vous")).click()
    page.get_by_label(re.compile("Votre numéro de référence")).fill(book_today(base_url))
    page.get_by_role("button", name="Signaler mon arrivée").click()
    expect(page.get_by_role("status")).to_contain_text("Vous êtes enregistré")

    # Two tablets issue tickets at the same moment: the numbers differ.
    other, other_page = enrolled_tablet(browser, base_url, "Étage")
    pages = []
    for p in (page, other_page):
        p.goto("/fr/kiosk/ticket")
        pages.append(p)
    buttons = [p.get_by_role("button", name="Prestations et remboursements") for p in pages]
    for button in buttons:
        button.click(no_wait_after=True)
    numbers = []
    for p in pages:
        expect(p.locator(".ticket-number")).to_be_visible()
        numbers.append(p.locator(".ticket-number").inner_text())
    assert len(set(numbers)) == 2, numbers
    pdf = page.pdf(prefer_css_page_size=True)
    assert int(re.search(rb"/Count (\d+)", pdf).group(1)) == 1
    width = float(re.search(rb"/MediaBox \[0 0 ([\d.]+)", pdf).group(1))
    assert 220 < width < 235, width  # 80 mm = 226.8 pt

    # The wall display shows a called ticket within 5 seconds.
    display = context.new_page()
    display.goto("/kiosk/display")
    agent = browser.new_context(base_url=base_url).new_page()
    sign_in(agent, "demo-agent", "Guichet-16-demo")
    agent.get_by_label("Guichet").fill("7")
    agent.get_by_role("button", name="Appeler le suivant").click()
    expect(display.locator("#called .latest")).to_contain_text("7", timeout=5_000)
    other.close()
    agent.context.close()
    context.close()


def book_today(base_url):
    """An appointment at agency 16 today (the frozen clock's 1 December), through the API: a
    free slot, a phone and a key of its own, so that the suite can run again on one server.
    Its SMS code is left untyped: checking in at the agency confirms a held booking."""
    day, time = free_slot(base_url, "16", day=TODAY)
    body = json.dumps({"agency": "16", "service": "work-accident", "task": "declare-work-accident",
                       "date": day, "time": time, "full_name": "Kiosque Test",
                       "phone": unique_phone()}).encode()
    request = urllib.request.Request(base_url + "/api/v1/appointments", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Idempotency-Key": unique_key("kiosk")})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["reference"].lower()


# An application's document waiting to upload, stored as apply-store.js does ("cnas-apply", v2).
PUT_APPLY_RECORD = """() => new Promise((done, fail) => {
    const open = indexedDB.open("cnas-apply", 2);
    open.onupgradeneeded = () => {
        open.result.createObjectStore("uploads", { keyPath: "id" });
        open.result.createObjectStore("drafts", { keyPath: "id" });
    };
    open.onerror = () => fail(open.error);
    open.onsuccess = () => {
        const db = open.result, t = db.transaction("uploads", "readwrite");
        t.objectStore("uploads").put({ id: "death-grant/claim-death-grant:id-card", name: "carte.jpg",
                                       blob: new Blob(["photo bytes"], { type: "image/jpeg" }) });
        t.oncomplete = () => { db.close(); done(); };
        t.onerror = () => { db.close(); fail(t.error); };
    };
})"""
DATABASES = "indexedDB.databases().then((list) => list.map((d) => d.name))"
SEEN = 'caches.open("cnas-pages-v1").then((c) => c.match("/__seen__")).then(Boolean)'


def test_idle_reset_forgets_the_visitor_and_keeps_the_catalog(browser, base_url):
    context, page = enrolled_tablet(browser, base_url, "Attente")
    page.clock.install()
    page.goto("/fr/")
    expect(page.locator("html[data-precached=fr]")).to_have_count(1, timeout=30_000)
    # The tablet's home (/kiosk) is in English, so the worker may finish keeping the English
    # catalog after the French one: a French page still says French is kept (it used to take
    # any language's news, and this wait then failed when the English one came last).
    page.evaluate("""() => new Promise((done) => {
        navigator.serviceWorker.addEventListener("message", (e) => e.data.lang === "en" && done());
        navigator.serviceWorker.controller.postMessage({ type: "precache", lang: "en" });
    })""")
    expect(page.locator("html")).to_have_attribute("data-precached", "fr")
    page.goto("/fr/services/work-accident/declare-work-accident")
    # A catalog page the worker keeps still comes with the tablet's layout and its idle reset.
    expect(page.locator("body.kiosk #idle")).to_have_count(1)
    page.locator("#checklist input[type=checkbox]").first.check()
    page.goto("/fr/book/death-grant/claim-death-grant?agency=31")  # sets the agency cookie
    assert page.evaluate("localStorage.length") > 0
    page.evaluate("sessionStorage.setItem('visitor', 'Kiosque Test')")
    page.evaluate(PUT_APPLY_RECORD)  # a photo waiting to upload, as upload.js keeps it
    assert "cnas-apply" in page.evaluate(DATABASES)
    page.clock.fast_forward("01:01")
    expect(page.get_by_role("alertdialog")).to_be_visible()
    expect(page.get_by_role("heading", name="Êtes-vous toujours là ?")).to_be_visible()
    page.get_by_role("button", name="Oui, je continue").click()
    expect(page.get_by_role("alertdialog")).to_be_hidden()
    page.clock.fast_forward("01:01")
    expect(page.get_by_role("alertdialog")).to_be_visible()
    page.clock.run_for("00:21")  # the 20-second countdown, second by second
    expect(page).to_have_url(re.compile(r"/kiosk$"))
    expect(page.get_by_role("link", name="Français")).to_be_visible()
    assert page.evaluate("localStorage.length") == 0
    kept = page.evaluate("Object.entries(sessionStorage)")  # htmx notes the page it is on
    assert all(value == "/kiosk" for _, value in kept), kept
    assert page.evaluate("Outbox.all().then(l => l.length)") == 0
    assert "cnas-apply" not in page.evaluate(DATABASES)
    assert not page.evaluate(SEEN)  # nor which checklist was read ("updated since you saw it")
    assert {c["name"] for c in context.cookies()} == {"kiosk_device"}
    # Earlier history entries cannot be erased from a page; the reset replaces the current
    # one, and every page with personal data is no-store and tied to the cleared session.
    context.set_offline(True)
    page.goto("/fr/services/work-accident/declare-work-accident")
    expect(page.locator("#checklist")).to_be_visible()
    expect(page.locator("#checklist input:checked")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_kiosk_pages_are_accessible(browser, base_url, lang):
    context, page = enrolled_tablet(browser, base_url, f"Axe {lang}")
    axe = Axe()
    for url in ("/kiosk", f"/{lang}/kiosk/", f"/{lang}/kiosk/checkin", f"/{lang}/kiosk/ticket"):
        page.goto(url)
        results = axe.run(page)
        assert results.violations_count == 0, f"{url}\n{results.generate_report()}"
    context.close()


KIOSK_SCREENS = ("/kiosk", "/fr/kiosk/", "/fr/kiosk/checkin", "/fr/kiosk/ticket")


def keep_kiosk_screens(page):
    """Visit the tablet's own screens once the worker controls it, so they are kept for a cut."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    for url in KIOSK_SCREENS:
        page.goto(url)
    expect(page.locator("html[data-precached]")).to_have_count(1, timeout=30_000)
    kept = page.evaluate("""(urls) => caches.open("cnas-pages-v1")
        .then((cache) => Promise.all(urls.map((url) => cache.match(url).then(Boolean))))""", list(KIOSK_SCREENS))
    assert all(kept), dict(zip(KIOSK_SCREENS, kept, strict=True))
    return page.locator("input[name=prefix]").first.get_attribute("value")


def ticket_offline(page, prefix):
    """Take a ticket for the benefits desk while the lobby has no internet; the number printed."""
    page.goto("/fr/kiosk/ticket")
    page.get_by_role("button", name="Prestations et remboursements").click()
    expect(page).to_have_url(re.compile(r"/fr/kiosk/\?queued=ticket&number="))
    number = page.locator("#queued-number")
    expect(number).to_have_text(re.compile(rf"^{prefix}-\d{{3}}$"))
    return number.inner_text()


def walk_ins_on_the_agenda(browser, base_url, prefix):
    """The numbers of this tablet's tickets in agency 16's queue today, as an agent sees them."""
    agent = browser.new_context(base_url=base_url).new_page()
    sign_in(agent, "demo-agent", "Guichet-16-demo")
    agent.goto("/fr/staff/16/agenda")
    expect(agent.locator("#agenda tbody tr").first).to_be_visible()
    labels = [row.get_attribute("data-ticket") for row in agent.locator("#agenda tbody tr[data-ticket]").all()]
    agent.context.close()
    return sorted(label for label in labels if label.startswith(prefix + "-"))


def test_the_lobby_keeps_working_without_internet(browser, base_url, server):
    context, page = enrolled_tablet(browser, base_url, "Hall")
    reference = book_today(base_url)
    prefix = keep_kiosk_screens(page)
    context.set_offline(True)
    page.goto("/fr/kiosk/checkin")
    page.get_by_label(re.compile("Votre numéro de référence")).fill(reference)
    page.get_by_role("button", name="Signaler mon arrivée").click()
    expect(page.locator("#queued")).to_contain_text("Pas de connexion")
    assert ticket_offline(page, prefix) == f"{prefix}-001"
    pdf = page.pdf(prefer_css_page_size=True)
    assert int(re.search(rb"/Count (\d+)", pdf).group(1)) == 1
    context.set_offline(False)
    page.goto("/fr/kiosk/")
    wait_for_outbox(page, "l => l.length === 2 && l.every(e => e.state === 'confirmed')")
    assert count_appointments(server, "reference = ? AND status = 'arrived'", reference.upper()) == 1
    assert walk_ins_on_the_agenda(browser, base_url, prefix) == [f"{prefix}-001"]
    context.close()


def test_offline_ticket_numbers_never_repeat_on_a_tablet(browser, base_url):
    """Two cuts on one day with an idle reset between them: the reset forgets the visitors,
    not the tablet's count, so every offline number differs and every ticket reaches the queue."""
    context, page = enrolled_tablet(browser, base_url, "Guichet unique")
    page.clock.install()
    prefix = keep_kiosk_screens(page)
    numbers = []
    for cut in range(2):
        context.set_offline(True)
        numbers += [ticket_offline(page, prefix), ticket_offline(page, prefix)]
        context.set_offline(False)
        page.goto("/fr/kiosk/")  # back online: the tablet sends what waited
        wait_for_outbox(page, "l => l.length === 2 && l.every(e => e.state === 'confirmed')")
        if cut == 0:  # then the visitor walks away: "Are you still there?", then the reset
            page.clock.fast_forward("01:01")
            expect(page.get_by_role("alertdialog")).to_be_visible()
            page.clock.run_for("00:21")
            expect(page).to_have_url(re.compile(r"/kiosk$"))
            assert page.evaluate("Outbox.all().then(l => l.length)") == 0
    assert numbers == [f"{prefix}-{n:03d}" for n in range(1, 5)], numbers
    assert walk_ins_on_the_agenda(browser, base_url, prefix) == numbers
    context.close()


def test_the_wall_display_recovers_after_a_network_cut(browser, base_url):
    context, page = enrolled_tablet(browser, base_url, "Mur")
    page.goto("/kiosk/display")
    context.set_offline(True)
    for _ in range(2):  # a few polls fail
        with page.expect_event("requestfailed", lambda r: "/kiosk/display" in r.url, timeout=15_000):
            pass
    context.set_offline(False)
    ticket = context.new_page()
    ticket.goto("/fr/kiosk/ticket")
    ticket.get_by_role("button", name="Prestations et remboursements").click()
    number = ticket.locator(".ticket-number").inner_text()
    agent = browser.new_context(base_url=base_url).new_page()
    sign_in(agent, "demo-agent", "Guichet-16-demo")
    agent.goto("/fr/staff/16/agenda")
    walk_in = agent.locator(f"#agenda tr[data-ticket='{number}']")
    walk_in.get_by_role("button", name=re.compile("Reçu|Absent")).first.wait_for()
    agent.get_by_label("Guichet").fill("9")
    for _ in range(10):  # call until this ticket comes up (other tests leave people waiting)
        with agent.expect_navigation():  # read the answer to this call, not the page before it
            agent.get_by_role("button", name="Appeler le suivant").click()
        if number in agent.locator(".notice").inner_text():
            break
    expect(page.locator("#called")).to_contain_text(number, timeout=5_000)
    agent.context.close()
    context.close()
