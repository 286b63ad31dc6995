"""The notification settings are read: "warn me at 80 % and 100 %" and "tell me when jobs finish" send
emails (at most one per threshold per quota window, one per job), only to users who left them on."""

import copy

import httpx
import pytest
from django.core import mail

from accounts.models import User
from tests.spec.conftest import SPEC_CHAT
from usage import events
from usage.models import SystemSetting
from usage.notifications import notification_email
from usage.settings_store import get_setting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def daily_quota_of_five(transactional_db):
    limits = copy.deepcopy(get_setting("tier_limits"))
    limits["free"]["daily"] = 5
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object", category="ai", is_public=True)


def _chat(server, key: str, times: int) -> None:
    for _ in range(times):
        response = httpx.post(f"{server.url}/api/v1/ai/chat", json=SPEC_CHAT, headers={"X-API-Key": key}, timeout=30)
        assert response.status_code == 200, response.text


def _subjects() -> list[str]:
    return [m.subject for m in mail.outbox]


def test_a_quota_warning_is_emailed_at_80_and_100_percent_once_each(
    app_server, alice, alice_key, minimax, daily_quota_of_five, mailoutbox
):
    _chat(app_server, alice_key, 3)
    assert mail.outbox == []

    _chat(app_server, alice_key, 1)  # 4 of 5: 80 %
    assert _subjects() == ["Switchboard: 80% of your daily request quota used"]
    assert mail.outbox[0].to == [alice.email]
    assert "You have used 4 of your daily request quota of 5" in mail.outbox[0].body

    _chat(app_server, alice_key, 1)  # 5 of 5: 100 %
    assert _subjects()[1:] == ["Switchboard: 100% of your daily request quota used"]

    warning = {"quota_type": "daily", "used": 4, "limit": 5, "percentage": 80}
    assert notification_email(user_id=alice.pk, event=events.QUOTA_WARNING, payload=warning) is False
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("choices", [{"quota_warnings": False}, {"email": False}])
def test_no_quota_email_to_a_user_who_turned_it_off(
    app_server, alice, alice_key, minimax, daily_quota_of_five, mailoutbox, choices
):
    User.objects.filter(pk=alice.pk).update(notifications={**alice.notifications, **choices})

    _chat(app_server, alice_key, 5)

    assert mail.outbox == []


def test_a_finished_batch_is_emailed_once_and_its_items_are_not(app_server, alice, alice_key, minimax, mailoutbox):
    body = {"model": "minimax", "prompts": ["one", "two", "three"]}
    response = httpx.post(f"{app_server.url}/api/v1/ai/batch", json=body, headers={"X-API-Key": alice_key})

    assert response.status_code == 202, response.text
    assert _subjects() == ["Switchboard: your batch has finished"]
    assert "3 prompts to minimax/MiniMax-M2 has finished: 3 answered, 0 failed" in mail.outbox[0].body


def test_no_job_email_to_a_user_who_turned_it_off(app_server, alice, alice_key, minimax, mailoutbox):
    User.objects.filter(pk=alice.pk).update(notifications={**alice.notifications, "job_updates": False})
    body = {"model": "minimax", "prompts": ["one"]}

    response = httpx.post(f"{app_server.url}/api/v1/ai/batch", json=body, headers={"X-API-Key": alice_key})

    assert response.status_code == 202
    assert mail.outbox == []


def test_a_video_is_emailed_once_when_it_is_ready(alice, mailoutbox):
    payload = {"task_id": "job-1", "type": "video", "model": "demo/reel", "status": "completed"}

    sent = [notification_email(user_id=alice.pk, event="ai.task.completed", payload=payload) for _ in range(2)]

    assert sent == [True, False] and _subjects() == ["Switchboard: your video is ready"]


@pytest.mark.parametrize(
    ("quota", "name"),
    [
        ("weekly", "weekly request quota"),
        ("monthly", "monthly request quota"),
        ("monthly_budget", "monthly spend budget"),
    ],
)
def test_every_quota_and_the_budget_warn_once_per_threshold(alice, mailoutbox, quota, name):
    def warn(percent: int) -> bool:
        payload = {"quota_type": quota, "used": "4.00", "limit": "5.00", "percentage": percent}
        return notification_email(user_id=alice.pk, event=events.QUOTA_WARNING, payload=payload)

    assert [warn(80), warn(80), warn(100), warn(100)] == [True, False, True, False]
    assert _subjects() == [f"Switchboard: 80% of your {name} used", f"Switchboard: 100% of your {name} used"]
