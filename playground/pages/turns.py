"""Reading a conversation as turns: one user message and one answer per model."""

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from config.money import dollars
from playground.media import MEDIA_PATH
from playground.models import Conversation
from playground.pages.markdown import render_markdown
from providers.messages import image_parts, text_of
from usage.models import Generation

STATUS_LABELS = {
    "success": "done",
    "error": "error",
    "timeout": "timed out",
    "cancelled": "stopped",
}


@dataclass
class ShownCall:
    """A tool call as the answer pane shows it: its id, the function's name, the arguments pretty-printed."""

    id: str
    name: str
    arguments: str


@dataclass
class ToolResult:
    name: str
    content: str


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
    tool_calls: list[ShownCall] = field(default_factory=list)
    format_check: str = ""  # in JSON mode: whether the answer is JSON and follows the schema
    format_ok: bool = False
    continuation: "Continuation | None" = None  # the answer after the user gave the tools' results

    @property
    def final(self) -> "Answer":
        """The last answer of this model's tool-call chain in the turn."""
        return self.continuation.answer.final if self.continuation else self


@dataclass
class Continuation:
    """The results the user typed for an answer's tool calls, and the model's answer to them."""

    results: list[ToolResult]
    answer: Answer
    stream_url: str = ""
    stop_url: str = ""


@dataclass
class Turn:
    number: int
    prompt: str
    answers: list[Answer] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # the addresses of the images sent with the prompt
    content: Any = None  # the user message's content as the ledger keeps it (text, or text and images)
    stream_url: str = ""
    stop_url: str = ""
    carried: bool = False  # copied into a branch from the conversation it was branched from


def streaming_turn(*, number: int, prompt: str, models: list[str], token: str, images: list[str] | None = None) -> Turn:
    """A turn whose answers are still arriving: the page reads them from the turn's event stream."""
    return Turn(
        number=number,
        prompt=prompt,
        answers=[Answer(model=slug, status="queued", status_label="queued") for slug in models],
        stream_url=reverse("playground:stream", args=[token]),
        stop_url=reverse("playground:stop", args=[token]),
        images=images or [],
    )


def streaming_continuation(*, model: str, results: list[ToolResult], token: str) -> Continuation:
    """A continuation whose answer is still arriving (read from its own event stream)."""
    return Continuation(
        results=results,
        answer=Answer(model=model, status="queued", status_label="queued"),
        stream_url=reverse("playground:stream", args=[token]),
        stop_url=reverse("playground:stop", args=[token]),
    )


def image_addresses(content: Any) -> list[str]:
    """Where the page shows the images of a message the ledger keeps (stored images, by their hash)."""
    return [
        reverse("playground:chat-image-page", args=[url["url"].removeprefix(MEDIA_PATH)])
        for _, url in image_parts(content)
        if url["url"].startswith(MEDIA_PATH)
    ]


def shown_calls(output: dict[str, Any] | None) -> list[ShownCall]:
    calls = []
    for call in (output or {}).get("tool_calls") or []:
        function = call.get("function") or {}
        arguments = function.get("arguments") or ""
        with contextlib.suppress(TypeError, ValueError):  # else shown as the model sent it
            arguments = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
        calls.append(ShownCall(id=str(call.get("id", "")), name=str(function.get("name", "")), arguments=arguments))
    return calls


def tool_results(messages: list[dict[str, Any]]) -> list[ToolResult]:
    """The tool messages that end `messages`, each named by the call it answers."""
    names = {
        call.get("id"): (call.get("function") or {}).get("name", "")
        for m in messages
        for call in m.get("tool_calls") or []
    }
    results: list[ToolResult] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, ToolResult(names.get(message.get("tool_call_id"), "tool"), text_of(message.get("content"))))
    return results


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
    return text_of(_last_user(messages).get("content"))


def _last_user(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return next((m for m in reversed(messages or []) if m.get("role") == "user"), {})


def format_check(g: Generation) -> tuple[str, bool]:
    """In JSON mode, whether the answer is what was asked for: JSON, an object, following the schema
    (so a comparison shows which models follow it); ("", False) otherwise."""
    wanted = (g.parameters or {}).get("response_format") or {}
    if wanted.get("type") not in ("json_object", "json_schema") or g.status != "success":
        return "", False
    try:
        value = json.loads(g.content)
    except ValueError:
        return "Not valid JSON.", False
    schema = (wanted.get("json_schema") or {}).get("schema")
    if not schema:
        return ("Valid JSON.", True) if isinstance(value, dict) else ("Valid JSON, but not an object.", False)
    try:
        error = next(iter(sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path))), None)
    except SchemaError:
        return "The schema itself is not valid.", False
    if error is None:
        return "Follows the schema.", True
    where = "/".join(str(p) for p in error.path) or "the top level"
    return f"Does not follow the schema at {where}: {error.message}", False


def _answer_html(g: Generation) -> str:
    """The answer rendered; JSON asked for in JSON mode is shown pretty-printed as code."""
    if not g.content:
        return ""
    if ((g.parameters or {}).get("response_format") or {}).get("type") in ("json_object", "json_schema"):
        with contextlib.suppress(ValueError):
            pretty = json.dumps(json.loads(g.content), indent=2, ensure_ascii=False)
            return render_markdown(f"```json\n{pretty}\n```")
    return render_markdown(g.content)


def answer_for(g: Generation, *, show_cost: bool = True) -> Answer:
    check, ok = format_check(g)
    return Answer(
        model=g.requested_model or g.model_slug,
        status=g.status,
        status_label=STATUS_LABELS.get(g.status, g.status),
        content=g.content,
        html=_answer_html(g),
        format_check=check,
        format_ok=ok,
        error=g.error_message if g.status in ("error", "timeout") else "",
        metrics=metrics_line(g, show_cost=show_cost),
        generation_id=str(g.pk),
        tool_calls=shown_calls(g.output),
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
    chains: dict[tuple[int, str], Answer] = {}  # (turn, model): the last answer of its tool-call chain
    generations = conversation.generations.filter(removed_at__isnull=True).order_by("turn", "created_at")
    if public:  # answers hidden by moderation stay off share pages; the owner still sees them
        generations = generations.filter(hidden=False)
    for g in generations:
        turn = turns.get(g.turn)
        if turn is None:
            user = _last_user(g.input_messages)
            content = user.get("content")
            turn = turns[g.turn] = Turn(
                number=g.turn, prompt=text_of(content), images=image_addresses(content), content=content
            )
        answer = answer_for(g, show_cost=show_cost)
        key = (g.turn, answer.model)
        results = tool_results(g.input_messages)
        if results and key in chains:  # the model's answer to the results of its own tool calls
            chains[key].continuation = Continuation(results=results, answer=answer)
        else:
            turn.answers.append(answer)
        chains[key] = answer
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
        # The images of earlier turns stay in the thread (as the ledger's references; see upstream_messages).
        messages.append({"role": "user", "content": turn.content if turn.images else turn.prompt})
        finals = [a.final for a in turn.answers]
        mine = [a for a in finals if a.model == model_slug and a.content]
        chosen = mine[0] if mine else next((a for a in finals if a.content), None)
        if chosen:
            messages.append({"role": "assistant", "content": chosen.content})
    return messages
