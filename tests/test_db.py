"""The database: pragmas, versioned idempotent migrations that never lose data."""

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as alter

from webapp import demo
from webapp.migrations import MIGRATIONS, migrate, pending
from webapp.models import AgencySettings, BaseModel, SchemaMigration


def test_sqlite_pragmas(db):
    if not isinstance(db.obj, pw.SqliteDatabase):
        pytest.skip("SQLite only: running against PostgreSQL (TEST_DATABASE_URL)")
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_are_applied_once(db):
    assert pending(db) == []
    assert migrate(db) == []
    assert [row.version for row in SchemaMigration.select().order_by(SchemaMigration.version)] == [
        version for version, _, _ in MIGRATIONS
    ]


def test_upgrade_keeps_existing_rows(db):
    class Note(BaseModel):
        text = pw.CharField()

    def create_notes(database):
        database.create_tables([Note])

    def add_author(database):
        alter(SchemaMigrator.from_database(database).add_column("note", "author", pw.CharField(default="?")))

    version = MIGRATIONS[-1][0]
    try:
        migrate(db, MIGRATIONS + [(version + 1, "notes", create_notes)])
        Note.create(text="kept")
        applied = migrate(db, MIGRATIONS + [(version + 1, "notes", create_notes), (version + 2, "author", add_author)])
        assert applied == [version + 2]
        row = db.execute_sql("SELECT text, author FROM note").fetchone()
        assert tuple(row) == ("kept", "?")
    finally:
        db.drop_tables([Note])


def test_failed_migration_leaves_nothing_half_done(db):
    version = MIGRATIONS[-1][0]

    def broken(database):
        database.execute_sql("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrate(db, MIGRATIONS + [(version + 1, "broken", broken)])
    assert version + 1 not in {row.version for row in SchemaMigration.select()}
    assert "half_done" not in db.get_tables()


def test_versions_must_increase(db):
    with pytest.raises(ValueError):
        migrate(db, [MIGRATIONS[0], MIGRATIONS[0]])


def test_demo_data_is_deterministic(app, db):
    catalog = app.extensions["catalog"]
    first = demo.load(catalog)
    rows = list(AgencySettings.select().order_by(AgencySettings.code).dicts())
    assert demo.load(catalog) == first
    assert list(AgencySettings.select().order_by(AgencySettings.code).dicts()) == rows
    assert first["agency settings"] == sum(a["bookable"] for a in catalog.agencies)
    assert AgencySettings.get_by_id("16").desks == 4

