"""create_demo_data, prune_generations and the expired-token cleanup."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Tier, User
from accounts.tasks import cleanup_expired_tokens
from playground.models import Conversation
from tests.factories import GenerationFactory
from usage.models import DailyRollup, Generation

pytestmark = pytest.mark.django_db


def test_create_demo_data_fills_users_of_every_tier_and_90_days_of_generations():
    call_command("create_demo_data", generations=500, users=20, seed=7)
    assert Generation.objects.count() == 500
    assert set(User.objects.values_list("tier", flat=True)) == set(Tier.values)
    assert Conversation.objects.exists()
    oldest = Generation.objects.order_by("created_at").first().created_at
    assert timezone.now() - oldest <= timedelta(days=90)
    assert sum(DailyRollup.objects.values_list("requests", flat=True)) == 500


def test_create_demo_data_is_deterministic_for_a_seed():
    call_command("create_demo_data", generations=50, users=5, seed=3)
    first = sorted(Generation.objects.values_list("total_tokens", flat=True))
    Conversation.objects.all().delete()
    Generation.objects.all().delete()
    call_command("create_demo_data", generations=50, users=5, seed=3)
    assert sorted(Generation.objects.values_list("total_tokens", flat=True)) == first


def test_prune_deletes_only_older_generations():
    now = timezone.now()
    old = GenerationFactory(created_at=now - timedelta(days=40))
    recent = GenerationFactory(created_at=now - timedelta(days=20))
    call_command("prune_generations", older_than=30, batch=1)
    assert not Generation.objects.filter(pk=old.pk).exists()
    assert Generation.objects.filter(pk=recent.pk).exists()


def test_expired_refresh_tokens_are_cleaned_up(alice):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    now = timezone.now()
    OutstandingToken.objects.create(user=alice, jti="old", token="x", expires_at=now - timedelta(days=1))
    OutstandingToken.objects.create(user=alice, jti="live", token="y", expires_at=now + timedelta(days=1))
    assert cleanup_expired_tokens()["tokens"] == 1
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == ["live"]
