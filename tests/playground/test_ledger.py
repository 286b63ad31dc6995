"""Ledger rows written behind the `/v1` response: queued in Redis with the counters, stored in batches,
never lost, never stored twice."""

import time

import httpx
import openai
import pytest
from django.test import override_settings

from config import store
from playground.models import Flag
from tests.factories import ModerationRuleFactory
from tests.ledger import flush_ledger
from usage import tasks
from usage.ledger import writer as ledger
from usage.models import DeadLetter, Generation

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
HELLO = [{"role": "user", "content": "Say hello to the ledger"}]


@pytest.fixture(autouse=True)
def _no_writer_left_running():
    yield
    ledger.stop_writer(final_drain=False)


@pytest.fixture
def parked(monkeypatch):
    """No writer thread takes queued rows, so a test sees them in Redis and stores them itself."""
    ledger.stop_writer(final_drain=False)
    monkeypatch.setattr(ledger, "help_with_backlog", lambda: None)
    yield
    flush_ledger()


def _wait_for_rows(count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while Generation.objects.count() < count:  # no test-side drain: a writer thread stores them
        assert time.monotonic() < deadline, "no writer stored the rows"
        time.sleep(0.02)


def _call(server, key: str, model: str, content: str = "Say hello to the ledger") -> str:
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=20)
    completion = client.chat.completions.create(model=model, messages=[{"role": "user", "content": content}])
    return completion.choices[0].message.content


def _dead_letters() -> list[str]:
    return [letter.raw for letter in DeadLetter.objects.all()]


def test_the_answer_is_sent_before_the_row_is_written_and_the_row_matches_it(
    app_server, alice, alice_key, chat_model, parked
):
    answer = _call(app_server, alice_key, chat_model.slug)
    assert not Generation.objects.exists() and ledger.pending() == 1
    assert ledger.drain() == 1
    row = Generation.objects.get()
    assert (row.user, row.door, row.status, row.content) == (alice, "openai", "success", answer)
    assert row.api_key_id is not None and row.cost and row.cost > 0
    assert ledger.idle()


def test_rows_and_usage_counters_agree(app_server, alice, alice_key, chat_model):
    for _ in range(3):
        _call(app_server, alice_key, chat_model.slug)
    flush_ledger()
    rows = Generation.objects.filter(user=alice)
    usage = httpx.get(f"{app_server.url}/api/v1/ai/usage", headers={"X-API-Key": alice_key}).json()["data"]["usage"]
    assert rows.count() == usage["total_requests"] == 3
    assert usage["total_tokens"] == sum(r.total_tokens for r in rows)


def test_storing_the_same_queued_rows_twice_keeps_one_of_each(app_server, alice_key, chat_model, parked):
    _call(app_server, alice_key, chat_model.slug)
    _call(app_server, alice_key, chat_model.slug)
    claim_id, raws = ledger._claim(10)
    assert ledger.store_rows(raws) == 2
    ledger.store_rows(raws)  # a writer that stored them, then died before releasing its claim
    ledger._release(claim_id)
    assert Generation.objects.count() == 2


def test_rows_claimed_by_a_writer_that_died_go_back_to_the_queue_and_the_sweep_stores_them(
    app_server, alice_key, chat_model, parked
):
    _call(app_server, alice_key, chat_model.slug)
    _call(app_server, alice_key, chat_model.slug)
    ledger._claim(10)  # claimed, never stored, never released
    assert ledger.pending() == 0 and not ledger.idle()
    assert ledger.requeue_stale_claims() == 0  # a fresh claim belongs to a live writer
    assert ledger.requeue_stale_claims(older_than=-1) == 2
    assert tasks.ledger_sweep() == {"requeued": 0, "stored": 2, "settled": 0}
    assert Generation.objects.count() == 2 and ledger.idle()


def test_a_row_that_cannot_be_stored_is_set_aside_without_blocking_the_others(
    app_server, alice, bob, alice_key, key_for, chat_model, parked
):
    _call(app_server, alice_key, chat_model.slug)
    _call(app_server, key_for(bob), chat_model.slug)
    store.redis_client().rpush(store.key("ledger", "queue"), b"{not json")
    bob.delete()  # between the answer and the write: his row can no longer be stored
    assert ledger.drain() == 3
    assert list(Generation.objects.values_list("user", flat=True)) == [alice.pk]
    dead = _dead_letters()
    assert len(dead) == 2 and "{not json" in dead
    assert ledger.idle()


def test_moderation_rules_apply_to_rows_written_behind(app_server, alice_key, chat_model, parked):
    ModerationRuleFactory(name="no secrets", kind="keyword", pattern="launch codes")
    _call(app_server, alice_key, chat_model.slug, content="Tell me the launch codes")
    claim_id, raws = ledger._claim(10)
    ledger.store_rows(raws)
    ledger.store_rows(raws)  # stored again by a writer that died before releasing its claim
    ledger._release(claim_id)
    flag = Flag.objects.get()  # flagged once, not once per store
    assert flag.generation.content and flag.reason


def test_the_workers_writer_stores_rows_soon_after_the_response(app_server, alice_key, chat_model):
    tasks.start_ledger_writer()  # what the Celery worker does when it is ready
    assert ledger.writer_running()
    _call(app_server, alice_key, chat_model.slug)
    _wait_for_rows(1)
    tasks.stop_ledger_writer()  # worker shutdown
    assert not ledger.writer_running() and ledger.idle()


def test_web_processes_help_when_the_queue_backs_up_and_stop_once_it_is_empty(
    app_server, alice_key, chat_model, monkeypatch
):
    monkeypatch.setattr(ledger, "BACKLOG_ROWS", 0)  # any queued row counts as a backlog
    assert not ledger.writer_running()  # no worker in this test
    _call(app_server, alice_key, chat_model.slug)
    _wait_for_rows(1)
    deadline = time.monotonic() + 5
    while ledger.writer_running():
        assert time.monotonic() < deadline, "the helping writer kept running on an empty queue"
        time.sleep(0.02)


def test_without_a_backlog_web_processes_leave_the_rows_to_the_worker(app_server, alice_key, chat_model):
    _call(app_server, alice_key, chat_model.slug)
    assert not ledger.writer_running() and ledger.pending() == 1
    flush_ledger()


def test_a_stopping_worker_stores_what_is_queued(app_server, alice_key, chat_model, parked):
    _call(app_server, alice_key, chat_model.slug)
    assert ledger.pending() == 1
    ledger.stop_writer()  # worker shutdown, after its writer ran
    assert Generation.objects.count() == 1


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_without_redis_the_row_is_written_in_the_request(app_server, alice_key, chat_model, parked):
    _call(app_server, alice_key, chat_model.slug)
    assert Generation.objects.count() == 1  # no queue, no writer: stored before the answer was sent
