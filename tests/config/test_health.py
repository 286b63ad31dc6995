import pytest

from config import health

pytestmark = pytest.mark.django_db


def test_health_reports_every_service_up(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: s["status"] for name, s in body["services"].items()} == {
        "database": "up",
        "cache": "up",
        "broker": "up",
    }


def test_health_names_the_service_that_is_down(client, monkeypatch):
    def broken_cache() -> None:
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["cache"]
    assert "connection refused" in body["services"]["cache"]["error"]
    assert body["services"]["database"]["status"] == "up"


def test_health_reports_a_broker_that_cannot_be_reached(client, settings):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/health")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
