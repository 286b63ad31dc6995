"""Money as every response and page shows it: US dollars as a string with the ledger's eight decimal
places, never a float and never exponent notation (Decimal zero would print as 0E-8)."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

PLACES = 8


def money(amount: Decimal | None) -> str | None:
    """`Decimal("0.1")` -> "0.10000000"; None (unpriced) stays None."""
    return None if amount is None else f"{amount:.{PLACES}f}"


def dollars(amount: Decimal | str | None) -> str:
    """For pages: "$0.00001200", or "unpriced" (also from an amount `money` already formatted)."""
    if isinstance(amount, str):
        amount = Decimal(amount)
    text = money(amount)
    return "unpriced" if text is None else f"${text}"


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "0.00001200"})
class MoneyField(serializers.Field):
    """A serializer field for money: `money()` out, read-only."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Decimal | None) -> str | None:
        return money(value)
