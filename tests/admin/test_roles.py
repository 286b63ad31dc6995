"""Moderators do what their role allows in the admin and nothing else; users never reach it."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from accounts.models import Role, Status, User
from accounts.roles import user_set_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return user_set_role(user=UserFactory(username="mod", email="mod@example.com"), role=Role.MODERATOR)


@pytest.fixture
def administrator(db):
    return user_set_role(user=UserFactory(username="root", email="root@example.com"), role=Role.ADMIN)


def _action(client, action: str, *users: User):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def test_regular_user_gets_no_admin_page(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302


def test_moderator_can_view_and_search_users(client, moderator, alice, bob):
    client.force_login(moderator)
    response = client.get(reverse("admin:accounts_user_changelist"), {"q": "alice"})
    assert response.status_code == 200
    assert b"alice@example.com" in response.content
    assert b"bob@example.com" not in response.content


def test_moderator_suspends_a_user_and_it_is_logged(client, moderator, alice, jwt_for):
    tokens = jwt_for(alice)
    client.force_login(moderator)
    _action(client, "suspend", alice)
    alice.refresh_from_db()
    assert alice.status == Status.SUSPENDED
    assert LogEntry.objects.filter(object_id=str(alice.pk), change_message="Suspended", user=moderator).exists()
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['token']}")
    assert api.get("/api/auth/me").status_code == 401


def test_moderator_reactivates_a_user(client, moderator, alice):
    alice.status = Status.SUSPENDED
    alice.save()
    client.force_login(moderator)
    _action(client, "reactivate", alice)
    alice.refresh_from_db()
    assert alice.status == Status.ACTIVE


def test_moderator_cannot_change_tiers_or_edit_users(client, moderator, alice):
    client.force_login(moderator)
    page = client.get(reverse("admin:accounts_user_changelist"))
    assert b"set_tier_pro" not in page.content
    _action(client, "set_tier_pro", alice)
    alice.refresh_from_db()
    assert alice.tier == "free"
    response = client.post(reverse("admin:accounts_user_change", args=[alice.pk]), {"email": "x@example.com"})
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_moderator_cannot_delete_users_or_reach_system_pages(client, moderator, alice):
    client.force_login(moderator)
    assert client.get(reverse("admin:accounts_user_delete", args=[alice.pk])).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_administrator_changes_tier_with_an_action(client, administrator, alice):
    client.force_login(administrator)
    _action(client, "set_tier_pro", alice)
    alice.refresh_from_db()
    assert alice.tier == "pro"
    assert LogEntry.objects.filter(object_id=str(alice.pk), change_message="Tier set to pro").exists()


def test_action_log_is_visible_but_read_only(client, administrator, alice):
    client.force_login(administrator)
    _action(client, "set_tier_basic", alice)
    entry = LogEntry.objects.latest("action_time")
    assert client.get(reverse("admin:admin_logentry_changelist")).status_code == 200
    response = client.post(reverse("admin:admin_logentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_making_someone_a_moderator_gives_staff_access_and_removing_takes_it(moderator):
    assert moderator.is_staff and not moderator.is_superuser
    assert moderator.has_perm("accounts.suspend_user")
    user_set_role(user=moderator, role=Role.USER)
    refreshed = User.objects.get(pk=moderator.pk)
    assert not refreshed.is_staff
    assert not refreshed.has_perm("accounts.suspend_user")
