"""Browser tests: a real server (gunicorn) on a free port, Chromium driven by Playwright.

Set E2E_BASE_URL to test a server you started yourself (it must run with the demo data and
WEBAPP_NOW=2026-12-01T09:00). Chromium comes from CHROMIUM_PATH, /usr/bin/chromium, or
Playwright's own download, in that order.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    instance = tmp_path_factory.mktemp("instance")
    env = {**os.environ, "INSTANCE_DIR": str(instance), "WEBAPP_NOW": NOW}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "webapp", "load-demo"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(instance / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "webapp", "serve", "--port", str(port), "--workers", "2"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/fr/", server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


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
    page.on("console", lambda msg: msg.type == "error" and not msg.text.startswith("Failed to load resource")
            and errors.append(msg.text))
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and errors.append(f"{r.status} {r.url}"))
    yield page
    assert not errors, f"errors in the browser console: {errors}"
