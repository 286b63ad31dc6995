import gzip
import json
import os

import pytest
from asgiref.sync import SyncToAsync
from django.core.cache import cache
from django.db import connections
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytest_plugins = [p for p in ("tests.fixtures_upstream",) if __import__("importlib").util.find_spec(p)]

PASSWORD = "Correct-horse1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true", help="browser tests save pages to docs/screenshots")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `redis` need a real Redis. Without REDIS_URL they skip locally; in CI that is an error."""
    if os.environ.get("REDIS_URL"):
        return
    needs_redis = [item for item in items if "redis" in item.keywords]
    if needs_redis and os.environ.get("CI"):
        raise pytest.UsageError("CI must set REDIS_URL: tests marked `redis` may not be skipped there.")
    for item in needs_redis:
        item.add_marker(pytest.mark.skip(reason="needs REDIS_URL (a real Redis); CI always sets it"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases, and before they are dropped, the connection of the thread that
    ran async tests' ORM calls (asgiref's single thread for sync_to_async outside a request). That
    thread outlives every test and keeps its connection checked out of psycopg's pool, which closing
    the pool leaves open, so DROP DATABASE found "other users"."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=30)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate-limit counters and deny-lists live in the cache; each test starts clean, and so do the
    # per-process copies of what the cache holds.
    from config.memo import forget_all

    cache.clear()
    forget_all()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def alice(db):  # the owner
    return UserFactory(username="alice", email="alice@example.com")


@pytest.fixture
def bob(db):  # another user
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def jwt_for(api):
    def login(user) -> dict:
        response = api.post("/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        return response.json()["data"]

    return login


@pytest.fixture
def alice_api(alice, jwt_for) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(alice)['token']}")
    return client


@pytest.fixture
def export_of(django_capture_on_commit_callbacks):
    """Ask for an export through the API, let the (eager) job write it, download it: {section: [items]}."""

    def run(client) -> dict:
        with django_capture_on_commit_callbacks(execute=True):  # the job is queued when the request commits
            started = client.post("/api/auth/export")
        assert started.status_code == 202 and started.json()["data"]["status"] == "queued"
        status = client.get("/api/auth/export").json()["data"]
        assert (status["status"], status["progress"]) == ("ready", 100)
        download = client.get(status["download_url"])
        assert download.status_code == 200 and download["Content-Type"] == "application/gzip"
        assert "attachment" in download["Content-Disposition"]
        sections: dict = {}
        for line in gzip.decompress(b"".join(download.streaming_content)).decode().splitlines():
            record = json.loads(line)
            sections.setdefault(record["section"], []).append(record["data"])
        from accounts.models import AccountExport

        AccountExport.objects.get(pk=status["id"]).file.delete()  # leave no file behind in MEDIA_ROOT
        return sections

    return run
