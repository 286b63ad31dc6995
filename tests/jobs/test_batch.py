"""`POST /api/v1/ai/batch`: every item through the one generation path, quotas per item."""

import copy
import json

import pytest
from rest_framework.test import APIClient

from playground.models import BatchItem, BatchRun
from usage.models import Generation, SystemSetting
from usage.settings_store import get_setting

pytestmark = pytest.mark.django_db

PROMPTS = ["first prompt", "second prompt", "third prompt", "fourth prompt", "fifth prompt"]


def run_batch(client, committing, **body):
    with committing(execute=True):  # the workers start (eagerly) when the request commits
        return client.post("/api/v1/ai/batch", body, format="json")


@pytest.fixture
def daily_quota_of_three(db):
    limits = copy.deepcopy(get_setting("tier_limits"))  # the returned dict may be the shared default
    limits["free"]["daily"] = 3
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object", category="ai", is_public=True)


def test_items_over_the_daily_quota_fail_alone_with_the_reason(
    alice_api, alice, chat_model, committing, emitted, daily_quota_of_three
):
    response = run_batch(alice_api, committing, model=chat_model.slug, prompts=PROMPTS, parameters={"max_tokens": 20})

    assert response.status_code == 202, response.content
    batch_id = response.json()["data"]["id"]
    batch = alice_api.get(f"/api/v1/ai/batch/{batch_id}").json()["data"]
    assert batch["status"] == "completed"
    assert batch["progress"] == {
        "total": 5, "completed": 5, "succeeded": 3, "failed": 2, "pending": 0, "percent": 100
    }  # fmt: skip
    items = list(BatchItem.objects.filter(batch_id=batch_id).order_by("index"))
    assert [i.status for i in items] == ["succeeded"] * 3 + ["failed"] * 2
    assert {i.error_code for i in items[3:]} == {"QUOTA_EXCEEDED"}
    assert "daily request quota" in items[3].error
    assert items[0].content.startswith("Echo from gpt-4o-mini")
    assert Generation.objects.filter(user=alice, door="batch").count() == 3
    [(_, user_id, payload)] = [e for e in emitted if e[0] == "ai.batch.completed"]
    assert (user_id, payload["batch_id"], payload["succeeded"], payload["failed"]) == (alice.pk, batch_id, 3, 2)


def test_results_download_as_json_and_jsonl(alice_api, chat_model, committing, daily_quota_of_three):
    batch_id = run_batch(alice_api, committing, model=chat_model.slug, prompts=PROMPTS).json()["data"]["id"]

    as_json = alice_api.get(f"/api/v1/ai/batch/{batch_id}/results.json")
    as_jsonl = alice_api.get(f"/api/v1/ai/batch/{batch_id}/results.jsonl")

    assert as_json["Content-Disposition"] == f'attachment; filename="batch-{batch_id}.json"'
    document = json.loads(as_json.content)
    assert [r["prompt"] for r in document["results"]] == PROMPTS
    assert document["results"][0]["content"].startswith("Echo from")
    lines = [json.loads(line) for line in as_jsonl.content.decode().splitlines()]
    assert [(r["index"], r["status"]) for r in lines] == [(i, "succeeded" if i < 3 else "failed") for i in range(5)]
    assert lines[4]["error_code"] == "QUOTA_EXCEEDED"


def test_a_batch_is_validated_before_anything_runs(alice_api, chat_model, settings):
    settings.BATCH_MAX_PROMPTS = 3
    cases = [
        ({"prompts": []}, "prompts"),
        ({"prompts": ["a", ""]}, "prompts"),
        ({"prompts": ["a", "b", "c", "d"]}, "prompts"),
        ({"prompts": ["a"], "parameters": {"colour": "red"}}, "parameters"),
        ({"prompts": ["a"], "parameters": {"temperature": 9}}, "temperature"),
    ]
    for body, field in cases:
        response = alice_api.post("/api/v1/ai/batch", {"model": chat_model.slug, **body}, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["error"]["details"], body
    assert not BatchRun.objects.exists()


def test_other_users_get_404_and_anonymous_callers_401_on_every_batch_endpoint(alice_api, bob, chat_model, jwt_for):
    batch_id = alice_api.post("/api/v1/ai/batch", {"model": chat_model.slug, "prompts": ["x"]}, format="json").json()[
        "data"
    ]["id"]
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    anonymous = APIClient()

    for path in (f"/api/v1/ai/batch/{batch_id}", f"/api/v1/ai/batch/{batch_id}/results.json"):
        assert bob_api.get(path).status_code == 404
        assert anonymous.get(path).status_code == 401
    assert alice_api.get(f"/api/v1/ai/batch/{batch_id}/results.csv").status_code == 404
    assert (
        anonymous.post("/api/v1/ai/batch", {"model": chat_model.slug, "prompts": ["x"]}, format="json").status_code
        == 401
    )
