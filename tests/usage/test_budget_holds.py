"""A hard budget holds at any concurrency: admission holds a bound on the prompt that no tokenizer
beats (its UTF-8 bytes) and as many output tokens as what is left affords, and the call is sent with
that many, so a small budget is usable to the end instead of refused while most of it is left.

The fake upstream bills one token per word, so a prompt of one-letter words ("a a a ...") has twice
as many tokens as the old four-characters-per-token estimate said: the case that overspent a $0.01
budget by 50 % with one call, and by 96 % with ten at once."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import openai
import pytest
from django.db.models import Sum

from tests.ledger import flush_ledger
from usage.counters import quota_used
from usage.limits import from_nano
from usage.models import Generation

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
BUDGET = Decimal("0.01")


@pytest.fixture
def budgeted(alice):
    alice.tier = "enterprise"  # no request quota in the way: only the budget
    alice.monthly_budget_usd = BUDGET
    alice.save()
    return alice


def _client(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=30)


def _call(client: openai.OpenAI, model: str, prompt: str, **extra) -> str:
    """The finish reason of an answer, or the refusal's code."""
    try:
        answer = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}], **extra)
    except openai.RateLimitError as refusal:
        assert refusal.body["code"] == "insufficient_quota", refusal.body  # OpenAI's word for QUOTA_EXCEEDED
        return "refused"
    return answer.choices[0].finish_reason


def _until_refused(client: openai.OpenAI, model: str, prompt: str, **extra) -> list[str]:
    outcomes = []
    for _ in range(40):
        outcomes.append(_call(client, model, prompt, **extra))
        if outcomes[-1] == "refused":
            return outcomes
    raise AssertionError("the budget never refused a call")


def _spent(user) -> Decimal:
    flush_ledger()
    ledger = Generation.objects.filter(user=user).aggregate(cost=Sum("cost"))["cost"] or Decimal(0)
    counters = quota_used(user_id=user.pk)
    assert from_nano(counters["spent"]) == ledger and counters["held"] == 0  # every hold released
    return ledger


def test_one_call_whose_prompt_the_old_estimate_undercounted_cannot_overspend(
    app_server, budgeted, alice_key, make_model
):
    model = make_model(input_price_per_1m=Decimal("10"), output_price_per_1m=Decimal("10"))
    # 1200 one-letter words: 1200 tokens ($0.012) where the old estimate said 604; with 300 output
    # tokens it held $0.00904 and was billed $0.015.
    outcomes = _until_refused(_client(app_server, alice_key), model.slug, "a " * 1200, max_tokens=300)
    assert _spent(budgeted) <= BUDGET
    assert outcomes[-1] == "refused"


def test_ten_calls_at_once_stay_within_the_budget(app_server, budgeted, alice_key, make_model):
    model = make_model(input_price_per_1m=Decimal("20"), output_price_per_1m=Decimal("1"))
    client = _client(app_server, alice_key)
    prompt = "a " * 80  # 80 tokens ($0.0016); the old estimate held $0.00093 a call, a tenth of the budget
    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(lambda _: _call(client, model.slug, prompt, max_tokens=50), range(10)))
    assert "refused" in outcomes and outcomes.count("stop") + outcomes.count("length") >= 1
    assert _spent(budgeted) <= BUDGET
    _until_refused(client, model.slug, prompt, max_tokens=50)
    assert _spent(budgeted) <= BUDGET


def test_a_small_budget_is_usable_to_the_end_with_the_last_answers_cut_short(
    app_server, budgeted, alice_key, make_model
):
    # The default output hold (4096 tokens at $30/1M = $0.12) is twelve times the budget: holding it in
    # full refused every call; clipped to what is left, the budget is spent almost to the cent.
    model = make_model(input_price_per_1m=Decimal("1"), output_price_per_1m=Decimal("30"), max_tokens_default=4096)
    prompt = " ".join(["word"] * 30)  # an answer of 33 tokens, about $0.001
    outcomes = _until_refused(_client(app_server, alice_key), model.slug, prompt)
    spent = _spent(budgeted)
    assert BUDGET * Decimal("0.9") <= spent <= BUDGET
    assert outcomes[0] == "stop" and "length" in outcomes  # the last answer got what the budget afforded
    row = Generation.objects.filter(user=budgeted, finish_reason="length").get()
    assert row.parameters["max_tokens"] < 33  # the call was sent with the tokens the budget afforded


def test_an_unpriced_model_is_not_limited_by_the_budget_hold(app_server, budgeted, alice_key, make_model):
    model = make_model(input_price_per_1m=None, output_price_per_1m=None, max_tokens_default=4096)
    assert _call(_client(app_server, alice_key), model.slug, "hello there") == "stop"
