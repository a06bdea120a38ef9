"""`python -m webapp backup` and `restore`: a copy taken while the app serves puts every row back."""

import os
import subprocess
import sys

from webapp.db import open_database


def webapp(url, tmp_path, *args):
    env = {"PATH": os.environ["PATH"], "INSTANCE_DIR": str(tmp_path), "DATABASE_URL": url, "WEBAPP_DEMO": "1",
           "WEBAPP_NOW": "2026-12-01T09:00"}
    done = subprocess.run([sys.executable, "-m", "webapp", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def rows(url) -> dict:
    db = open_database(url)
    with db.connection_context():
        return {table: db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                for table in ("appointment", "staff", "agency_settings", "closure", "schema_migration")}


def test_backup_then_restore_puts_every_row_back(empty_url, tmp_path):
    webapp(empty_url, tmp_path, "load-demo")
    before = rows(empty_url)
    assert before["appointment"] == 4 and before["staff"] == 3
    dump = tmp_path / "backups" / "cnas.backup"
    assert "backup written" in webapp(empty_url, tmp_path, "backup", str(dump))
    db = open_database(empty_url)
    with db.connection_context():
        db.execute_sql("DELETE FROM appointment")
        db.execute_sql("DELETE FROM staff")
    assert rows(empty_url)["appointment"] == 0
    webapp(empty_url, tmp_path, "restore", "--yes", str(dump))
    assert rows(empty_url) == before
