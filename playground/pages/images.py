"""The playground's Images tab: one prompt drawn by up to four image models side by side (each pane
with its pictures, cost and time), and a gallery of the user's pictures with download and share links.

Calls go through playground.generation.media like the API's (metered, stored, moderated); the page
shows pictures through an owner-only route, and share links are signed links that expire.
"""

from dataclasses import replace
from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import ModelKind
from playground import image_store
from playground.doors.images import picture_response
from playground.generation.media import MAX_IMAGE_PROMPT, images_run
from playground.models import GeneratedImage
from playground.pages.media import (
    CompareField,
    Pane,
    first_pick,
    model_choices,
    models_of_kind,
    playground_origin,
    side_by_side,
)
from providers.media import ImageRequest
from usage.models import Generation

SIZES = [("", "Model default"), ("256x256", "256 × 256"), ("512x512", "512 × 512"), ("1024x1024", "1024 × 1024")]
GALLERY_PAGE = 24


class ImagesForm(forms.Form):
    prompt = forms.CharField(max_length=MAX_IMAGE_PROMPT, widget=forms.Textarea(attrs={"rows": 3}))
    models = CompareField(widget=forms.CheckboxSelectMultiple)
    size = forms.ChoiceField(choices=SIZES, required=False)

    def __init__(self, *args: Any, models: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["models"].choices = model_choices(models)


def _gallery(request: HttpRequest, user: Any) -> Any:
    images = GeneratedImage.objects.filter(user=user).only(
        "id", "generation_id", "model_slug", "prompt", "mime_type", "width", "height", "created_at"
    )
    page = Paginator(images, GALLERY_PAGE).get_page(request.GET.get("page"))
    # A picture whose prompt a moderator hid is not served through links; its owner still sees it here.
    hidden = set(
        Generation.objects.filter(pk__in=[i.generation_id for i in page], hidden=True).values_list("pk", flat=True)
    )
    for image in page:
        image.hidden = image.generation_id in hidden
        image.share_url = request.build_absolute_uri(
            image_store.link_path(image.pk, seconds=settings.IMAGE_SHARE_SECONDS)
        )
    return page


def _context(request: HttpRequest, user: Any, form: ImagesForm, panes: list[Pane] | None = None) -> dict[str, Any]:
    return {
        "form": form,
        "panes": panes,
        "gallery": _gallery(request, user),
        "share_days": settings.IMAGE_SHARE_SECONDS // 86400,
    }


@login_required
@require_GET
def images(request: HttpRequest) -> HttpResponse:
    models = models_of_kind(ModelKind.IMAGE, request.user)
    wanted = request.GET.get("model")
    initial = {"models": first_pick(models, wanted)}
    form = ImagesForm(initial=initial, models=models)
    return render(request, "playground/images.html", _context(request, request.user, form))


async def _draw(request: HttpRequest, user: Any, form: ImagesForm, names: dict[str, str]) -> list[Pane]:
    origin = playground_origin(request, user)
    req = ImageRequest(model="", prompt=form.cleaned_data["prompt"], size=form.cleaned_data["size"] or None)

    async def call(slug: str) -> Pane:
        done, _ = await images_run(origin, replace(req, model=slug))
        out = done.outcome
        return Pane(model=slug, name=names[slug], cost=out.cost, duration_ms=out.duration_ms, result=done.images)

    return await side_by_side(form.cleaned_data["models"], names, call)


@login_required
@require_POST
async def images_compare(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    models = await sync_to_async(models_of_kind)(ModelKind.IMAGE, user)
    form = ImagesForm(request.POST, models=models)
    valid = await sync_to_async(form.is_valid)()
    panes = await _draw(request, user, form, {m.slug: m.display_name for m in models}) if valid else None
    if request.htmx:
        return await sync_to_async(render)(request, "playground/images.html#results", {"form": form, "panes": panes})
    context = await sync_to_async(_context)(request, user, form, panes)
    return await sync_to_async(render)(request, "playground/images.html", context, status=200 if valid else 400)


@login_required
@require_GET
def image_file(request: HttpRequest, pk: Any) -> HttpResponse:
    """A picture for its owner (the page's own <img> and the download link); anyone else gets 404."""
    image = get_object_or_404(GeneratedImage, pk=pk, user=request.user)
    return picture_response(image, download=request.GET.get("download") == "1")
