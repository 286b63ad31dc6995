"""Checks for catalog values stored as JSON, so a typo in the admin or the seed file is an error, not a
price that silently never matches."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

IMAGE_SIZE_RE = re.compile(r"^(\d{2,5}x\d{2,5}|auto|\*)$")
IMAGE_QUALITY_RE = re.compile(r"^([a-z][a-z0-9_-]{0,19}|\*)$")
MAX_IMAGE_SIZES = 50


def image_price(value: Any) -> Decimal:
    """One price of the table as a Decimal; raises ValueError for anything but a number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("a price is a number or a decimal string")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not price.is_finite() or price < 0:
        raise ValueError(f"{value!r} is not a price (a number of dollars, 0 or more)")
    return price


def _check_size(size: Any, qualities: Any) -> list[str]:
    if not isinstance(size, str) or not IMAGE_SIZE_RE.match(size):
        return [f'"{size}" is not a size: use WIDTHxHEIGHT (e.g. "1024x1024"), "auto" or "*".']
    if not isinstance(qualities, dict) or not qualities:
        return [f'"{size}": expected an object of quality → price, e.g. {{"standard": "0.04"}}.']
    problems = []
    for quality, price in qualities.items():
        if not IMAGE_QUALITY_RE.match(quality):
            problems.append(f'"{size}": "{quality}" is not a quality name (lowercase word, or "*").')
            continue
        try:
            image_price(price)
        except ValueError as exc:
            problems.append(f'"{size}" / "{quality}": {exc}.')
    return problems


def validate_image_prices(value: Any) -> None:
    """{size: {quality: price}}: sizes like "1024x1024" (or "auto", "*"), qualities like "hd" (or "*")."""
    if value in (None, {}):
        return
    if not isinstance(value, dict):
        raise ValidationError('Image prices are an object: {"1024x1024": {"standard": "0.04"}}.')
    if len(value) > MAX_IMAGE_SIZES:
        raise ValidationError(f"At most {MAX_IMAGE_SIZES} sizes.")
    problems = [problem for size, qualities in value.items() for problem in _check_size(size, qualities)]
    if problems:
        raise ValidationError(problems)
