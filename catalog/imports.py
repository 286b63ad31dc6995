"""Bulk import of AI models from a JSON array or a CSV file: every row is validated first, and if any
row fails nothing is written; otherwise every row is created or updated in one transaction."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.db import transaction
from django.forms.models import model_to_dict

from catalog.models import CAPABILITY_FIELDS, STATED_CAPABILITIES, AIModel, Category, Provider
from catalog.prices import PRICE_AMOUNT_FIELDS, model_price_record_change, stored_price_snapshot
from catalog.selectors import catalog_changed

MAX_ROWS = 5000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*/[A-Za-z0-9][\w.:@+/-]*$")
CAPABILITY_COLUMNS = [CAPABILITY_FIELDS[c] for c in STATED_CAPABILITIES]
IMPORT_FIELDS = [
    "slug",
    "display_name",
    "provider",
    "upstream_id",
    "category",
    "kind",
    "status",
    "description",
    *PRICE_AMOUNT_FIELDS,
    "currency",
    "price_date",
    "price_source",
    "is_free",
    "is_active",
    "featured",
    "context_window",
    "max_output_tokens",
    "embedding_dimensions",
    "image_prices",
    *CAPABILITY_COLUMNS,
]


class ImportFileError(ValueError):
    """The file itself cannot be read (not a JSON array, not a CSV with a header)."""


class ModelImportForm(forms.ModelForm):
    provider = forms.ModelChoiceField(queryset=Provider.objects.all(), to_field_name="slug")
    category = forms.ModelChoiceField(queryset=Category.objects.all(), to_field_name="slug", required=False)

    class Meta:
        model = AIModel
        fields = IMPORT_FIELDS

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if not SLUG_RE.match(slug):
            raise forms.ValidationError("Expected <provider>/<upstream id>, e.g. openai/gpt-4o-mini.")
        return slug

    def clean_image_prices(self) -> dict[str, Any]:
        return self.cleaned_data.get("image_prices") or {}  # an empty cell or {} means "no per-image prices"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in PRICE_AMOUNT_FIELDS:
            value = data.get(name)
            if value is not None and value < Decimal(0):
                self.add_error(name, "A price cannot be negative.")
        provider, slug = data.get("provider"), data.get("slug")
        if provider and slug and not slug.startswith(f"{provider.slug}/"):
            self.add_error("slug", f"The slug must start with the provider's slug ({provider.slug}/).")
        return data


@dataclass
class RowError:
    row: int  # 1 = the first record (the line after the header in a CSV)
    field: str
    message: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created_models: list[AIModel] = field(default_factory=list)
    updated_models: list[AIModel] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.created_models)

    @property
    def updated(self) -> int:
        return len(self.updated_models)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_rows(raw: bytes, filename: str = "") -> list[dict[str, Any]]:
    text = raw.decode("utf-8-sig")
    if filename.lower().endswith(".json") or text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"Not valid JSON: {exc}") from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ImportFileError("The JSON must be an array of objects.")
        return rows
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "slug" not in reader.fieldnames:
        raise ImportFileError("The CSV needs a header row with at least a slug column.")
    # Empty CSV cells mean "not given", so an update keeps what the model had.
    return [{k: v for k, v in row.items() if k and v not in ("", None)} for row in reader]


def _form_for(row: dict[str, Any], existing: AIModel | None) -> ModelImportForm:
    # Columns left out keep the model's value on an update and the field's default on a new row.
    base = model_to_dict(existing or AIModel(), fields=IMPORT_FIELDS)
    base["provider"] = existing.provider.slug if existing else ""
    base["category"] = existing.category.slug if existing and existing.category else ""
    base = {k: v for k, v in base.items() if v is not None}
    data = {**base, **{k: v for k, v in row.items() if k in IMPORT_FIELDS}}
    for flag in ("is_free", "is_active", "featured"):
        if isinstance(data.get(flag), str):  # CSV says "true"/"false"; a checkbox field wants a bool
            data[flag] = data[flag].strip().lower() in ("1", "true", "yes", "y")
    return ModelImportForm(data=data, instance=existing)


def validate_rows(rows: list[dict[str, Any]]) -> tuple[list[ModelImportForm], list[RowError]]:
    slugs = [str(r.get("slug", "")).strip() for r in rows]
    existing = {m.slug: m for m in AIModel.objects.filter(slug__in=slugs).select_related("provider", "category")}
    forms_, errors, seen = [], [], set()
    for number, (row, slug) in enumerate(zip(rows, slugs, strict=True), start=1):
        unknown = sorted(set(row) - set(IMPORT_FIELDS))
        if unknown:
            errors.append(RowError(number, unknown[0], f"Unknown column(s): {', '.join(unknown)}."))
        if slug in seen:
            errors.append(RowError(number, "slug", f"{slug} appears twice in the file."))
        seen.add(slug)
        form = _form_for(row, existing.get(slug))
        if not form.is_valid():
            for name, messages in form.errors.items():
                errors.extend(RowError(number, name, str(message)) for message in messages)
        forms_.append(form)
    return forms_, errors


def models_import(*, raw: bytes, filename: str = "", by: Any = None) -> ImportReport:
    """Validate every row; write all of them or none. Price changes keep the old price as history."""
    try:
        rows = parse_rows(raw, filename)
    except ImportFileError as exc:
        return ImportReport(errors=[RowError(0, "file", str(exc))])
    if not rows:
        return ImportReport(errors=[RowError(0, "file", "The file has no rows.")])
    if len(rows) > MAX_ROWS:
        return ImportReport(errors=[RowError(0, "file", f"At most {MAX_ROWS} rows per import.")])
    forms_, errors = validate_rows(rows)
    if errors:
        return ImportReport(errors=errors)
    report = ImportReport()
    with transaction.atomic():
        for form in forms_:
            before = stored_price_snapshot(form.instance.pk) if form.instance.pk else None
            model = form.save()
            model_price_record_change(model=model, before=before, by=by)
            (report.created_models if before is None else report.updated_models).append(model)
    catalog_changed()
    return report
