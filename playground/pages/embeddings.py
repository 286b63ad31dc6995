"""The playground's Embeddings tab: a few texts embedded by up to four embedding models side by side;
each pane shows the cosine-similarity matrix its model produces (a small heat map whose cells carry
the numbers), the vectors' dimensions, the time and the cost: a quick way to choose a model."""

import math
from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import ModelKind
from playground.generation.media import embeddings_run
from playground.pages.media import (
    CompareField,
    Pane,
    first_pick,
    model_choices,
    models_of_kind,
    playground_origin,
    side_by_side,
)
from providers.media import EmbeddingRequest

MIN_TEXTS, MAX_TEXTS = 2, 8
MAX_TEXT_CHARS = 2000
EXAMPLE = "The cat sat on the mat.\nA kitten is resting on a rug.\nStock markets fell sharply today."


class EmbeddingsForm(forms.Form):
    texts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), help_text=f"One text a line, {MIN_TEXTS} to {MAX_TEXTS} lines."
    )
    models = CompareField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, models: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["models"].choices = model_choices(models)

    def clean_texts(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["texts"].splitlines() if line.strip()]
        if not MIN_TEXTS <= len(lines) <= MAX_TEXTS:
            raise forms.ValidationError(f"Enter {MIN_TEXTS} to {MAX_TEXTS} texts, one a line.")
        if any(len(line) > MAX_TEXT_CHARS for line in lines):
            raise forms.ValidationError(f"Each text may be at most {MAX_TEXT_CHARS} characters.")
        return lines


def cosine(a: list[float], b: list[float]) -> float:
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0


def heat_level(value: float) -> int:
    """0 (unrelated or opposite) to 10 (the same), for the cell's colour class."""
    return max(0, min(10, round(value * 10)))


def similarity_rows(vectors: list[list[float]]) -> list[list[dict[str, Any]]]:
    return [[{"value": (s := cosine(a, b)), "level": heat_level(s)} for b in vectors] for a in vectors]


async def _embed(request: HttpRequest, user: Any, form: EmbeddingsForm, names: dict[str, str]) -> list[Pane]:
    origin = playground_origin(request, user)
    texts = form.cleaned_data["texts"]

    async def call(slug: str) -> Pane:
        done, _ = await embeddings_run(origin, EmbeddingRequest(model=slug, inputs=texts))
        out = done.outcome
        extra = {"dimensions": done.dimensions, "estimated": out.usage.estimated, "tokens": out.usage.prompt_tokens}
        pane = Pane(model=slug, name=names[slug], cost=out.cost, duration_ms=out.duration_ms, extra=extra)
        pane.result = similarity_rows(done.vectors)
        return pane

    return await side_by_side(form.cleaned_data["models"], names, call)


@login_required
@require_GET
def embeddings(request: HttpRequest) -> HttpResponse:
    models = models_of_kind(ModelKind.EMBEDDING, request.user)
    wanted = request.GET.get("model")
    initial = {"models": first_pick(models, wanted), "texts": EXAMPLE}
    return render(request, "playground/embeddings.html", {"form": EmbeddingsForm(initial=initial, models=models)})


@login_required
@require_POST
async def embeddings_compare(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    models = await sync_to_async(models_of_kind)(ModelKind.EMBEDDING, user)
    form = EmbeddingsForm(request.POST, models=models)
    valid = await sync_to_async(form.is_valid)()
    panes = await _embed(request, user, form, {m.slug: m.display_name for m in models}) if valid else None
    context = {"form": form, "panes": panes, "texts": form.cleaned_data.get("texts") if valid else []}
    template = "playground/embeddings.html#results" if request.htmx else "playground/embeddings.html"
    return await sync_to_async(render)(request, template, context, status=200 if valid or request.htmx else 400)
