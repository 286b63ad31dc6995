"""Cost = usage x catalog price, in Decimal, one function per kind of model. A missing price gives None
("unpriced"), never 0.

chat       compute_cost / max_cost      per 1M input, cached input and output tokens (+ per request)
embedding  embedding_cost               per 1M input tokens
image      image_cost / image_max_cost  per image by size and quality, or per 1M image output tokens
video      video_cost                   per second of video, or per video
"""

from __future__ import annotations

from decimal import Decimal

from catalog.models import AIModel
from catalog.validators import image_price
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


def embedding_cost(*, model: AIModel, input_tokens: int) -> Decimal | None:
    """What embedding `input_tokens` tokens cost; None when the model has no input price."""
    if model.input_price_per_1m is None:
        return None
    return _q(Decimal(input_tokens) * model.input_price_per_1m / MILLION + _per_request(model))


def _table_lookup(table: dict[str, dict[str, object]], size: str, quality: str) -> Decimal | None:
    # The exact size and quality first, then a wildcard for either, then for both.
    for s, q in ((size, quality), (size, "*"), ("*", quality), ("*", "*")):
        if q in (row := table.get(s) or {}):
            return image_price(row[q])
    return None


def image_price_for(*, model: AIModel, size: str, quality: str) -> Decimal | None:
    """The price of one image of `size` and `quality` from the model's table, or None when it has none."""
    return _table_lookup(model.image_prices or {}, size.strip().lower(), quality.strip().lower())


def image_cost(
    *,
    model: AIModel,
    size: str,
    quality: str,
    n: int = 1,
    prompt_tokens: int | None = None,
    image_tokens: int | None = None,
) -> Decimal | None:
    """What `n` images cost. With the upstream's token counts and a per-token price, the tokens decide
    (text prompt at the input price, image output at the image price); otherwise the per-image table."""
    if image_tokens is not None and model.image_output_price_per_1m is not None:
        if prompt_tokens and model.input_price_per_1m is None:
            return None
        text = Decimal(prompt_tokens or 0) * (model.input_price_per_1m or 0)
        return _q((text + Decimal(image_tokens) * model.image_output_price_per_1m) / MILLION + _per_request(model))
    each = image_price_for(model=model, size=size, quality=quality)
    if each is None:
        return None
    return _q(each * n + _per_request(model))


def image_max_cost(*, model: AIModel, size: str, quality: str, n: int = 1) -> Decimal | None:
    """The most `n` images can cost, for budget reservation. A quality the table does not name ("auto")
    reserves the dearest price listed for that size."""
    each = image_price_for(model=model, size=size, quality=quality)
    if each is None:
        table = model.image_prices or {}
        row = table.get(size.strip().lower()) or table.get("*") or {}
        prices = [image_price(value) for value in row.values()]
        each = max(prices) if prices else None
    if each is None:
        return None
    return _q(each * n + _per_request(model))
