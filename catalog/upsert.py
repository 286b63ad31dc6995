"""Write rows only when something changed, so re-running seed or sync is a no-op."""

from __future__ import annotations

from typing import Any, TypeVar

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
