"""Shared pieces: the server under test, plain HTTP calls, statistics and tables."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The load generator books thousands of times from 127.0.0.1: the per-address, per-phone and
# per-device hold limits, which exist to stop exactly that, are off for the benchmarks.
NO_HOLD_LIMITS = {"HOLDS_PER_ADDRESS": "0", "HOLDS_PER_PHONE": "0", "HOLDS_PER_DEVICE": "0"}
NOW = "2026-12-01T09:00"  # WEBAPP_NOW: every run sees the same pages and the same free slots
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
LANGS = ("ar", "fr", "en")
CATALOG_PAGE = "/fr/services/work-accident/declare-work-accident"
AVAILABILITY = "/api/v1/agencies/16/availability?task=death-grant/claim-death-grant&date=2026-12-02"


def cpu_count() -> int:
    return os.cpu_count() or 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"  · [{time.monotonic() - STARTED:6.1f} s] {message}", flush=True)


# --- the server under test -------------------------------------------------------------------

def server_env(instance: Path, database_url: str | None = None, content_dir: str | Path | None = None) -> dict:
    """The environment of `python -m webapp ...`: frozen clock, a throw-away instance folder."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CONTENT_DIR", "WEB_CONCURRENCY", "HOST", "PORT")}
    env.update(INSTANCE_DIR=str(instance), WEBAPP_NOW=NOW, WEBAPP_DEMO="1",
               SECRET_KEY="bench-secret-not-for-production", PYTHONUNBUFFERED="1", **NO_HOLD_LIMITS)
    if database_url:
        env["DATABASE_URL"] = database_url
    if content_dir:
        env["CONTENT_DIR"] = str(content_dir)
    return env


def webapp_cli(args: list[str], env: dict, timeout: float = 300) -> str:
    """Run `python -m webapp <args>`; raise with its output when it fails."""
    done = subprocess.run([PYTHON, "-m", "webapp", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"webapp {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path
    boot_seconds: float
    workers: int


@contextmanager
def serve(env: dict, workers: int, log_path: Path, boot_timeout: float = 120, probe: str = "/fr/"):
    """`python -m webapp serve` on a free port of 127.0.0.1 until the block ends."""
    port = free_port()
    log_file = open(log_path, "w")
    started = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, "-m", "webapp", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = started + boot_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}; see {log_path}:\n"
                                   + log_path.read_text()[-3000:])
            try:
                if request(url, probe, timeout=5).status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {boot_timeout:.0f}s; see {log_path}")
            time.sleep(0.2)
        yield Server(url, process, log_path, time.monotonic() - started, workers)
    finally:
        stop(process)
        log_file.close()


def stop(process: subprocess.Popen, grace: float = 20) -> None:
    """Stop a server we started: SIGTERM to gunicorn's master, SIGKILL to its group if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:  # the workers are in the session this process started (start_new_session=True)
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


# --- HTTP ------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None


def request(base: str, path: str, method: str = "GET", body: bytes | None = None,
            headers: dict | None = None, timeout: float = 30) -> Response:
    """One HTTP/1.1 request on a new connection (gunicorn's sync workers close it anyway)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - started
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, elapsed)
    finally:
        conn.close()


def get_json(base: str, path: str, **kw):
    resp = request(base, path, headers={"Accept": "application/json", "Accept-Language": "fr"}, **kw)
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: {resp.status} {resp.body[:300]!r}")
    return resp.json()


def post_json(base: str, path: str, payload: dict, key: str, timeout: float = 60) -> Response:
    return request(base, path, "POST", json.dumps(payload).encode(), {
        "Content-Type": "application/json", "Idempotency-Key": key, "Accept-Language": "fr"}, timeout=timeout)


# --- statistics and tables -------------------------------------------------------------------

def percentile(values, p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation; None for no values."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def median(values):
    return percentile(values, 50)


def ms(seconds) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def ratio(a, b) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(title: str, headers: list[str], rows: list[list], note: str | None = None) -> None:
    """Print a plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(row):
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))

    print()
    print(title)
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))
    if note:
        for text in note.splitlines():
            print(f"  {text}")
    sys.stdout.flush()


# --- what the run ran on ---------------------------------------------------------------------

def git_commit() -> str | None:
    """The checked-out commit, read from .git without running git."""
    head = ROOT / ".git" / "HEAD"
    try:
        value = head.read_text().strip()
        if not value.startswith("ref: "):
            return value
        ref = value[5:]
        ref_file = ROOT / ".git" / ref
        if ref_file.exists():
            return ref_file.read_text().strip()
        packed = ROOT / ".git" / "packed-refs"
        for line in packed.read_text().splitlines() if packed.exists() else ():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return None


def chromium_version() -> str | None:
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"(\d+\.\d+\.\d+\.\d+)", out)
    return found.group(1) if found else (out.strip() or None)


def pg_bin() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)] or [0])
    return candidates[-1].parent if candidates else None


def postgres_version() -> str | None:
    binary = pg_bin()
    if not binary:
        return None
    try:
        out = subprocess.run([binary / "postgres", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.strip() or None
