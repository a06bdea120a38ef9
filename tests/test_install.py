"""A production install books at once; demo mode is explicit and demo-only things need it."""

import os
import subprocess
import sys
from datetime import datetime, timedelta

from webapp import clock, config, demo
from webapp.booking import ratelimit
from webapp.clock import ALGIERS
from webapp.models import AgencySettings
from webapp.staffing import settings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=ALGIERS)


def webapp(tmp_path, *args, **env):
    """`python -m webapp ARGS` on a database of its own, as an operator would run it."""
    environ = {"PATH": os.environ["PATH"], "INSTANCE_DIR": str(tmp_path), "WEBAPP_NOW": "2026-12-01T09:00", **env}
    return subprocess.run([sys.executable, "-m", "webapp", *args], capture_output=True, text=True, env=environ)


def test_migrate_then_create_staff_and_every_agency_takes_bookings(tmp_path):
    assert webapp(tmp_path, "migrate").returncode == 0
    made = webapp(tmp_path, "create-staff", "--username", "chef", "--role", "admin",
                  "--password", "Une-phrase-longue-2026")
    assert made.returncode == 0, made.stderr
    probe = ("from webapp import create_app\n"
             "app = create_app()\n"
             "c = app.test_client()\n"
             "r = c.get('/api/v1/agencies/31/availability?task=death-grant/claim-death-grant&date=2026-12-02')\n"
             "print(r.status_code, sum(s['remaining'] for s in r.json['slots']))\n")
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], "INSTANCE_DIR": str(tmp_path),
                                 "WEBAPP_NOW": "2026-12-01T09:00"})
    assert answer.stdout.split() == ["200", str(32 * 2)], answer.stderr  # 32 slots of 15 min, 2 desks


def test_load_demo_refuses_outside_demo_mode(tmp_path):
    refused = webapp(tmp_path, "load-demo")
    assert refused.returncode != 0 and "WEBAPP_DEMO=1" in refused.stderr
    assert webapp(tmp_path, "load-demo", WEBAPP_DEMO="1").returncode == 0


def test_an_agency_without_settings_is_opened_at_the_next_start(app, db):
    catalog = app.extensions["catalog"]
    assert len(settings.open_agencies(catalog, NOW)) == sum(a["bookable"] for a in catalog.agencies)
    AgencySettings.update(desks=7).where(AgencySettings.code == "16").execute()
    AgencySettings.delete().where(AgencySettings.code == "31").execute()
    assert settings.open_agencies(catalog, NOW) == ["31"]
    assert AgencySettings.get_by_id("16").desks == 7  # a supervisor's change is kept


def test_demo_passwords_do_not_work_outside_demo_mode(app, db, client):
    demo.load(app.extensions["catalog"])
    token = client.get("/fr/staff/login").soup.select_one("input[name=csrf_token]")["value"]
    form = {"csrf_token": token, "username": "demo-admin", "password": "Siege-CNAS-demo"}
    app.config["DEMO"] = False
    assert client.post("/fr/staff/login", data=form).status_code == 401
    app.config["DEMO"] = True
    assert client.post("/fr/staff/login", data=form).status_code == 303


def test_load_demo_keeps_settings_a_supervisor_changed(app, db):
    catalog = app.extensions["catalog"]
    demo.load(catalog)
    hours = {d: {"open": True, "opens": "08:00", "closes": "12:00"} for d in (6, 0, 1, 2, 3)}
    data = {"slot_minutes": 30, "desks": 9, "horizon_days": 30, "min_notice_minutes": 120, "hours": hours}
    settings.change(catalog, "31", data, set(), True, "demo-supervisor", NOW)
    counts = demo.load(catalog)
    assert counts["agency settings kept (changed by staff)"] == 1
    assert (AgencySettings.get_by_id("31").desks, AgencySettings.get_by_id("16").desks) == (9, 4)


def test_with_the_clock_frozen_from_the_environment_a_429_still_ends(app, db, monkeypatch):
    assert config.from_env({"WEBAPP_NOW": "2026-12-01T09:00"})["REAL_TIME_LIMITS"] is True
    assert config.from_env({})["REAL_TIME_LIMITS"] is False
    app.config["REAL_TIME_LIMITS"] = True  # as with WEBAPP_NOW: the app's clock stays at NOW
    real = [datetime(2026, 11, 30, 10, 0, 1, tzinfo=ALGIERS)]
    monkeypatch.setattr(clock, "wall", lambda: real[0])
    with app.app_context():
        assert [ratelimit.allow("login-ip:x", 2, 600, clock.now()) for _ in range(3)] == [True, True, False]
        real[0] += timedelta(minutes=10)
        assert ratelimit.allow("login-ip:x", 2, 600, clock.now())
        app.config["REAL_TIME_LIMITS"] = False  # tests freeze the windows with the clock
        assert [ratelimit.allow("login-ip:y", 2, 600, clock.now()) for _ in range(3)] == [True, True, False]
        real[0] += timedelta(minutes=10)
        assert not ratelimit.allow("login-ip:y", 2, 600, clock.now())
