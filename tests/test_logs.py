"""One log line a request, with its request id, and nothing personal in it."""

import io
import json
import logging

import pytest

from webapp import demo, logs


@pytest.fixture
def log_lines(app):
    """The app's log lines as JSON objects (LOG_FORMAT=json)."""
    app.config["LOG_FORMAT"] = "json"
    logs.configure(app)
    stream = io.StringIO()
    handler = next(h for h in logs.ACCESS.handlers if h.get_name() == logs.HANDLER_NAME)
    handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    app.config["LOG_FORMAT"] = "text"
    logs.configure(app)


def test_one_json_line_a_request_with_its_id_and_no_personal_data(app, db, client, log_lines):
    demo.load(app.extensions["catalog"])
    response = client.get("/api/v1/appointments/DEM2AAAA?phone=0550000001", headers={"X-Request-Id": "abc-12345"})
    booked = client.post("/api/v1/appointments", headers={"Idempotency-Key": "log-1"}, json={
        "agency": "16", "service": "death-grant", "task": "claim-death-grant", "date": "2026-12-02",
        "time": "11:00", "full_name": "Nadia Logtest", "phone": "0551 00 00 77"})
    assert booked.status_code == 201
    lines = [line for line in log_lines() if line["logger"] == "webapp.access"]
    assert len(lines) == 2
    assert lines[0]["request_id"] == response.headers["X-Request-Id"] == "abc-12345"
    assert lines[0]["path"] == "/api/v1/appointments/DEM2AAAA" and lines[0]["status"] == 404
    assert lines[1]["request_id"] == booked.headers["X-Request-Id"] and len(lines[1]["request_id"]) == 32
    text = json.dumps(log_lines())
    assert "0550000001" not in text and "Logtest" not in text and "0551" not in text and "phone=" not in text


def test_a_made_up_request_id_is_replaced(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-Id": "bad id\\" + "x" * 100})
    assert len(response.headers["X-Request-Id"]) == 32
    assert logging.getLogger("webapp.access").propagate is False
