"""The arena in a user's data export, and in account deletion."""

import pytest

from accounts.services import user_delete_account
from arena.models import BattleTurn, ShortlistEntry, Vote
from arena.selectors import leaderboard_compute
from arena.services import vote_cast

pytestmark = pytest.mark.django_db


def test_export_has_my_battles_and_votes_only(alice_api, alice, bob, played, export_of):
    mine, pending = played(alice, "My secret prompt")
    vote_cast(battle=mine, user=alice, choice="a")
    played(bob, "Bob's prompt")
    data = export_of(alice_api)
    assert [b["prompts"] for b in data["arena_battles"]] == [["My secret prompt"]]
    assert data["arena_battles"][0]["vote"] == {"choice": "a", "ranking": [], "voided": False}
    assert data["arena_battles"][0]["models"] == [pending.slots["A"], pending.slots["B"]]


def test_deleting_the_account_removes_the_prompts_and_keeps_the_votes(alice, played, pool):
    battle, _ = played(alice, "My secret prompt")
    vote_cast(battle=battle, user=alice, choice="a")
    ShortlistEntry.objects.create(user=alice, model=pool[0])
    user_delete_account(user=alice)
    assert list(BattleTurn.objects.values_list("prompt", flat=True)) == [""]
    assert not ShortlistEntry.objects.exists()
    assert Vote.objects.count() == 1 and leaderboard_compute()["votes"] == 1
