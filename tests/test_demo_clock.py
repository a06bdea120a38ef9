"""The demo's controllable clock: a tester moves it for every process of the instance (e.g.
past an offer's deadline), then puts it back; it does not exist outside demo mode."""

from webapp import create_app


def test_a_tester_moves_the_clock_of_every_process_and_puts_it_back(app, client, tmp_path):
    assert client.get("/api/v1/demo/clock").json == {"now": "2026-12-01T09:00:00+01:00", "set": False}
    moved = client.put("/api/v1/demo/clock", json={"now": "2026-12-01T11:05"})
    assert moved.status_code == 200 and moved.json["now"] == "2026-12-01T11:05:00+01:00"
    other = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "INSTANCE_DIR", "SECRET_KEY", "NOW")},
                        "TESTING": True, "DEMO": True})  # another process of the same instance
    assert other.test_client().get("/api/v1/demo/clock").json["now"] == "2026-12-01T11:05:00+01:00"
    page = client.get("/fr/book/death-grant/claim-death-grant?agency=16&date=2026-12-01").soup
    assert not page.find("input", attrs={"name": "time", "value": "12:45"})  # 11:05 + 2 h notice: gone
    assert client.put("/api/v1/demo/clock", json={"now": "soon"}).status_code == 422
    assert client.delete("/api/v1/demo/clock").json == {"now": "2026-12-01T09:00:00+01:00", "set": False}


def test_there_is_no_clock_to_move_outside_demo_mode(app):
    production = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "INSTANCE_DIR", "SECRET_KEY")},
                             "TESTING": True, "DEMO": False})
    assert production.test_client().put("/api/v1/demo/clock", json={"now": "2026-12-01T11:05"}).status_code == 404
