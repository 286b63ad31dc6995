"""A ledger row PostgreSQL refuses never blocks the others: its batch is stored row by row, the bad
row becomes a dead letter with its error, and an operator retries or discards it in the admin."""

import time
import uuid
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from config import store
from tests.factories import UserFactory
from tests.ledger import flush_ledger
from usage import ledger as ledger_module
from usage.ledger import writer
from usage.models import DeadLetter, Generation

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_writer_left_running():
    yield
    writer.stop_writer(final_drain=False)


def _row(user_id: int, content: str = "an answer", prompt: str = "a question") -> dict:
    return {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "door": "openai",
        "requested_model": "fake/chat",
        "model_slug": "fake/chat",
        "input_messages": [{"role": "user", "content": prompt}],
        "content": content,
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "cost": Decimal("0.00001000"),
        "status": "success",
        "created_at": timezone.now(),
    }


def _queue(rows: list[dict]) -> None:
    store.redis_client().rpush(store.key("ledger", "queue"), *(writer.encode(r) for r in rows))


def _wait_until_idle(timeout: float) -> float:
    started = time.monotonic()
    while not writer.idle():
        assert time.monotonic() - started < timeout, "the writer did not empty the queue"
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_nul_byte_in_one_row_among_200_stores_the_200_within_seconds_and_keeps_the_bad_one():
    users = [UserFactory() for _ in range(20)]
    good = [_row(users[i % 20].pk) for i in range(200)]
    poisoned = _row(users[0].pk, content="a\x00b")
    _queue([*good[:100], poisoned, *good[100:]])  # in the middle of one batch
    writer.start_writer()  # what the Celery worker runs
    elapsed = _wait_until_idle(timeout=10)
    assert elapsed < 5
    assert set(Generation.objects.values_list("id", flat=True)) == {r["id"] for r in good}
    letter = DeadLetter.objects.get()
    assert letter.generation_id == poisoned["id"]
    assert "NUL" in letter.error
    assert writer.decode(letter.raw.encode())["content"] == "a\x00b"  # kept exactly as queued


def test_every_kind_of_unstorable_row_is_set_aside_and_the_rest_are_stored(alice):
    rows = [_row(alice.pk) for _ in range(5)]
    bad = [
        _row(alice.pk, prompt="a\x00b"),  # jsonb refuses \u0000
        _row(alice.pk, content="a\ud800b"),  # a lone surrogate: the driver cannot encode it
        _row(alice.pk) | {"model_slug": "x" * 201},  # too long for its column
        _row(alice.pk + 1000),  # a user deleted between the answer and the write
    ]
    _queue(rows[:2] + bad + rows[2:])
    store.redis_client().rpush(store.key("ledger", "queue"), b"{not json")
    assert writer.drain() == 10
    assert Generation.objects.count() == 5
    assert DeadLetter.objects.count() == 5
    assert {letter.generation_id for letter in DeadLetter.objects.all()} == {r["id"] for r in bad} | {None}
    assert writer.idle()


def test_a_row_refused_again_after_a_retried_batch_stays_one_dead_letter(alice):
    bad = _row(alice.pk, content="\x00")
    raws = [writer.encode(bad), writer.encode(_row(alice.pk))]
    writer.store_rows(raws)
    writer.store_rows(raws)  # the same batch again (its writer died before releasing the claim)
    letter = DeadLetter.objects.get()
    assert letter.attempts == 2 and Generation.objects.count() == 1


def test_a_lost_database_connection_keeps_the_batch_queued_and_sets_nothing_aside(alice, monkeypatch):
    _queue([_row(alice.pk) for _ in range(3)])

    def unreachable(rows):
        raise OperationalError("connection to server was lost")

    monkeypatch.setattr(writer, "insert", unreachable)
    with pytest.raises(OperationalError):
        writer.drain()
    assert not DeadLetter.objects.exists() and not writer.idle()
    monkeypatch.undo()
    assert writer.requeue_stale_claims(older_than=-1) == 3
    flush_ledger()
    assert Generation.objects.count() == 3 and not DeadLetter.objects.exists()


def test_a_row_recorded_at_once_that_postgresql_refuses_becomes_a_dead_letter_not_an_error(alice):
    row = _row(alice.pk, content="a\x00b")
    ledger_module.record(row)  # the doors that render from the row at once
    assert not Generation.objects.exists()
    assert DeadLetter.objects.get().generation_id == row["id"]


def test_the_admin_lists_dead_letters_and_retries_repairs_or_discards_them(client, alice):
    from accounts.models import Role
    from accounts.roles import user_set_role

    admin_user = user_set_role(user=UserFactory(username="root"), role=Role.ADMIN)
    nul, other = _row(alice.pk, content="before\x00after"), _row(alice.pk, content="x\x00y")
    _queue([nul, other])
    writer.drain()
    client.force_login(admin_user)
    url = reverse("admin:usage_deadletter_changelist")
    page = client.get(url).content.decode()
    assert str(nul["id"]) in page and str(other["id"]) in page and "NUL" in page
    letter = DeadLetter.objects.get(generation_id=nul["id"])

    response = client.post(url, {"action": "retry", "_selected_action": [letter.pk]}, follow=True)
    assert "Still refused" in response.content.decode()
    assert DeadLetter.objects.get(pk=letter.pk).attempts == 2 and not Generation.objects.exists()

    client.post(url, {"action": "retry_repaired", "_selected_action": [letter.pk]}, follow=True)
    stored = Generation.objects.get()
    assert (stored.id, stored.content, stored.cost) == (nul["id"], "before\ufffdafter", nul["cost"])
    assert not DeadLetter.objects.filter(pk=letter.pk).exists()

    gone = DeadLetter.objects.get(generation_id=other["id"])
    client.post(url, {"action": "discard", "_selected_action": [gone.pk]}, follow=True)
    assert not DeadLetter.objects.exists() and Generation.objects.count() == 1


def test_a_moderator_cannot_retry_or_discard_dead_letters(client, alice):
    from accounts.models import Role
    from accounts.roles import user_set_role

    moderator = user_set_role(user=UserFactory(username="mod"), role=Role.MODERATOR)
    _queue([_row(alice.pk, content="\x00")])
    writer.drain()
    client.force_login(moderator)
    response = client.get(reverse("admin:usage_deadletter_changelist"))
    assert response.status_code == 403
    assert DeadLetter.objects.count() == 1
