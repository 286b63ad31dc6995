from decimal import Decimal

import pytest

from catalog.models import AIModel
from catalog.pricing import compute_cost, max_cost, video_cost
from providers.base import Usage


def _model(**prices) -> AIModel:
    return AIModel(slug="t/m", upstream_id="m", **prices)


def _usage(prompt: int, completion: int, **extra) -> Usage:
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion, **extra)


def test_cost_is_usage_times_price_per_million():
    model = _model(input_price_per_1m=Decimal("0.15"), output_price_per_1m=Decimal("0.60"))
    assert compute_cost(model=model, usage=_usage(1000, 500)) == Decimal("0.00045000")


def test_an_unpriced_model_costs_none_not_zero():
    assert compute_cost(model=_model(), usage=_usage(10, 10)) is None
    half_priced = _model(input_price_per_1m=Decimal("1"))
    assert compute_cost(model=half_priced, usage=_usage(10, 10)) is None


def test_a_free_model_costs_zero():
    model = _model(input_price_per_1m=Decimal("0"), output_price_per_1m=Decimal("0"), is_free=True)
    assert compute_cost(model=model, usage=_usage(10, 10)) == Decimal("0")


def test_cached_prompt_tokens_use_the_cached_price():
    model = _model(
        input_price_per_1m=Decimal("2.50"), output_price_per_1m=Decimal("10"), cached_input_price_per_1m=Decimal("1.25")
    )
    cost = compute_cost(model=model, usage=_usage(1_000_000, 0, cached_tokens=400_000))
    assert cost == Decimal("2.00000000")  # 600k at 2.50 + 400k at 1.25


def test_provider_reported_cost_wins():
    model = _model(input_price_per_1m=Decimal("3"), output_price_per_1m=Decimal("15"))
    assert compute_cost(model=model, usage=_usage(10, 10, reported_cost=Decimal("0.0123"))) == Decimal("0.01230000")


def test_per_request_price_is_added():
    model = _model(input_price_per_1m=Decimal("1"), output_price_per_1m=Decimal("1"), price_per_request=Decimal("0.01"))
    assert compute_cost(model=model, usage=_usage(0, 0)) == Decimal("0.01000000")


def test_max_cost_covers_every_allowed_output_token():
    model = _model(input_price_per_1m=Decimal("1"), output_price_per_1m=Decimal("4"))
    assert max_cost(model=model, prompt_tokens=1000, max_tokens=2000) == Decimal("0.00900000")
    assert max_cost(model=_model(), prompt_tokens=1, max_tokens=1) is None


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ({"price_per_video_second": Decimal("0.05")}, Decimal("0.30000000")),
        ({"price_per_video": Decimal("0.45")}, Decimal("0.45000000")),
        ({}, None),
    ],
)
def test_video_cost_per_second_or_per_clip(prices, expected):
    assert video_cost(model=_model(**prices), duration_s=6) == expected
