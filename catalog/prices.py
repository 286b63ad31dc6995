"""Price history: when an admin (or an import) changes a model's price, the old one is kept with its dates.

Generations never read this table to find their cost: Generation.cost is written when the answer is
recorded, so past generations keep the cost they had whatever happens to the catalog afterwards.
The history explains those figures (which price was in force when).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import AIModel, ModelPrice

# A model's amounts of money (Decimal columns), one for each way a call can be priced.
PRICE_AMOUNT_FIELDS = (
    "input_price_per_1m",
    "output_price_per_1m",
    "cached_input_price_per_1m",
    "price_per_request",
    "price_per_video",
    "price_per_video_second",
    "image_output_price_per_1m",
)
# A price as a whole, as the history keeps it: the amounts, the per-size image prices, the currency.
PRICE_FIELDS = (*PRICE_AMOUNT_FIELDS, "image_prices", "currency")


def price_snapshot(model: AIModel) -> dict[str, Any]:
    """The price fields plus when and where the price was taken, as they are now."""
    return {
        **{name: getattr(model, name) for name in PRICE_FIELDS},
        "price_date": model.price_date,
        "price_source": model.price_source,
    }


def stored_price_snapshot(model_id: int) -> dict[str, Any] | None:
    row = AIModel.objects.filter(pk=model_id).values(*PRICE_FIELDS, "price_date", "price_source").first()
    return dict(row) if row else None


def _valid_from(model: AIModel, before: dict[str, Any]) -> datetime | None:
    last = ModelPrice.objects.filter(model=model).order_by("-valid_to").values_list("valid_to", flat=True).first()
    if last:
        return last
    if before["price_date"]:
        return timezone.make_aware(datetime.combine(before["price_date"], time.min))
    return None


@transaction.atomic
def model_price_record_change(*, model: AIModel, before: dict[str, Any] | None, by: Any = None) -> ModelPrice | None:
    """Keep `before` as history when the model's price differs from it now. Call after saving the model."""
    if before is None or all(before[name] == getattr(model, name) for name in PRICE_FIELDS):
        return None
    if all(before[name] in (None, {}) for name in PRICE_FIELDS if name != "currency"):
        return None  # it was unpriced: nothing to remember
    return ModelPrice.objects.create(
        model=model,
        **{name: before[name] for name in PRICE_FIELDS},
        valid_from=_valid_from(model, before),
        valid_to=timezone.now(),
        source=before["price_source"] or "",
        changed_by=by if getattr(by, "pk", None) else None,
    )
