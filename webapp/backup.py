"""Backups of the database while it serves, and restoring one (SQLite file or PostgreSQL)."""

import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit


def _sqlite_path(url: str) -> str:
    return url.split("sqlite:///", 1)[1]


def backup(url: str, dest: str) -> None:
    """Copy the database that `url` names to the file `dest`: SQLite's online backup API (a
    consistent copy while the app keeps writing), or pg_dump's custom format for PostgreSQL."""
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        with sqlite3.connect(_sqlite_path(url)) as source, sqlite3.connect(dest) as target:
            source.backup(target)
        return
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", dest, url])


def restore(url: str, source: str) -> None:
    """Put a backup made by backup() back into the database that `url` names (stop the app
    first): every table is replaced by the backup's."""
    if url.startswith("sqlite"):
        with sqlite3.connect(source) as backup_db, sqlite3.connect(_sqlite_path(url)) as target:
            backup_db.backup(target)
        return
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--dbname", url, source])


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise SystemExit(f"{command[0]} not found: install PostgreSQL's client tools (Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        where = urlsplit(command[-1] if command[0] == "pg_dump" else command[-2])
        raise SystemExit(f"{command[0]} failed on {where.hostname}:{where.port}: {done.stderr.strip()}")
