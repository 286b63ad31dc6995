from decimal import Decimal

from django import template

from catalog.models import AIModel
from catalog.validators import image_price

register = template.Library()


@register.filter
def usd(value: Decimal | None) -> str:
    """A catalog price for people: "$0.15", "$0.0488", "unpriced" when unknown (never "$0")."""
    if value is None:
        return "unpriced"
    if value == 0:
        return "$0"
    text = f"{value.normalize():f}"
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


@register.filter
def image_price_range(model: AIModel) -> str:
    """The cheapest to the dearest image a model's table lists ("$0.011 to $0.25"), one price, or "unpriced"."""
    prices = [image_price(p) for row in (model.image_prices or {}).values() for p in row.values()]
    if not prices:
        return "unpriced"
    low, high = min(prices), max(prices)
    return usd(low) if low == high else f"{usd(low)} – {usd(high)}"


@register.filter
def image_price_rows(model: AIModel) -> list[tuple[str, list[tuple[str, str]]]]:
    """The per-image table for a page: [(size, [(quality, "$0.04"), ...]), ...]; "*" reads as "any"."""

    def name(key: str) -> str:
        return "any" if key == "*" else key

    table = model.image_prices or {}
    return [(name(size), [(name(q), usd(image_price(p))) for q, p in row.items()]) for size, row in table.items()]
