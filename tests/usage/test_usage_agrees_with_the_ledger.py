"""After a mix of whole, streamed, cancelled, failed, cached, batch and video calls, the usage API
agrees with the ledger to the row and the cent, reconciliation finds no difference, and the figures
survive Redis losing its counters (they are read from PostgreSQL)."""

import copy
import time
from decimal import Decimal
from io import StringIO

import httpx
import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from rest_framework.test import APIClient

from config import store
from tests.factories import UserFactory
from tests.jobs.conftest import reel  # noqa: F401  (the demo's video model)
from tests.ledger import flush_ledger
from usage.models import Generation, SystemSetting
from usage.settings_store import get_setting

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]
HELLO = [{"role": "user", "content": "Hello, ledger"}]


@pytest.fixture
def roomy_tier(db, settings, tmp_path):
    """Enough requests a minute for the whole workload, and media in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VIDEO_POLL_FIRST_SECONDS = settings.VIDEO_POLL_MAX_SECONDS = settings.VIDEO_DEMO_SECONDS = 0.0
    limits = copy.deepcopy(get_setting("tier_limits"))
    limits["free"]["per_minute"] = 100
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object")


def _openai(server, key: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20
    )


def _cancelled_stream(server, key: str, model: str) -> None:
    body = {"model": model, "messages": HELLO, "stream": True, "max_tokens": 500}
    with httpx.stream(
        "POST", f"{server.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    ) as response:
        for line in response.iter_lines():
            if '"content":"' in line and '"content":""' not in line:
                break  # the client goes away after the first content


def _mixed_workload(server, key: str, client: APIClient, chat_model, make_model) -> None:
    assert _openai(server, key, {"model": chat_model.slug, "messages": HELLO}).status_code == 200  # whole
    streamed = _openai(
        server, key,
        {"model": chat_model.slug, "messages": HELLO, "stream": True, "stream_options": {"include_usage": True}},
    )  # fmt: skip
    assert streamed.status_code == 200 and '"usage"' in streamed.text
    # A slow model of its own: the fake upstream counts closed streams per model name for every test.
    _cancelled_stream(server, key, make_model("gpt-4o-mini@slow=250").slug)
    broken = make_model("gpt-4o-mini@500")
    failed = client.post("/api/v1/ai/chat", {"model": broken.slug, "messages": HELLO}, format="json")
    assert failed.status_code == 502
    cached = {"model": chat_model.slug, "messages": [{"role": "user", "content": "cache me"}], "temperature": 0}
    assert [client.post("/api/v1/ai/chat", cached, format="json").json()["data"]["cached"] for _ in "ab"] == [
        False, True,
    ]  # fmt: skip
    batch = client.post(
        "/api/v1/ai/batch", {"model": chat_model.slug, "prompts": ["one", "two", "three"]}, format="json"
    )
    assert batch.status_code == 202
    video = client.post(
        "/api/v1/ai/video", {"model": "demo/reel", "prompt": "A lighthouse", "duration": 6}, format="json"
    )
    assert video.status_code == 202
    deadline = time.monotonic() + 15
    while Generation.objects.filter(status="cancelled").count() == 0:
        assert time.monotonic() < deadline, "the cancelled call was not recorded"
        flush_ledger()  # the /v1 door records behind its response
        time.sleep(0.05)
    flush_ledger()


def _usage_agrees_with_the_ledger(client: APIClient, user) -> dict:
    data = client.get("/api/v1/ai/usage").json()["data"]
    rows = Generation.objects.filter(user=user)
    ledger = rows.aggregate(n=Count("id"), tokens=Sum("total_tokens"), cost=Sum("cost"))
    usage = data["usage"]
    assert (usage["total_requests"], usage["total_tokens"]) == (ledger["n"], ledger["tokens"])
    assert Decimal(usage["total_cost"]) == ledger["cost"]
    per_model = {
        r["model_slug"]: {"requests": r["n"], "tokens": r["t"], "cost": f"{r['c'] or 0:.8f}"}
        for r in rows.values("model_slug").annotate(n=Count("id"), t=Sum("total_tokens"), c=Sum("cost"))
    }
    assert usage["by_model"] == per_model
    assert data["quota"]["daily"]["used"] == data["quota"]["monthly"]["used"] == ledger["n"]
    assert Decimal(data["quota"]["budget"]["used"]) == ledger["cost"]
    listed = client.get("/api/v1/usage?limit=100").json()["data"]
    assert {(i["id"], i["cost"]) for i in listed["items"]} == {
        (str(g.pk), None if g.cost is None else f"{g.cost:.8f}") for g in rows
    }
    return data


def test_every_kind_of_call_is_in_the_usage_api_to_the_row_and_the_cent(
    app_server, roomy_tier, alice, alice_key, chat_model, make_model, reel  # noqa: F811
):
    client = APIClient(HTTP_HOST="localhost")  # the app server's ALLOWED_HOSTS
    client.credentials(HTTP_X_API_KEY=alice_key)
    _mixed_workload(app_server, alice_key, client, chat_model, make_model)
    doors = dict(Generation.objects.values_list("door").annotate(n=Count("id")))
    assert doors == {"openai": 3, "rest": 3, "batch": 3, "video": 1}
    statuses = set(Generation.objects.values_list("status", flat=True))
    assert statuses == {"success", "cancelled", "error"}
    assert Generation.objects.filter(cache_hit=True).count() == 1
    before = _usage_agrees_with_the_ledger(client, alice)
    assert Decimal(before["usage"]["total_cost"]) >= Decimal("0.10")  # the video is in it

    out = StringIO()
    call_command("reconcile_usage", "--days", "1", "--all", stdout=out)
    assert "1 day/user line(s), 0 with differences." in out.getvalue()

    store.redis_client().flushdb()  # Redis loses every counter
    after = _usage_agrees_with_the_ledger(client, alice)
    assert after["usage"] == before["usage"]
    assert {k: after["quota"][k] for k in ("daily", "weekly", "monthly")} == {
        k: before["quota"][k] for k in ("daily", "weekly", "monthly")
    }


def test_reconciliation_flags_a_counter_that_disagrees_with_the_ledger(app_server, roomy_tier, alice_key, chat_model):
    assert _openai(app_server, alice_key, {"model": chat_model.slug, "messages": HELLO}).status_code == 200
    flush_ledger()
    Generation.objects.update(cost=Decimal("1.5"))  # the ledger now says something the counters did not see
    with pytest.raises(SystemExit):
        call_command("reconcile_usage", "--days", "1", stdout=(out := StringIO()))
    assert "DIFFERENCE counters cost" in out.getvalue() and "1 with differences" in out.getvalue()


def test_the_reconciliation_page_is_for_administrators(client, alice, roomy_tier):
    from tests.factories import GenerationFactory

    GenerationFactory(user=alice, cost=Decimal("0.25"), total_tokens=8)
    client.force_login(alice)
    assert client.get("/admin/reconcile/").status_code == 302  # to the admin's login
    staff = UserFactory(username="mod", email="mod@example.com", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/reconcile/").status_code == 403
    admin = UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get("/admin/reconcile/?days=2").content.decode()
    assert "1 req · 8 tok · $0.25000000" in page and "<strong>1</strong> with differences" in page
    assert "counters cost: 0.00000000 vs ledger 0.25000000" in page  # settled by no admission
