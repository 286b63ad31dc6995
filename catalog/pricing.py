"""Cost = usage x catalog price, in Decimal. A missing price gives None ("unpriced"), never 0."""

from __future__ import annotations

from decimal import Decimal

from catalog.models import AIModel
from providers.base import Usage

QUANTUM = Decimal("0.00000001")
MILLION = Decimal(1_000_000)


def _q(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM)


def _per_request(model: AIModel) -> Decimal:
    return model.price_per_request or Decimal(0)


def compute_cost(*, model: AIModel, usage: Usage) -> Decimal | None:
    """What one call cost. Provider-reported cost (OpenRouter `usage.cost`) wins over our own arithmetic."""
    if usage.reported_cost is not None:
        return _q(Decimal(usage.reported_cost))
    input_price, output_price = model.input_price_per_1m, model.output_price_per_1m
    if (usage.prompt_tokens and input_price is None) or (usage.completion_tokens and output_price is None):
        return None
    if input_price is None and output_price is None and model.price_per_request is None:
        return None
    cached = min(max(usage.cached_tokens, 0), usage.prompt_tokens)
    cached_price = model.cached_input_price_per_1m if model.cached_input_price_per_1m is not None else input_price
    # Reasoning tokens are already inside completion_tokens on every provider we speak to.
    total = (
        Decimal(usage.prompt_tokens - cached) * (input_price or 0)
        + Decimal(cached) * (cached_price or 0)
        + Decimal(usage.completion_tokens) * (output_price or 0)
    ) / MILLION
    return _q(total + _per_request(model))


def max_cost(*, model: AIModel, prompt_tokens: int, max_tokens: int) -> Decimal | None:
    """The most a call can cost (all prompt tokens uncached, every allowed output token), for budget reservation."""
    if model.input_price_per_1m is None or model.output_price_per_1m is None:
        return None
    prompt = Decimal(prompt_tokens) * model.input_price_per_1m
    total = (prompt + Decimal(max_tokens) * model.output_price_per_1m) / MILLION
    return _q(total + _per_request(model))


def video_cost(*, model: AIModel, duration_s: int | float | Decimal) -> Decimal | None:
    """A video's cost: per second when priced so, else a flat price per video; None when neither is known."""
    if model.price_per_video_second is not None:
        return _q(Decimal(str(duration_s)) * model.price_per_video_second + _per_request(model))
    if model.price_per_video is not None:
        return _q(model.price_per_video + _per_request(model))
    return None
