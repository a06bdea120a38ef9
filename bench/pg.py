"""A throw-away PostgreSQL cluster on 127.0.0.1 (like .ci/run): initdb, pg_ctl, createdb."""

import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .common import free_port, pg_bin


def _as_postgres(argv: list[str], **kw):
    """Run as the `postgres` user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


@contextmanager
def cluster(parent: Path, settings: dict | None = None):
    """Yield a DATABASE_URL for a fresh database `bench` in a cluster that is removed after."""
    binary = pg_bin()
    if binary is None:
        raise RuntimeError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin")
    data = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data}"
    for key, value in (settings or {}).items():
        options += f" -c {key}={value}"
    started = False
    try:
        _as_postgres([str(binary / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], timeout=120)
        _as_postgres([str(binary / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(data / "log"),
                      "-o", options, "start"], timeout=90)
        started = True
        subprocess.run([str(binary / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"],
                       check=True, capture_output=True, timeout=60)
        yield f"postgresql://postgres@127.0.0.1:{port}/bench"
    finally:
        if started:
            try:
                _as_postgres([str(binary / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"],
                             timeout=90)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(data, ignore_errors=True)
