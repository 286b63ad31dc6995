"""The arena's other pages: the shortlist, the start page, the navigation."""

import pytest

from arena.models import ShortlistEntry

pytestmark = pytest.mark.django_db


def test_the_shortlist_is_saved_and_battles_can_draw_from_it(client, alice, bob, pool):
    ShortlistEntry.objects.create(user=bob, model=pool[3])
    client.force_login(alice)
    page = client.get("/arena/shortlist/").content.decode()
    assert all(m.slug in page for m in pool)
    client.post("/arena/shortlist/", {"models": [pool[0].slug, pool[1].slug, "no/such-model"]})
    assert set(ShortlistEntry.objects.filter(user=alice).values_list("model__slug", flat=True)) == {
        pool[0].slug,
        pool[1].slug,
    }
    client.post("/arena/shortlist/", {"models": [pool[1].slug]})
    assert list(ShortlistEntry.objects.filter(user=alice).values_list("model__slug", flat=True)) == [pool[1].slug]
    assert ShortlistEntry.objects.filter(user=bob).count() == 1  # someone else's list is untouched
    response = client.post("/arena/battles", {"prompt": "Hi", "count": 2, "source": "shortlist"}, follow=True)
    assert "Your shortlist has 1 usable model(s); this battle needs 2." in response.content.decode()


def test_the_arena_is_in_the_main_navigation_for_signed_in_users(client, alice):
    assert 'href="/arena/"' not in client.get("/models/").content.decode()
    client.force_login(alice)
    assert 'href="/arena/"' in client.get("/models/").content.decode()


def test_the_start_page_lists_my_battles_only(client, alice, bob, played):
    played(alice, "Alice asks")
    played(bob, "Bob asks")
    client.force_login(alice)
    page = client.get("/arena/").content.decode()
    assert "Alice asks" in page and "Bob asks" not in page


def test_the_leaderboard_offers_promotion_to_admins(client, alice, played):
    from arena.services import vote_cast
    from tests.factories import UserFactory

    battle, pending = played(alice)
    vote_cast(battle=battle, user=alice, choice="a")
    client.force_login(UserFactory(username="root", email="root@example.com", is_staff=True, is_superuser=True))
    page = client.get("/arena/leaderboard/").content.decode()
    assert f'href="/admin/arena/poolentry/promote/?model={pending.slots["A"]}"' in page


def test_the_pages_need_sign_in(client):
    for path in ("/arena/", "/arena/leaderboard/", "/arena/shortlist/"):
        assert client.get(path).status_code == 302


def test_three_models_are_ranked_from_the_page(client, alice, played):
    battle, pending = played(alice, count=3)
    client.force_login(alice)
    page = client.get(battle.get_absolute_url()).content.decode()
    assert 'name="rank_3"' in page and 'value="ranking"' in page
    refused = client.post(
        f"/arena/b/{battle.pk}/vote", {"choice": "ranking", "rank_1": "A", "rank_2": "A", "rank_3": "B"}
    )
    assert refused.status_code == 303
    assert "Rank all 3 answers" in client.get(battle.get_absolute_url()).content.decode()
    client.post(f"/arena/b/{battle.pk}/vote", {"choice": "ranking", "rank_1": "C", "rank_2": "A", "rank_3": "B"})
    page = client.get(battle.get_absolute_url()).content.decode()
    assert '<strong id="your-vote">C > A > B</strong>' in page
    assert all(slug in page for slug in pending.slots.values())
