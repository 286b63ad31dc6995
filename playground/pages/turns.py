"""Reading a conversation as turns: one user message and one answer per model."""

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from config.money import dollars
from playground.models import Conversation
from playground.pages.markdown import render_markdown
from usage.models import Generation

STATUS_LABELS = {
    "success": "done",
    "error": "error",
    "timeout": "timed out",
    "cancelled": "stopped",
}


@dataclass
class Answer:
    model: str
    status: str
    status_label: str
    content: str = ""
    html: str = ""
    error: str = ""
    metrics: str = ""
    generation_id: str = ""


@dataclass
class Turn:
    number: int
    prompt: str
    answers: list[Answer] = field(default_factory=list)
    stream_url: str = ""
    stop_url: str = ""
    carried: bool = False  # copied into a branch from the conversation it was branched from


def streaming_turn(*, number: int, prompt: str, models: list[str], token: str) -> Turn:
    """A turn whose answers are still arriving: the page reads them from the turn's event stream."""
    return Turn(
        number=number,
        prompt=prompt,
        answers=[Answer(model=slug, status="queued", status_label="queued") for slug in models],
        stream_url=reverse("playground:stream", args=[token]),
        stop_url=reverse("playground:stop", args=[token]),
    )


def metrics_line(g: Generation, *, show_cost: bool = True) -> str:
    parts = [f"{g.prompt_tokens} in / {g.completion_tokens} out" + (" (est.)" if g.tokens_estimated else "")]
    if show_cost:
        parts.append(dollars(g.cost))
    if g.ttft_ms is not None:
        parts.append(f"first token {g.ttft_ms} ms")
    if g.duration_ms is not None:
        parts.append(f"total {g.duration_ms / 1000:.2f} s")
    if g.finish_reason:
        parts.append(f"finish: {g.finish_reason}")
    if g.cache_hit:
        parts.append("from cache")
    if g.requested_model and g.model_slug and g.requested_model != g.model_slug:
        parts.append(f"answered by {g.model_slug} (fallback)")
    return " · ".join(parts)


def last_user_message(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages or []):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def answer_for(g: Generation, *, show_cost: bool = True) -> Answer:
    return Answer(
        model=g.requested_model or g.model_slug,
        status=g.status,
        status_label=STATUS_LABELS.get(g.status, g.status),
        content=g.content,
        html=render_markdown(g.content) if g.content else "",
        error=g.error_message if g.status in ("error", "timeout") else "",
        metrics=metrics_line(g, show_cost=show_cost),
        generation_id=str(g.pk),
    )


def _carried_answer(model: str, content: str) -> Answer:
    html = render_markdown(content) if content else ""
    return Answer(model=model, status="success", status_label="done", content=content, html=html)


def carried_turns(conversation: Conversation) -> list[Turn]:
    return [
        Turn(
            number=-1,
            prompt=t["prompt"],
            carried=True,
            answers=[_carried_answer(a["model"], a["content"]) for a in t["answers"]],
        )
        for t in conversation.carried_turns
    ]


def conversation_turns(conversation: Conversation, *, show_cost: bool = True, public: bool = False) -> list[Turn]:
    """The conversation as it reads now: turns carried into a branch, then its own visible turns."""
    turns: dict[int, Turn] = {}
    generations = conversation.generations.filter(removed_at__isnull=True).order_by("turn", "created_at")
    if public:  # answers hidden by moderation stay off share pages; the owner still sees them
        generations = generations.filter(hidden=False)
    for g in generations:
        turn = turns.get(g.turn)
        if turn is None:
            turn = turns[g.turn] = Turn(number=g.turn, prompt=last_user_message(g.input_messages))
        turn.answers.append(answer_for(g, show_cost=show_cost))
    return carried_turns(conversation) + [turns[n] for n in sorted(turns)]


def history_for_model(conversation: Conversation, model_slug: str, upto_turn: int) -> list[dict[str, str]]:
    """The messages a model sees: earlier prompts with its own answers (or the first answer when it
    was not in that turn), so each column of a comparison keeps its own thread."""
    messages: list[dict[str, str]] = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    for turn in conversation_turns(conversation):
        if turn.number >= upto_turn and not turn.carried:
            break
        messages.append({"role": "user", "content": turn.prompt})
        mine = [a for a in turn.answers if a.model == model_slug and a.content]
        chosen = mine[0] if mine else next((a for a in turn.answers if a.content), None)
        if chosen:
            messages.append({"role": "assistant", "content": chosen.content})
    return messages
