"""`POST /api/v1/ai/video` and `/api/v1/ai/tasks`: eager Celery on the test database.

The demo's "reel" model (a real mp4, final at its first poll here) and MiniMax Hailuo on the fake
upstream (Queueing, Processing, then Success or Fail) go through the real adapters and the real task.
"""

import copy
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from playground.jobs import video as jobs
from playground.models import JobStatus, VideoJob
from usage import counters
from usage import limits as limiter
from usage.models import Generation, SystemSetting
from usage.settings_store import get_setting

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO_CLIP = ROOT / "providers" / "demo_assets" / "demo.mp4"


def submit(client, committing, **body):
    with committing(execute=True):  # the first step is queued (and, eager, run) when the request commits
        return client.post("/api/v1/ai/video", body, format="json")


def spent_and_held(user) -> tuple[Decimal, int]:
    used = counters.quota_used(user_id=user.pk)
    return limiter.from_nano(used["spent"]), used["held"]


def test_demo_video_is_queued_then_finished_stored_and_charged_once(alice_api, alice, reel, committing, emitted):
    response = submit(alice_api, committing, model="demo/reel", prompt="A lighthouse at dusk", duration=6)

    assert response.status_code == 202, response.content
    task_id = response.json()["data"]["id"]
    assert response.json()["data"]["status"] == "queued"
    task = alice_api.get(f"/api/v1/ai/tasks/{task_id}").json()["data"]
    assert task["status"] == "succeeded"
    assert task["cost"] == "0.10000000"
    clip = alice_api.get(task["video_url"])
    assert clip.status_code == 200
    assert clip["Content-Type"] == "video/mp4"
    assert b"".join(clip.streaming_content) == DEMO_CLIP.read_bytes()
    assert spent_and_held(alice) == (Decimal("0.10000000"), 0)
    assert Generation.objects.filter(user=alice, door="video", cost=Decimal("0.10")).count() == 1
    [(event, user_id, payload)] = [e for e in emitted if e[0].startswith("ai.task")]
    assert (event, user_id, payload["task_id"]) == ("ai.task.completed", alice.pk, task_id)


def test_a_minimax_job_polled_several_times_is_charged_exactly_once(alice_api, alice, hailuo, committing, emitted):
    hailuo()

    response = submit(alice_api, committing, model="minimax/MiniMax-Hailuo-2.3", prompt="A cat in the rain")

    job = VideoJob.objects.get(pk=response.json()["data"]["id"])
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts >= 3  # the submit and the Queueing and Processing polls before Success
    assert (job.width, job.height, job.cost) == (1280, 720, Decimal("0.30"))
    assert job.provider_task_id
    assert spent_and_held(alice) == (Decimal("0.30000000"), 0)
    # A duplicate delivery of the task, or a late poll, finds the job final and charges nothing more.
    assert jobs.video_job_step(job_id=job.pk) is None
    assert jobs._finish(job, JobStatus.SUCCEEDED) is False
    assert spent_and_held(alice) == (Decimal("0.30000000"), 0)
    assert Generation.objects.filter(upstream_id=job.provider_task_id).count() == 1
    assert [e[0] for e in emitted if e[0].startswith("ai.task")] == ["ai.task.completed"]


def test_a_failed_provider_task_fails_the_job_and_charges_nothing(alice_api, alice, hailuo, committing, emitted):
    hailuo("MiniMax-Hailuo-2.3@fail")

    response = submit(alice_api, committing, model="minimax/MiniMax-Hailuo-2.3@fail", prompt="A storm")

    task = alice_api.get(f"/api/v1/ai/tasks/{response.json()['data']['id']}").json()["data"]
    assert task["status"] == "failed"
    assert task["error"]
    assert task["cost"] == "0.00000000"
    assert spent_and_held(alice) == (Decimal("0"), 0)
    [(event, _, payload)] = [e for e in emitted if e[0].startswith("ai.task")]
    assert event == "ai.task.failed"
    assert payload["error"] == task["error"]


def test_the_demo_failure_trigger_fails_the_job(alice_api, alice, reel, committing, emitted):
    response = submit(alice_api, committing, model="demo/reel", prompt="Please [[fail]]")

    job = VideoJob.objects.get(pk=response.json()["data"]["id"])
    assert job.status == JobStatus.FAILED
    assert "[[fail]]" in job.error
    assert not job.file
    assert [e[0] for e in emitted if e[0].startswith("ai.task")] == ["ai.task.failed"]


def test_a_provider_outage_is_retried_then_fails_with_the_reason(alice_api, alice, hailuo, committing, settings):
    settings.VIDEO_MAX_PROVIDER_ERRORS = 2
    hailuo("MiniMax-Hailuo-2.3@503")

    response = submit(alice_api, committing, model="minimax/MiniMax-Hailuo-2.3@503", prompt="A desert road")

    job = VideoJob.objects.get(pk=response.json()["data"]["id"])
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("The provider failed")
    assert job.provider_errors == 1  # the first failure was retried; the second ended the job
    assert spent_and_held(alice) == (Decimal("0"), 0)


def test_a_job_past_the_maximum_age_is_failed_by_the_sweeper(alice_api, alice, reel, emitted):
    response = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "Slow"}, format="json")
    job_id = response.json()["data"]["id"]  # never run: its task was not queued (no commit here)
    VideoJob.objects.filter(pk=job_id).update(created_at=timezone.now() - timedelta(hours=1))

    assert jobs.videos_sweep()["expired"] == 1

    job = VideoJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert "did not finish within 30 minutes" in job.error
    assert job.cost == 0


def test_a_running_job_can_be_cancelled_by_its_owner_and_costs_nothing(alice_api, alice, reel):
    job_id = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "x"}, format="json").json()["data"][
        "id"
    ]
    assert spent_and_held(alice)[1] == limiter.to_nano(Decimal("0.10"))  # the reservation made at submit

    with_commit = alice_api.post(f"/api/v1/ai/tasks/{job_id}/cancel")

    assert with_commit.status_code == 200
    assert with_commit.json()["data"]["status"] == "cancelled"
    assert alice_api.post(f"/api/v1/ai/tasks/{job_id}/cancel").status_code == 400  # already final
    assert VideoJob.objects.get(pk=job_id).cost == 0


def test_submit_is_refused_when_the_daily_quota_is_used_up(alice_api, alice, reel, committing):
    limits = copy.deepcopy(get_setting("tier_limits"))  # the returned dict may be the shared default
    limits["free"]["daily"] = 1
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object", category="ai", is_public=True)
    assert submit(alice_api, committing, model="demo/reel", prompt="one").status_code == 202

    refused = submit(alice_api, committing, model="demo/reel", prompt="two")

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "QUOTA_EXCEEDED"
    assert VideoJob.objects.filter(user=alice).count() == 1


def test_submit_reserves_the_video_price_against_the_budget(alice_api, alice, hailuo, committing):
    hailuo()
    alice.monthly_budget_usd = Decimal("0.20")  # less than a 6 s Hailuo video ($0.30)
    alice.save()

    refused = submit(alice_api, committing, model="minimax/MiniMax-Hailuo-2.3", prompt="Too dear")

    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["quota"] == "monthly_budget"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"duration": 7}, "duration"),
        ({"resolution": "4K"}, "resolution"),
        ({"resolution": "1080P", "duration": 10}, "resolution"),
        ({"first_frame_image": "ftp://example.com/a.png"}, "first_frame_image"),
    ],
)
def test_invalid_requests_are_refused_before_anything_is_counted(alice_api, alice, reel, body, field):
    response = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "ok", **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert counters.quota_used(user_id=alice.pk)["daily"] == 0


def test_a_chat_model_cannot_make_videos(alice_api, alice, reel):
    from tests.factories import AIModelFactory

    AIModelFactory(slug="demo/swift", provider=reel.provider, upstream_id="swift")

    response = alice_api.post("/api/v1/ai/video", {"model": "demo/swift", "prompt": "x"}, format="json")

    assert response.status_code == 400
    assert "does not generate video" in response.json()["error"]["message"]


def test_the_task_list_is_paginated_and_shows_only_the_callers_jobs(alice_api, alice, bob, reel, jwt_for):
    for n in range(3):
        alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": f"clip {n}"}, format="json")
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    bob_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "bob's"}, format="json")

    page = alice_api.get("/api/v1/ai/tasks?limit=2").json()["data"]

    assert page["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2, "has_next": True, "has_prev": False}
    assert [t["prompt"] for t in page["items"]] == ["clip 2", "clip 1"]


def test_other_users_get_404_and_anonymous_callers_401_on_every_task_endpoint(alice_api, bob, reel, jwt_for):
    job_id = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "mine"}, format="json").json()["data"][
        "id"
    ]
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    anonymous = APIClient()

    for path in (f"/api/v1/ai/tasks/{job_id}", f"/api/v1/ai/tasks/{job_id}/file"):
        assert bob_api.get(path).status_code == 404
        assert anonymous.get(path).status_code == 401
    assert bob_api.post(f"/api/v1/ai/tasks/{job_id}/cancel").status_code == 404
    assert anonymous.post(f"/api/v1/ai/tasks/{job_id}/cancel").status_code == 401
    assert anonymous.get("/api/v1/ai/tasks").status_code == 401
    assert anonymous.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "x"}, format="json").status_code == 401
    assert bob_api.get("/api/v1/ai/tasks").json()["data"]["items"] == []
    assert VideoJob.objects.get(pk=job_id).status == JobStatus.QUEUED


def test_api_keys_need_ai_write_to_submit_and_ai_read_to_look(alice, reel, key_for):
    reader = APIClient()
    reader.credentials(HTTP_X_API_KEY=key_for(alice, scopes=("ai:read",)))

    response = reader.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "x"}, format="json")

    assert response.status_code == 403
    assert reader.get("/api/v1/ai/tasks").status_code == 200


def test_a_job_submitted_with_an_api_key_records_the_key_and_rate_headers(alice_keyed, alice, reel):
    response = alice_keyed.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "x"}, format="json")

    assert response.status_code == 202
    assert response["X-RateLimit-Limit"] == "10"  # the free tier's per-minute limit, as for chat
    assert VideoJob.objects.get(pk=response.json()["data"]["id"]).api_key_id is not None


def test_a_duplicate_delivery_while_a_step_is_in_flight_does_nothing(alice_api, alice, reel):
    job_id = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "x"}, format="json").json()["data"][
        "id"
    ]
    job = VideoJob.objects.get(pk=job_id)
    assert jobs._claim(job, timezone.now())  # a worker holds the step

    assert jobs.video_job_step(job_id=job_id) is None  # the same task, delivered again

    job.refresh_from_db()
    assert (job.status, job.attempts, job.provider_task_id) == (JobStatus.QUEUED, 0, "")


def test_the_sweeper_requeues_a_job_whose_task_was_lost(alice_api, alice, reel, settings):
    job_id = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "x"}, format="json").json()["data"][
        "id"
    ]  # its task was never queued (no commit here): as if the worker holding it had died
    VideoJob.objects.filter(pk=job_id).update(next_poll_at=timezone.now() - timedelta(minutes=5))

    assert jobs.videos_sweep() == {"expired": 0, "requeued": 1}

    assert VideoJob.objects.get(pk=job_id).status == JobStatus.SUCCEEDED  # eager: the requeued chain ran
