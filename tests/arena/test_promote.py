"""Promoting the arena's winner from the admin: the default model, or the head of a fallback chain,
each recorded in the action log."""

import pytest
from django.contrib.admin.models import LogEntry

from catalog.models import ModelFallback
from tests.factories import UserFactory
from usage.settings_store import default_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_promoting_makes_the_winner_the_default_model(admin_client, alice, pool):
    winner = pool[2]
    assert default_model(alice) != winner.slug
    page = admin_client.get(f"/admin/arena/poolentry/promote/?model={winner.slug}")
    assert page.status_code == 200 and winner.slug in page.content.decode()
    response = admin_client.post("/admin/arena/poolentry/promote/", {"model": winner.slug, "action": "default"})
    assert response.status_code == 302 and response["Location"] == "/arena/leaderboard/"
    assert default_model(alice) == winner.slug  # what a call that names no model now goes to
    logged = LogEntry.objects.filter(user=admin_client.admin, change_message__contains="Default model set to")
    assert logged.get().object_repr == "default_model"


def test_a_users_own_default_still_wins(admin_client, alice, pool):
    alice.default_model = pool[0].slug
    alice.save()
    admin_client.post("/admin/arena/poolentry/promote/", {"model": pool[2].slug, "action": "default"})
    assert default_model(alice) == pool[0].slug


def test_promoting_puts_the_winner_first_in_a_fallback_chain(admin_client, pool):
    target, old_first, winner, _ = pool
    ModelFallback.objects.create(model=target, fallback=old_first, position=0)
    ModelFallback.objects.create(model=target, fallback=winner, position=1)
    response = admin_client.post(
        "/admin/arena/poolentry/promote/", {"model": winner.slug, "action": "fallback", "target": target.slug}
    )
    assert response.status_code == 302
    assert target.ordered_fallbacks() == [winner, old_first]
    assert LogEntry.objects.filter(object_id=str(target.pk), change_message__contains="first fallback").exists()


def test_the_fallback_promotion_needs_a_target_and_not_itself(admin_client, pool):
    response = admin_client.post("/admin/arena/poolentry/promote/", {"model": pool[0].slug, "action": "fallback"})
    assert response.status_code == 200 and "Pick the model" in response.content.decode()
    response = admin_client.post(
        "/admin/arena/poolentry/promote/", {"model": pool[0].slug, "action": "fallback", "target": pool[0].slug}
    )
    assert "cannot be its own fallback" in response.content.decode()
    assert not ModelFallback.objects.exists() and not LogEntry.objects.exists()


def test_a_moderator_cannot_promote(client, bob, pool):
    from accounts.roles import user_set_role

    user_set_role(user=bob, role="moderator")
    client.force_login(bob)
    response = client.post("/admin/arena/poolentry/promote/", {"model": pool[0].slug, "action": "default"})
    assert response.status_code == 403
    assert default_model(bob) != pool[0].slug
