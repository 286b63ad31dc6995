from decimal import Decimal

from django import template

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
