"""The arena's admin pages open for administrators, and moderators see battles and votes read-only."""

import pytest

from arena.services import vote_cast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_arena_admin_page_opens(client, alice, played):
    battle, _ = played(alice)
    vote = vote_cast(battle=battle, user=alice, choice="a")
    client.force_login(UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True))
    for path in [
        "/admin/arena/poolentry/",
        "/admin/arena/poolentry/add/",
        "/admin/arena/shortlistentry/",
        "/admin/arena/battle/",
        f"/admin/arena/battle/{battle.pk}/change/",
        "/admin/arena/vote/",
        f"/admin/arena/vote/{vote.pk}/change/",
        "/admin/arena/poolentry/promote/",
    ]:
        assert client.get(path).status_code == 200, path
    page = client.get(f"/admin/arena/battle/{battle.pk}/change/").content.decode()
    assert all(c.model_slug in page for c in battle.contestants.all())


def test_a_moderator_sees_votes_but_cannot_delete_or_edit_them(client, bob, alice, played):
    from accounts.roles import user_set_role

    battle, _ = played(alice)
    vote = vote_cast(battle=battle, user=alice, choice="a")
    user_set_role(user=bob, role="moderator")
    client.force_login(bob)
    assert client.get("/admin/arena/vote/").status_code == 200
    assert client.get("/admin/arena/battle/").status_code == 200
    assert client.post(f"/admin/arena/vote/{vote.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/arena/poolentry/").status_code == 403
