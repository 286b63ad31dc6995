"""OpenAI Chat Completions, and every server that copies it (vLLM, llama.cpp, LM Studio); embeddings
and images come from openai_media.

config.kind "openai" sends `max_completion_tokens` (the current name); "openai_compatible" sends
`max_tokens`, which is the only name most compatible servers know. Both take every field of the
typed request as it is: messages, tools and formats are already in OpenAI's shape.
"""

from __future__ import annotations

from typing import Any, ClassVar

from providers.adapters._wire import ChatCompletions
from providers.adapters.openai_media import OpenAIMedia
from providers.base import OPTIONAL_FIELDS, ChatRequest, ProviderError, UpstreamModel
from providers.errors import client_message, error_fields, kind_for_status


class OpenAIAdapter(ChatCompletions, OpenAIMedia):
    name = "openai"
    models_path = "/models"
    supported_fields = frozenset(OPTIONAL_FIELDS)
    # The typed fields copied into the body as they are (max_tokens goes under its own name).
    forwarded: ClassVar[tuple[str, ...]] = tuple(f for f in OPTIONAL_FIELDS if f != "max_tokens")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.forwarded = tuple(f for f in OPTIONAL_FIELDS if f != "max_tokens" and f in cls.supported_fields)

    @property
    def max_tokens_field(self) -> str:
        return "max_completion_tokens" if self.config.kind == "openai" else "max_tokens"

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": req.model, "messages": req.messages}
        if req.max_tokens is not None:
            body[self.max_tokens_field] = req.max_tokens
        for name in self.forwarded:
            value = getattr(req, name)
            if value is not None and value != []:  # OpenAI refuses an empty tools or stop list
                body[name] = value
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        if req.extra:
            body.update(self.passthrough(req))
        return body

    def chunk_error(self, chunk: dict[str, Any]) -> ProviderError | None:
        return self.stream_error(chunk["error"]) if chunk.get("error") else None

    def stream_error(self, error: Any) -> ProviderError:
        """An error sent inside a 200 stream. Its `code` is an HTTP status on OpenRouter."""
        message, code, _ = error_fields({"error": error})
        status = int(code) if code and code.isdigit() else None
        kind = kind_for_status(status) if status else "unavailable"
        return ProviderError(
            kind,
            client_message(kind, message),
            status=status,
            provider=self.name,
            code=code,
            detail=message or str(error),
        )

    async def list_models(self) -> list[UpstreamModel]:
        payload = await self.request_json("GET", self.url(self.models_path))
        return [self.model_from(item) for item in payload.get("data") or [] if isinstance(item, dict)]

    def model_from(self, item: dict[str, Any]) -> UpstreamModel:
        return UpstreamModel(id=item["id"], name=item.get("name") or item["id"], raw=item)
