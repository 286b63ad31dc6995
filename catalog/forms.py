from __future__ import annotations

from django import forms

from catalog.models import Capability, Category, ModelKind, Provider
from catalog.selectors import ModelFilters

SORT_CHOICES = [("name", "Name"), ("price", "Price"), ("popularity", "Popularity"), ("newest", "Newest")]
KIND_CHOICES = [("", "All"), *ModelKind.choices]
# What a request can ask for (a model field each), then what models are good at (discovery tags).
TAKES = [
    Capability.TOOLS,
    Capability.VISION,
    Capability.JSON_SCHEMA,
    Capability.JSON_MODE,
    Capability.LOGPROBS,
    Capability.REASONING_EFFORT,
    Capability.DIMENSIONS,
]
GOOD_AT = ["code", "reasoning", "long-context", "multilingual", "summarization", "math"]
CAPABILITY_CHOICES = [
    ("", "Any"),
    ("Takes", [(c.value, c.label) for c in TAKES]),
    ("Good at", [(tag, tag.replace("-", " ").capitalize()) for tag in GOOD_AT]),
]


class DiscoverForm(forms.Form):
    """The discovery filters. GET-only and forgiving: a bad value is dropped, never an error page."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    provider = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    category = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(required=False, choices=KIND_CHOICES, widget=forms.RadioSelect)
    capability = forms.ChoiceField(required=False, choices=CAPABILITY_CHOICES)
    min_price = forms.DecimalField(required=False, min_value=0, decimal_places=6, label="Min $ / 1M input")
    max_price = forms.DecimalField(required=False, min_value=0, decimal_places=6, label="Max $ / 1M input")
    free = forms.BooleanField(required=False, label="Free only")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, initial="name")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        providers = Provider.objects.filter(enabled=True).values_list("slug", "name")
        self.fields["provider"].choices = list(providers)
        categories = Category.objects.filter(is_active=True).values_list("slug", "name")
        self.fields["category"].choices = [("", "Any"), *categories]

    def filters(self) -> ModelFilters:
        self.is_valid()
        d = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return ModelFilters(
            search=(d.get("q") or "").strip(),
            providers=tuple(d.get("provider") or ()),
            category=d.get("category") or "",
            kind=d.get("kind") or "",
            capability=d.get("capability") or "",
            min_price=d.get("min_price"),
            max_price=d.get("max_price"),
            free=bool(d.get("free")),
            sort=d.get("sort") or "name",
        )
