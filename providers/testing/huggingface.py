"""Hugging Face: the router's model list, and the legacy text-generation task API (TGI-style SSE).

The router's chat is served by openai_family; feature extraction and text-to-image, which share the
task API's path, by huggingface_media."""

from __future__ import annotations

from typing import Any

from providers.testing import replies
from providers.testing.huggingface_media import HuggingFaceMedia, is_text_to_image
from providers.testing.plumbing import MIDSTREAM_AFTER, Book, Request, Route, sse

FEATURES = "/pipeline/feature-extraction"


class HuggingFace:
    def __init__(self, book: Book) -> None:
        self.book = book
        self.media = HuggingFaceMedia(book)

    def routes(self) -> list[Route]:
        return [
            ("GET", "/hf/v1/models", self.models),
            ("POST", "/hf/hf-inference/models/", self.task_api),
        ]

    async def task_api(self, req: Request) -> None:
        full_model = req.path.removeprefix("/hf/hf-inference/models/")
        if full_model.endswith(FEATURES):
            return await self.media.features(req, full_model.removesuffix(FEATURES))
        if is_text_to_image(full_model):
            return await self.media.text_to_image(req, full_model)
        if (received := await self.media.admit(req, "hf_legacy", full_model, error_type="fake")) is None:
            return
        body, key, _, faults = received
        inputs = str(body.get("inputs", ""))
        params = body.get("parameters") or {}
        stop = params.get("stop") or []
        ask = replies.Ask(faults.model, inputs, replies.count_tokens(inputs), max_tokens=params.get("max_new_tokens"))
        ask.stop = list(stop)
        answer = replies.Answer([], "stop") if faults.has("empty") else replies.answer(ask)
        tgi_finish = "length" if answer.finish_reason == "length" else "eos_token"
        details = {"finish_reason": tgi_finish, "generated_tokens": answer.completion_tokens}
        details["seed"] = params.get("seed")
        if body.get("stream"):
            await self.stream(req, key, faults, ask, answer, details)
            return
        text = (inputs + answer.text) if params.get("return_full_text") else answer.text
        item: dict[str, Any] = {"generated_text": text}
        if params.get("details"):
            item["details"] = details
        await req.respond(200, [item])
        self.book.completed[key] += 1

    async def stream(
        self,
        req: Request,
        key: str,
        faults: Any,
        ask: replies.Ask,
        answer: replies.Answer,
        details: dict[str, Any],
    ) -> None:
        events = []
        final = {**details, "input_length": ask.prompt_tokens}
        for index, token in enumerate(answer.tokens):
            last = index == len(answer.tokens) - 1
            event = {
                "index": index + 1,
                "token": {"id": 1000 + index, "text": token, "logprob": -0.25, "special": False},
                "generated_text": answer.text if last else None,
                "details": final if last else None,
                "top_tokens": None,
            }
            events.append(sse(event))
        if not answer.tokens:  # nothing generated: one closing event, as TGI ends every stream
            event = {"index": 1, "token": {"id": 0, "text": "", "logprob": 0.0, "special": True}}
            events.append(sse({**event, "generated_text": "", "details": final, "top_tokens": None}))
        if faults.has("midstream-error"):
            events = [
                *events[:MIDSTREAM_AFTER],
                b'data: {"error": "Input validation error", "error_type": "generation"}\n\n',
            ]
        await req.start(200, "text/event-stream")
        await self.book.send_events(req, key, faults, events)

    async def models(self, req: Request) -> None:
        data = [
            {
                "id": "meta-llama/Llama-3.1-8B-Instruct",
                "object": "model",
                "created": 1721000000,
                "owned_by": "meta-llama",
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "providers": [
                    {"provider": "featherless-ai", "status": "live", "is_model_author": False},
                    {
                        "provider": "novita",
                        "status": "live",
                        "context_length": 16384,
                        "pricing": {"input": 0.05, "output": 0.08},
                        "supports_tools": True,
                    },
                ],
            },
            {
                "id": "deepseek-ai/DeepSeek-V4-Pro",
                "object": "model",
                "created": 1776837885,
                "owned_by": "deepseek-ai",
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "providers": [
                    {
                        "provider": "novita",
                        "status": "error",
                        "context_length": 1048576,
                        "pricing": {"input": 1.69, "output": 3.38},
                    }
                ],
            },
        ]
        await req.respond(200, {"object": "list", "data": data})
