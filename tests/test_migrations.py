"""Schema upgrades: a database of the first release upgrades to today's schema with every row
kept as it was, and a fresh install ends with the schema today's models describe."""

import ast
import importlib.util
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import peewee as pw
import pytest

from webapp import models
from webapp.db import open_database
from webapp.migrations import MIGRATIONS, migrate

FIRST_RELEASE = Path(__file__).parent / "data" / "models_fb42fe2.py"
T0 = datetime(2026, 11, 30, 8, 0)


@pytest.fixture
def empty_db(empty_url):
    db = open_database(empty_url)
    yield db
    db.close()


def first_release(db):
    """The first release's models, bound to `db`."""
    spec = importlib.util.spec_from_file_location("models_fb42fe2", FIRST_RELEASE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.database.initialize(db)
    return module


def fill(old) -> None:
    """Rows of every kind the first release stored, including the awkward ones."""
    old.AgencySettings.create(code="16", desks=4, updated_at=T0)
    old.AgencySettings.create(code="09", slot_minutes=20, updated_at=T0)
    old.OpeningHours.create(agency="16", weekday=6, opens="08:00", closes="15:30")
    old.Closure.create(agency="16", first_day=date(2026, 12, 24), last_day=date(2026, 12, 24), reason="Formation")
    old.HolidayOverride.create(agency="09", day=date(2027, 1, 12))
    common = dict(agency="16", service_id="death-grant", task_id="claim-death-grant", lang="ar", created_at=T0)
    old.Appointment.create(reference="AAAA2222B", starts_at=datetime(2026, 12, 2, 8, 0), seat=0,
                           full_name="أمينة", phone="0550000001", **common)
    old.Appointment.create(reference="CCCC3333D", starts_at=datetime(2026, 12, 1, 8, 0), seat=1,
                           status="served", arrived_at=T0, called_at=T0, served_at=T0, desk="3",
                           full_name="Karim", phone="0660000002", ssn="123456789012", **common)
    old.Appointment.create(reference="EEEE4444F", starts_at=datetime(2026, 12, 3, 8, 0), seat=None,
                           status="cancelled", cancelled_at=T0, cancel_reason="Motif",
                           flag="closure: Formation", purged=True, **common)
    old.IdempotencyKey.create(key="k-1", request_hash="h" * 64, status_code=201, body='{"reference": "AAAA2222B"}',
                              created_at=T0)
    old.RateLimit.create(key="lookup:127.0.0.1", window=1_700_000_000, hits=3)
    old.Staff.create(username="chef16", password_hash="$argon2id$v=19$x", role="supervisor", agency="16",
                     created_at=T0, failed_logins=2, locked_until=T0)
    old.Staff.create(username="admin", password_hash="$argon2id$v=19$y", role="admin", active=False, created_at=T0)
    old.AuditEntry.create(at=T0, staff="chef16", agency="16", action="settings", target="agency:16", details="desks 4")
    for number in ("999", "1000", "K1-002"):
        old.Ticket.create(agency="16", day=date(2026, 12, 1), number=number, service_id="death-grant",
                          task_id="claim-death-grant", issued_at=T0)
    old.DisabledTask.create(agency="09", service_id="death-grant", task_id="claim-death-grant")
    old.KioskDevice.create(agency="16", name="Entrée", prefix="K1", enrolled_by="chef16", enrolled_at=T0)


def snapshot(db, tables) -> dict:
    """Every row of every table, by the first release's columns, in a stable order."""
    rows = {}
    for model in tables:
        columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
        query = f'SELECT {columns} FROM "{model._meta.table_name}" ORDER BY 1'
        rows[model._meta.table_name] = [tuple(r) for r in db.execute_sql(query).fetchall()]
    return rows


def columns(db) -> dict:
    return {table: {(c.name, c.null) for c in db.get_columns(table)} for table in db.get_tables()}


def test_first_release_upgrades_without_losing_or_changing_a_row(empty_db):
    old = first_release(empty_db)
    tables = [m for m in old.BaseModel.__subclasses__() if m is not old.SchemaMigration]
    empty_db.create_tables(old.BaseModel.__subclasses__())  # what the first release's migrate made
    for version, name, _ in MIGRATIONS[:4]:
        old.SchemaMigration.create(version=version, name=name, applied_at=T0)
    fill(old)
    before = snapshot(empty_db, tables)
    assert sum(len(rows) for rows in before.values()) == 18

    assert migrate(empty_db) == [version for version, _, _ in MIGRATIONS[4:]]

    assert snapshot(empty_db, tables) == before
    tickets = empty_db.execute_sql("SELECT number, prefix, seq FROM ticket ORDER BY seq").fetchall()
    assert [tuple(t) for t in tickets] == [("K1-002", "K1", 2), ("999", "", 999), ("1000", "", 1000)]
    assert migrate(empty_db) == []


def test_a_fresh_install_has_the_schema_of_the_models(empty_db, tmp_path):
    assert migrate(empty_db) == [version for version, _, _ in MIGRATIONS]
    expected = pw.SqliteDatabase(str(tmp_path / "models.db")) if isinstance(empty_db, pw.SqliteDatabase) \
        else empty_db
    if expected is not empty_db:
        tables = models.BaseModel.__subclasses__()
        with expected.bind_ctx(tables):
            expected.create_tables(tables)
        assert columns(empty_db) == columns(expected)
    for model in models.BaseModel.__subclasses__():
        have = {c.name: c.null for c in empty_db.get_columns(model._meta.table_name)}
        assert have == {f.column_name: f.null for f in model._meta.sorted_fields}, model.__name__
        indexes = {tuple(i.columns) for i in empty_db.get_indexes(model._meta.table_name) if i.unique}
        for fields, unique in model._meta.indexes:
            assert not unique or tuple(fields) in indexes, (model.__name__, fields)


NODE = """
import sys
from webapp.db import open_database
from webapp.migrations import migrate
print(migrate(open_database(sys.argv[1])))
"""


def test_two_nodes_starting_at_once_migrate_once(empty_url):
    nodes = [subprocess.Popen([sys.executable, "-c", NODE, empty_url], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    applied = [ast.literal_eval(node.communicate(timeout=60)[0].strip()) for node in nodes]
    assert all(node.returncode == 0 for node in nodes)
    # each migration applied by exactly one node (which one may differ from one to the next)
    assert sorted(v for versions in applied for v in versions) == [version for version, _, _ in MIGRATIONS]
