"""The warm visit: a saved catalog page is shown from the phone's copy at once, even on a slow
network, and the worker checks for changes in the background (stale-while-revalidate): a page
changed on the server is fetched alone and shown at the next visit; a changed checklist says so."""

import re
import sys

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from conftest import ROOT, launch, stop
from test_offline import own_content_server, precache

sys.path.insert(0, str(ROOT))
from bench.browser import SLOW_3G, WorkerThrottle  # noqa: E402 (the bench's throttling of the worker too)

SERVICE = "/fr/services/work-accident"
TASK = "/fr/services/work-accident/declare-work-accident"
NEW_TEXT = "Texte changé sur le serveur pour la visite suivante."
UPDATED = "Cette liste de documents a été mise à jour depuis votre dernière visite."
ACCESS = re.compile(r"webapp\.access: GET (\S+) (\d{3})")


def requested(log, since: int) -> list[str]:
    """The paths the server was asked for since line `since` of its log."""
    lines = log.read_text().splitlines()[since:]
    return [m.group(1) for m in map(ACCESS.search, lines) if m]


def visit(page, path: str) -> dict:
    """Open a page; what its answer says about where it came from."""
    response = page.goto(path, wait_until="load")
    expect(page.locator("h1")).to_be_visible()
    painted = "performance.getEntriesByName('first-contentful-paint').length"
    try:  # on a loaded machine the paint entry can be recorded a moment after "load"
        page.wait_for_function(f"() => {painted} > 0", timeout=5_000)
    except PlaywrightTimeout:
        pass  # never painted: the caller's assertion says so
    return {"saved": response.headers.get("x-saved-copy"), "from_worker": response.from_service_worker,
            "painted": page.evaluate(painted)}


def test_a_saved_page_paints_from_the_phone_and_a_change_arrives_at_the_next_visit(browser, tmp_path):
    content, instance, port, process = own_content_server(tmp_path)
    log = instance / "server.log"
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}")
    page = context.new_page()
    throttle = WorkerThrottle(browser)
    try:
        precache(page, "fr")
        first = visit(page, TASK)  # seen once: the phone remembers which text it showed
        assert first["saved"], "a saved checklist comes from the phone's copy"
        expect(page.locator("#updated")).to_have_count(0)

        # The content changes on the server (a new content revision, same release).
        stop(process)
        task_file = content / "services" / "work-accident.toml"
        text = task_file.read_text()
        old = re.search(r'^who\.fr = "(.*)"$', text[text.index("[[tasks]]"):], re.M).group(1)
        task_file.write_text(text.replace(old, NEW_TEXT, 1))
        process = launch(instance, port, CONTENT_DIR=str(content))
        before = len(log.read_text().splitlines())

        # Slow 3G for the page and for the worker.
        cdp = context.new_cdp_session(page)
        context_id = cdp.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        assert throttle.apply(page, context_id, SLOW_3G) == 1

        # The next visit paints the phone's copy at once; the worker fetches just that page behind it.
        stale = visit(page, TASK)
        assert stale["saved"] == first["saved"] and stale["from_worker"] and stale["painted"] == 1, stale
        expect(page.locator("html[data-saved-copy]")).to_have_count(1)
        expect(page.locator("section[aria-labelledby=who] p").first).to_have_text(old)
        expect(page.locator("html[data-precached=fr]")).to_have_count(1, timeout=60_000)
        fetched = sorted({p for p in requested(log, before) if p.startswith(("/fr/", "/offline-"))})
        assert fetched == ["/fr/services/work-accident/declare-work-accident", "/offline-index/fr.json",
                           "/offline-manifest/fr.json"], fetched

        # The visit after: the new text, from the phone, with a notice that the checklist changed.
        fresh = visit(page, TASK)
        assert fresh["saved"] and fresh["saved"] != first["saved"]
        expect(page.locator("section[aria-labelledby=who] p").first).to_have_text(NEW_TEXT)
        expect(page.get_by_role("status").filter(has_text=UPDATED)).to_be_visible()
        again = visit(page, TASK)  # said once: the same text again needs no notice
        assert again["saved"] == fresh["saved"]
        expect(page.locator("#updated")).to_have_count(0)

        # Another saved page, still throttled: from the phone, the server never asked for it.
        warm = visit(page, SERVICE)
        assert warm["saved"] and warm["from_worker"] and warm["painted"] == 1, warm
        assert SERVICE not in requested(log, before) and TASK in requested(log, before)

        # Personal pages never come from the phone.
        for path in ("/fr/manage", "/fr/book/work-accident/declare-work-accident"):
            response = page.goto(path, wait_until="commit", timeout=60_000)
            assert response.headers.get("x-saved-copy") is None, path
        saved = page.evaluate("caches.open('cnas-pages-v1').then(c => c.keys()).then(k => k.map(r => r.url))")
        assert not [u for u in saved if re.search(r"/(manage|book|appointments|staff|kiosk)\b", u)], saved
    finally:
        context.close()
        stop(process)
