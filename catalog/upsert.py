"""Write rows only when something changed, so re-running seed or sync is a no-op."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def upsert(
    model: type[M], *, lookup: dict[str, Any], values: dict[str, Any], create_only: dict[str, Any] | None = None
) -> tuple[M, str]:
    """Create with values + create_only, or update only the changed `values`. Returns (row, created|updated|unchanged).

    `create_only` holds fields an admin owns after the first run (e.g. is_active), which a re-run must not clobber.
    """
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        return model._default_manager.create(**lookup, **values, **(create_only or {})), "created"
    changed = [name for name, value in values.items() if _differs(getattr(row, _attname(model, name)), value)]
    if not changed:
        return row, "unchanged"
    for name in changed:
        setattr(row, name, values[name])
    fields = [*changed, "updated_at"] if _has_field(model, "updated_at") else changed
    row.save(update_fields=fields)
    return row, "updated"


def _attname(model: type[models.Model], name: str) -> str:
    # Compare foreign keys by id, without loading the related row.
    return model._meta.get_field(name).attname if _has_field(model, name) else name


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _differs(current: Any, new: Any) -> bool:
    if isinstance(new, models.Model):
        new = new.pk
    return current != new


# --- seeding: the shipped file fills and follows, an admin's edit wins --------------------------------

_MISSING = object()


def plain(value: Any) -> Any:
    """A value as JSON would hold it, so values from the file, the database and the baseline compare."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _is_missing(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class SeedResult(Generic[M]):
    row: M
    outcome: str  # created | updated | unchanged
    kept: list[tuple[str, Any, Any]] = field(default_factory=list)  # (field, current, shipped) left alone


def seed_upsert(
    model: type[M], *, lookup: dict[str, Any], values: dict[str, Any], create_only: dict[str, Any] | None = None
) -> SeedResult[M]:
    """Create the row from the shipped values, or merge them into it field by field.

    `seeded_values` on the row remembers what seeding last wrote. A field still holding that value
    follows the file; a field that is empty is filled; a field holding anything else was changed by an
    admin and is left alone (and reported in `kept`).
    """
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        baseline = {name: plain(value) for name, value in values.items()}
        created = model._default_manager.create(**lookup, **values, **(create_only or {}), seeded_values=baseline)
        return SeedResult(created, "created")
    result = SeedResult(row, "unchanged")
    baseline = dict(row.seeded_values or {})
    changed = []
    for name, shipped in values.items():
        current = getattr(row, _attname(model, name))
        before = baseline.get(name, _MISSING)
        if plain(current) == plain(shipped):
            baseline[name] = plain(shipped)
        elif _is_missing(current) or before == plain(current):
            setattr(row, name, shipped)
            baseline[name] = plain(shipped)
            changed.append(name)
        else:
            result.kept.append((name, current, shipped))
    if changed or baseline != row.seeded_values:
        row.seeded_values = baseline
        fields = [*changed, "seeded_values", *(["updated_at"] if changed and _has_field(model, "updated_at") else [])]
        row.save(update_fields=fields)
        result.outcome = "updated" if changed else "unchanged"
    return result
