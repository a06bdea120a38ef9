"""Browser tests: a real server (gunicorn) on a free port, Chromium driven by Playwright.

Set E2E_BASE_URL to test a server you started yourself (it must run with the demo data and
WEBAPP_NOW=2026-12-01T09:00). Chromium comes from CHROMIUM_PATH, /usr/bin/chromium, or
Playwright's own download, in that order.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
# Assertions wait for a state; give a loaded machine (CI, two suites at once) the same 10 s
# as the actions of the `page` fixture, for pages made with browser.new_context() too.
expect.set_options(timeout=10_000)
NOW = "2026-12-01T09:00"
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
    # Demo mode: load-demo and the demo staff accounts the tests sign in with.
    env = {**os.environ, "INSTANCE_DIR": str(instance), "WEBAPP_NOW": NOW, "WEBAPP_DEMO": "1", **extra_env}
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
