"""A video is metered like every other call: moderated when it is recorded, and its owner warned at
80 % and 100 % of a request quota or of the budget, for videos as for chat."""

from decimal import Decimal

import pytest

from playground.models import Flag, VideoJob
from tests.factories import ModerationRuleFactory
from usage.models import SystemSetting
from usage.settings_store import DEFAULTS

pytestmark = pytest.mark.django_db


def submit(client, committing, prompt: str = "A lighthouse at dusk"):
    with committing(execute=True):  # the job's steps (eager here), its settlement and its events
        response = client.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": prompt}, format="json")
    assert response.status_code == 202, response.content
    return VideoJob.objects.get(pk=response.json()["data"]["id"])


def warnings(emitted: list, quota_type: str) -> list[tuple]:
    return [
        (p["used"], p["limit"], p["percentage"])
        for event, _, p in emitted
        if event == "quota.warning" and p["quota_type"] == quota_type
    ]


def test_a_video_prompt_that_matches_a_moderation_rule_is_flagged(alice_api, reel, committing):
    rule = ModerationRuleFactory(name="no lighthouses", kind="keyword", pattern="lighthouse", action="hide")

    job = submit(alice_api, committing, prompt="A lighthouse at dusk")
    clean = submit(alice_api, committing, prompt="A harbour at dawn")

    flag = Flag.objects.get()
    assert flag.generation_id == job.generation_id and flag.rule == rule
    assert flag.generation.hidden  # the rule hides what it matches, as it does for chat
    assert not Flag.objects.filter(generation_id=clean.generation_id).exists()


def test_video_spend_crossing_80_and_100_percent_of_the_budget_warns(alice_api, alice, reel, committing, emitted):
    alice.monthly_budget_usd = Decimal("0.50")  # the demo reel costs $0.10
    alice.save()

    for _ in range(3):
        submit(alice_api, committing)  # 20 %, 40 %, 60 %
    assert warnings(emitted, "monthly_budget") == []
    submit(alice_api, committing)
    assert warnings(emitted, "monthly_budget") == [("0.40000000", "0.50000000", 80)]
    submit(alice_api, committing)
    assert warnings(emitted, "monthly_budget")[1:] == [("0.50000000", "0.50000000", 100)]
    refused = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "One more"}, format="json")
    assert refused.status_code == 429 and refused.json()["error"]["details"]["quota"] == "monthly_budget"


def test_video_requests_crossing_80_and_100_percent_of_a_quota_warn(alice_api, reel, committing, emitted):
    tiers = {**DEFAULTS["tier_limits"][0], "free": {"per_minute": 100, "daily": 5, "weekly": 100, "monthly": 100}}
    SystemSetting.objects.create(key="tier_limits", value=tiers, type="object")

    for _ in range(5):
        submit(alice_api, committing)

    assert warnings(emitted, "daily") == [(4, 5, 80), (5, 5, 100)]
    refused = alice_api.post("/api/v1/ai/video", {"model": "demo/reel", "prompt": "A sixth"}, format="json")
    assert refused.status_code == 429 and refused.json()["error"]["details"]["quota"] == "daily"
