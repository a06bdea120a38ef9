"""Browser tests: a real server (gunicorn) on a free port, Chromium driven by Playwright.

Set E2E_BASE_URL to test a server you started yourself (it must run with the demo data,
WEBAPP_NOW=2026-12-01T09:00 and HOLDS_PER_ADDRESS=0 HOLDS_PER_PHONE=0 HOLDS_PER_DEVICE=0). The
suite can run again and again against the same server: every booking uses a phone number and
an Idempotency-Key of its own and a slot that is still free.
Chromium comes from CHROMIUM_PATH, /usr/bin/chromium, or Playwright's own download, in that order.
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
# Assertions wait for a state; give a loaded machine (CI, two suites at once) the same 10 s
# as the actions of the `page` fixture, for pages made with browser.new_context() too.
expect.set_options(timeout=10_000)
NOW = "2026-12-01T09:00"
TODAY = NOW[:10]
TASK = "work-accident/declare-work-accident"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server not up after {seconds}s")


def launch(instance: Path, port: int, **extra_env):
    """Load the demo data and start `python -m webapp serve` on 127.0.0.1; return the process."""
    # Demo mode: load-demo, the demo staff accounts the tests sign in with, and the demo inbox
    # the codes are read from. Bookings are held for their code (HOLD_MINUTES, default 30);
    # the suite books many times from 127.0.0.1, so the hold limits are off unless a test
    # asks for one (they are unit-tested).
    env = {**os.environ, "INSTANCE_DIR": str(instance), "WEBAPP_NOW": NOW, "WEBAPP_DEMO": "1",
           "HOLDS_PER_ADDRESS": "0", "HOLDS_PER_PHONE": "0", "HOLDS_PER_DEVICE": "0", **extra_env}
    env.pop("DATABASE_URL", None)
    if not (instance / "webapp.db").exists():
        subprocess.run([sys.executable, "-m", "webapp", "load-demo"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    log = open(instance / "server.log", "a")
    process = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    wait_until_up(f"http://127.0.0.1:{port}/fr/", process)
    return process


def stop(process) -> None:
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The server under test: its URL, and its SQLite file when the suite started it."""
    if os.environ.get("E2E_BASE_URL"):
        yield SimpleNamespace(url=os.environ["E2E_BASE_URL"].rstrip("/"), db=None)
        return
    instance = tmp_path_factory.mktemp("instance")
    port = free_port()
    process = launch(instance, port)
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}", db=instance / "webapp.db")
    finally:
        stop(process)


@pytest.fixture(scope="session")
def base_url(server):
    return server.url


def count_appointments(server, where: str, *args) -> int:
    """Rows in the server's database (the suite's own server only)."""
    if server.db is None:
        pytest.skip("counting rows needs the suite's own server (E2E_BASE_URL is set)")
    with sqlite3.connect(server.db) as db:
        return db.execute(f"SELECT COUNT(*) FROM appointment WHERE {where}", args).fetchone()[0]


SIGNED_IN: dict[tuple[str, str], list] = {}  # (origin, username) -> cookies of its first sign-in


def sign_in(page, username, password):
    """Sign in with the form once per account and server, then reuse that session (the clock is
    frozen, so it never expires): an Argon2 check per test is time the suite need not spend.
    A test that signs out ends every session of its account, and must not use this."""
    page.goto("/fr/staff/login")
    origin = page.url.split("/fr/staff/login")[0]
    cookies = SIGNED_IN.get((origin, username))
    if cookies:
        page.context.add_cookies(cookies)
        page.goto("/fr/staff/")
        return
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/staff/" in url and "/staff/login" not in url)
    SIGNED_IN[(origin, username)] = [c for c in page.context.cookies(origin) if c["name"] == "session"]


def unique_phone() -> str:
    """A mobile number (07 and 8 digits) of this call only. The app allows one future
    appointment per phone and procedure, so a fixed number would book once per server."""
    return f"07{uuid.uuid4().int % 10**8:08d}"


def unique_key(label: str) -> str:
    """An Idempotency-Key of this call only (a replayed key would answer the first booking)."""
    return f"{label}-{uuid.uuid4().hex}"


def availability(base_url: str, agency: str, day: str | None = None, task: str = TASK) -> dict:
    """The availability API: the slots of `day` (today if None) and the next open days."""
    query = f"task={task}" + (f"&date={day}" if day else "")
    with urllib.request.urlopen(f"{base_url}/api/v1/agencies/{agency}/availability?{query}") as response:
        return json.loads(response.read())


def open_days(base_url: str, agency: str, task: str = TASK) -> list[str]:
    """The next open days of an agency (ISO dates), closures left out."""
    return [d["date"] for d in availability(base_url, agency, task=task)["next_days"]]


def free_slot(base_url: str, agency: str, task: str = TASK, seats: int = 1, day: str | None = None,
              after: str | None = None) -> tuple[str, str]:
    """(date, time) of the first slot with at least `seats` free seats: on `day`, or else on the
    first open day later than `after` that has one. Earlier runs may have taken fixed slots."""
    days = [day] if day else [d for d in open_days(base_url, agency, task) if after is None or d > after]
    for candidate in days:
        for slot in availability(base_url, agency, candidate, task)["slots"]:
            if slot["remaining"] >= seats:
                return candidate, slot["time"]
    raise AssertionError(f"agency {agency}: no slot with {seats} free seats on {days}")


def stored_start(day: str, time: str) -> str:
    """How the database stores a start in Algiers: naive UTC, as SQLite text."""
    start = datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ZoneInfo("Africa/Algiers"))
    return start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def sms_codes(base_url: str, phone: str) -> list[str]:
    """The codes the demo inbox holds for a phone, newest first."""
    with urllib.request.urlopen(f"{base_url}/api/v1/demo/messages?to={phone}") as response:
        messages = json.loads(response.read())
    return [re.search(r"\b\d{6}\b", m["body"]).group(0) for m in messages if m["kind"] == "code"]


def sms_code(base_url: str, phone: str, count: int = 1, seconds: float = 5) -> str:
    """The newest code sent to `phone` by SMS, once the demo inbox holds `count` of them. The
    message is written with the booking, so it is there at once; poll briefly all the same."""
    deadline = time.monotonic() + seconds
    while True:
        codes = sms_codes(base_url, phone)
        if len(codes) >= count:
            return codes[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"{phone}: {len(codes)} code(s) in the demo inbox, expected {count}")
        time.sleep(0.1)


def confirm_with_code(page, base_url: str, phone: str) -> str:
    """On the page of a held appointment, type the code sent to `phone` and confirm (any
    language: by the field's id and the form); return the code."""
    code = sms_code(base_url, phone)
    page.locator("#code").fill(code)
    page.locator("form.code-form button[type=submit]").click()
    expect(page.locator("#code")).to_have_count(0)
    return code


def confirm_by_api(base_url: str, reference: str, phone: str) -> dict:
    """Confirm a held appointment through the API with the code sent to `phone`."""
    request = urllib.request.Request(
        f"{base_url}/api/v1/appointments/{reference}/confirm", method="POST",
        data=json.dumps({"code": sms_code(base_url, phone)}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        answer = json.loads(response.read())
    assert answer["status"] == "booked", answer
    return answer


def confirm_in_outbox(page, base_url: str, phone: str):
    """On "My requests", type the code of the (only) held request and confirm it; the entry."""
    entry = page.locator("#outbox li[data-state=held]")
    expect(entry).to_have_count(1, timeout=15_000)
    entry.locator("input[autocomplete=one-time-code]").fill(sms_code(base_url, phone))
    entry.locator("form button[type=submit]").click()
    return page.locator("#outbox li[data-state=confirmed]")


def wait_for_outbox(page, condition: str, timeout: float = 15_000) -> None:
    """Wait until the outbox satisfies `condition`, a JS function of the list of its entries.

    page.wait_for_function() does not wait for a promise (a pending Promise is truthy), and
    the outbox is read from IndexedDB asynchronously: the page keeps the last answer and
    Playwright polls it.
    """
    key = uuid.uuid4().hex
    page.wait_for_function(f"""() => {{
        if (!window.Outbox) return false;
        const w = (window.__outboxWaits ||= {{}})["{key}"] ||= {{ ok: false, busy: false }};
        if (!w.busy) {{
            w.busy = true;
            Outbox.all().then((l) => {{ w.ok = !!({condition})(l); }}).finally(() => {{ w.busy = false; }});
        }}
        return w.ok;
    }}""", polling=100, timeout=timeout)


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740})
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # htmx logs its failed requests; offline tests cause them on purpose.
    page.on("console", lambda msg: msg.type == "error"
            and not msg.text.startswith(("Failed to load resource", "htmx:"))
            and errors.append(msg.text))
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and errors.append(f"{r.status} {r.url}"))
    yield page
    assert not errors, f"errors in the browser console: {errors}"
