"""What kind of model a provider's list entry is, so sync never files an image or speech model under chat.

Providers that describe their models (OpenRouter, the Hugging Face router) say what comes out
("text+image->text", output_modalities); we trust that. Providers that list bare ids (OpenAI, Ollama,
OpenAI-compatible servers) are classified by name, with the names taken from their public model lists.
Models no door here can serve (speech, transcription, moderation, Responses-only) are skipped, with
the reason, so an admin can see what was left out and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from catalog.models import ModelKind
from providers.base import UpstreamModel

# Order matters: the first match wins.
UNSERVABLE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.I), reason)
    for pattern, reason in (
        (r"whisper|transcribe", "speech-to-text"),
        (r"(^|[-/])tts(\b|-)", "text-to-speech"),
        (r"moderation", "moderation"),
        (r"realtime|(^|[-/])audio|-audio-", "audio"),
        (r"^(babbage|davinci)-\d+$|^gpt-3\.5-turbo-instruct", "legacy completions only"),
        (r"computer-use|deep-research|codex-mini|^o\d+-pro\b|^gpt-\d+(\.\d+)?-pro\b", "Responses API only"),
    )
)
IMAGE_IDS = re.compile(r"(^|/)(dall-e|gpt-image|chatgpt-image|flux|stable-diffusion|sdxl|imagen|image-\d)", re.I)
EMBEDDING_IDS = re.compile(r"(embed|bge-|e5-|gte-|minilm|mpnet|sentence-transformers/)", re.I)
VIDEO_IDS = re.compile(r"(^|/)(sora|veo|hailuo|wan2|kling)", re.I)
# Ollama reports the architecture family; these are encoder-only (embedding) families.
EMBEDDING_FAMILIES = {"bert", "nomic-bert", "xlm-roberta", "jina-bert"}


@dataclass(frozen=True)
class Classification:
    kind: str | None  # None: skipped, see `reason`
    reason: str = ""


def _stated_outputs(upstream: UpstreamModel) -> set[str]:
    """What the provider says the model outputs; empty when it says nothing."""
    architecture: dict[str, Any] = (upstream.raw or {}).get("architecture") or {}
    outputs = architecture.get("output_modalities")
    if isinstance(outputs, list) and outputs:
        return {str(o).lower() for o in outputs}
    if "->" in upstream.modality:
        return {part.strip().lower() for part in upstream.modality.split("->")[-1].split("+")}
    return set()


def _by_outputs(outputs: set[str]) -> Classification:
    if outputs & {"embedding", "embeddings"}:
        return Classification(ModelKind.EMBEDDING)
    if "text" in outputs:
        return Classification(ModelKind.CHAT)  # text out, whatever else comes with it: a chat door serves it
    if "image" in outputs:
        return Classification(ModelKind.IMAGE)
    if "video" in outputs:
        return Classification(ModelKind.VIDEO)
    return Classification(None, f"outputs {'+'.join(sorted(outputs))}")


def _by_name(upstream: UpstreamModel) -> Classification:
    for pattern, reason in UNSERVABLE:
        if pattern.search(upstream.id):
            return Classification(None, reason)
    details = (upstream.raw or {}).get("details") or {}
    families = {str(f).lower() for f in [details.get("family"), *(details.get("families") or [])] if f}
    if EMBEDDING_IDS.search(upstream.id) or families & EMBEDDING_FAMILIES:
        return Classification(ModelKind.EMBEDDING)
    if IMAGE_IDS.search(upstream.id):
        return Classification(ModelKind.IMAGE)
    if VIDEO_IDS.search(upstream.id):
        return Classification(ModelKind.VIDEO)
    return Classification(ModelKind.CHAT)


def classify(upstream: UpstreamModel) -> Classification:
    """The kind of one listed model, or why it is skipped."""
    outputs = _stated_outputs(upstream)
    return _by_outputs(outputs) if outputs else _by_name(upstream)
