"""Health checks, and a database that is down: the catalog still answers, the rest says 503."""

import pytest

from webapp import create_app


@pytest.fixture
def down(app, tmp_path):
    """An app whose database cannot be opened (a folder that does not exist)."""
    broken = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite",
                         "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x", "NOW": app.config["NOW"]})
    yield broken.test_client()  # the `app` fixture points the shared database back afterwards


def test_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}


def test_with_the_database_down_the_catalog_is_served_and_the_rest_says_503(down):
    assert down.get("/healthz").status_code == 200
    assert down.get("/readyz").status_code == 503
    for url in ("/ar/", "/fr/services/work-accident", "/fr/services/work-accident/declare-work-accident",
                "/fr/agencies", "/fr/search?q=accident", "/sw.js", "/offline-manifest/ar.json"):
        assert down.get(url).status_code == 200, url
    page = down.get("/fr/book/death-grant/claim-death-grant?agency=16")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "brièvement indisponible" in page.get_data(as_text=True)
    api = down.get("/api/v1/agencies/16/availability?task=death-grant/claim-death-grant")
    assert api.status_code == 503 and api.json["error"]["code"] == "503"
