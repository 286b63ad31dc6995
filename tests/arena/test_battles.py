"""Battles and votes: hidden models in random positions, one vote once every answer has finished,
moderators voiding votes (with the action log)."""

from dataclasses import replace

import pytest
from django.contrib.admin.models import LogEntry

from arena.models import AnswerStatus, BattleStatus, ShortlistEntry, Vote
from arena.selectors import leaderboard
from arena.services import answer_record, battle_continue, battle_start, category_for, vote_cast
from config.api.exceptions import ApiError
from tests.arena.conftest import finish

pytestmark = pytest.mark.django_db


def test_a_battle_draws_distinct_models_from_the_pool_in_random_positions(alice, pool):
    orders = set()
    for _ in range(30):
        battle, _ = battle_start(user=alice, prompt="Hi", count=2)
        slugs = list(battle.contestants.values_list("model_slug", flat=True))
        assert len(set(slugs)) == 2 and set(slugs) <= {m.slug for m in pool}
        orders.add(tuple(slugs))
    # 12 ordered pairs are possible; thirty draws that always gave the same order would not be random.
    assert len(orders) > 4


def test_a_battle_can_draw_from_the_users_shortlist_only(alice, pool):
    for m in pool[:2]:
        ShortlistEntry.objects.create(user=alice, model=m)
    battle, _ = battle_start(user=alice, prompt="Hi", count=2, source="shortlist")
    assert set(battle.contestants.values_list("model_slug", flat=True)) == {pool[0].slug, pool[1].slug}
    with pytest.raises(ApiError, match="shortlist has 2 usable"):
        battle_start(user=alice, prompt="Hi", count=3, source="shortlist")


def test_a_model_switched_off_is_not_drawn(alice, pool):
    for m in pool[1:3]:
        m.is_active = False
        m.save()
    with pytest.raises(ApiError, match="2 usable"):
        battle_start(user=alice, prompt="Hi", count=3)


def test_the_vote_waits_for_every_answer(alice, pool):
    battle, pending = battle_start(user=alice, prompt="Hi", count=2)
    finish(replace(pending, answers={"A": pending.answers["A"]}))
    with pytest.raises(ApiError, match="Wait for every answer"):
        vote_cast(battle=battle, user=alice, choice="a")
    assert not Vote.objects.exists()
    finish(replace(pending, answers={"B": pending.answers["B"]}))
    battle.refresh_from_db()
    assert battle.status == BattleStatus.READY
    vote_cast(battle=battle, user=alice, choice="a")
    battle.refresh_from_db()
    assert battle.status == BattleStatus.VOTED


def test_one_battle_takes_one_vote(alice, played):
    battle, _ = played(alice)
    vote_cast(battle=battle, user=alice, choice="tie")
    with pytest.raises(ApiError, match="already been voted"):
        vote_cast(battle=battle, user=alice, choice="a")
    assert Vote.objects.get().choice == "tie"


def test_more_than_two_models_take_a_full_ranking(alice, played):
    battle, _ = played(alice, count=3)
    with pytest.raises(ApiError, match="Rank all 3"):
        vote_cast(battle=battle, user=alice, choice="a")
    with pytest.raises(ApiError, match="Rank all 3"):
        vote_cast(battle=battle, user=alice, choice="ranking", ranking=["A", "A", "B"])
    vote = vote_cast(battle=battle, user=alice, choice="ranking", ranking=["C", "A", "B"])
    assert vote.ranking == [2, 0, 1]


def test_a_battle_continues_with_the_same_models_each_seeing_its_own_answers(alice, played):
    battle, first = played(alice, "Name a colour")
    a_slug = first.slots["A"]
    second = battle_continue(battle=battle, prompt="And another?")
    assert second.slots == first.slots and second.turn == 1
    assert second.messages["A"] == [
        {"role": "user", "content": "Name a colour"},
        {"role": "assistant", "content": f"An answer from {a_slug}."},
        {"role": "user", "content": "And another?"},
    ]
    battle.refresh_from_db()
    assert battle.status == BattleStatus.ANSWERING  # a new turn: the vote waits again
    with pytest.raises(ApiError, match="Wait for every answer"):
        vote_cast(battle=battle, user=alice, choice="a")


def test_no_new_turn_after_the_vote(alice, played):
    battle, _ = played(alice)
    vote_cast(battle=battle, user=alice, choice="b")
    with pytest.raises(ApiError, match="voted on"):
        battle_continue(battle=battle, prompt="More")


def test_very_different_answer_lengths_are_flagged(alice, pool):
    battle, pending = battle_start(user=alice, prompt="Hi", count=2)
    slugs = list(pending.slots.values())
    finish(pending, contents={slugs[0]: "Short.", slugs[1]: "Long " * 100})
    battle.refresh_from_db()
    assert battle.length_flagged and battle.length_ratio > 50


def test_prompts_without_a_category_get_one_by_simple_rules():
    assert category_for("Write a python function that reverses a list") == "coding"
    assert category_for("Solve x^2 = 4") == "math"
    assert category_for("Write a poem about rain") == "writing"
    assert category_for("Who was the first emperor of Rome?") == "knowledge"
    assert category_for("Hello there") == "general"


def test_a_moderator_voids_a_vote_and_it_stops_counting(alice, bob, played, client, django_capture_on_commit_callbacks):
    from accounts.roles import user_set_role

    battle, pending = played(alice)
    vote_cast(battle=battle, user=alice, choice="a")
    winner = pending.slots["A"]
    assert leaderboard()["models"][0]["model"] == winner
    moderator = bob
    user_set_role(user=moderator, role="moderator")
    client.force_login(moderator)
    vote = Vote.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/arena/vote/",
            {"action": "void", "_selected_action": [vote.pk], "apply": "1", "reason": "Tested on purpose"},
        )
    assert response.status_code == 302
    vote.refresh_from_db()
    assert vote.is_void and vote.voided_by == moderator
    assert LogEntry.objects.filter(object_id=str(vote.pk), change_message__contains="Tested on purpose").exists()
    assert leaderboard()["models"] == []  # the task refreshed the cached board without the voided vote
    assert Vote.objects.filter(pk=vote.pk).exists()  # voided, not deleted


def test_a_user_without_the_permission_cannot_void(alice, played, client):
    battle, _ = played(alice)
    vote_cast(battle=battle, user=alice, choice="a")
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    vote = Vote.objects.get()
    client.post("/admin/arena/vote/", {"action": "void", "_selected_action": [vote.pk], "apply": "1", "reason": "x"})
    vote.refresh_from_db()
    assert not vote.is_void


def test_a_turn_never_streamed_stops_blocking_the_vote(alice, pool, client):
    from datetime import timedelta

    from django.utils import timezone

    from arena.models import BattleTurn

    battle, _ = battle_start(user=alice, prompt="Hi", count=2)
    client.force_login(alice)
    client.get(battle.get_absolute_url())
    battle.refresh_from_db()
    assert battle.status == BattleStatus.ANSWERING  # its stream may still be opened
    BattleTurn.objects.filter(battle=battle).update(created_at=timezone.now() - timedelta(hours=1))
    page = client.get(battle.get_absolute_url()).content.decode()
    battle.refresh_from_db()
    assert battle.status == BattleStatus.READY
    assert 'data-status="error"' in page


def test_two_votes_at_once_leave_one(alice, played, transactional_db):
    import threading

    from django.db import connection

    battle, _ = played(alice)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def cast(choice: str) -> None:
        barrier.wait()
        try:
            vote_cast(battle=battle, user=alice, choice=choice)
            results.append("ok")
        except ApiError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(c,)) for c in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert Vote.objects.filter(battle=battle).count() == 1


def test_the_task_keeps_the_platform_and_the_voters_boards_in_the_cache(
    alice, played, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from arena.selectors import leaderboard_key

    battle, pending = played(alice, "Write a poem about rain")
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(battle=battle, user=alice, choice="b")
    for user_id in (None, alice.pk):
        for category in ("all", "writing"):
            board = cache.get(leaderboard_key(user_id=user_id, category=category))
            assert board["models"][0]["model"] == pending.slots["B"], (user_id, category)
    assert cache.get(leaderboard_key(user_id=None, category="coding"))["votes"] == 0


def test_blind_events_name_no_model():
    from arena.stream import blind

    assert blind({"type": "metrics", "model": "A", "answered_by": "x/y", "cost": "0.1"}) is None
    shown = blind({"type": "error", "model": "A", "code": "PROVIDER_ERROR", "message": "x/y is down"})
    assert shown == {"type": "error", "model": "A", "code": "PROVIDER_ERROR", "message": "This model could not answer."}
    assert blind({"type": "error", "model": "B", "code": "QUOTA_EXCEEDED", "message": "..."})["message"] == (
        "Your quota is used up."
    )


def test_a_battle_where_a_model_gave_no_answer_cannot_be_voted_on(alice, pool):
    battle, pending = battle_start(user=alice, prompt="Hi", count=2)
    answer_record(answer_id=pending.answers["A"], status=AnswerStatus.ERROR, generation_id=None)
    from tests.factories import GenerationFactory

    b = battle.contestants.get(position=1)
    g = GenerationFactory(user=alice, model=b.model, content="Fine.")
    answer_record(answer_id=pending.answers["B"], status=AnswerStatus.SUCCESS, generation_id=g.pk)
    battle.refresh_from_db()
    assert battle.status == BattleStatus.READY
    with pytest.raises(ApiError, match="Model A gave no answer"):
        vote_cast(battle=battle, user=alice, choice="b")
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"prompt": "  "}, "Write a prompt first."),
        ({"count": 1}, "between 2 and 4"),
        ({"count": 5}, "between 2 and 4"),
        ({"category": "poetry"}, "Unknown category."),
        ({"source": "everyone"}, "Draw from the pool or your shortlist."),
    ],
)
def test_bad_battle_requests_are_refused_by_name_and_leave_nothing_behind(alice, pool, fields, message):
    from arena.models import Battle

    with pytest.raises(ApiError, match=message) as refused:
        battle_start(user=alice, **{"prompt": "Hi", "count": 2, **fields})
    assert refused.value.code == "VALIDATION_ERROR" and refused.value.status == 400
    assert not Battle.objects.exists()
