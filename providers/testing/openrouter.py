"""OpenRouter's model list (chat is served by openai_family, with OpenRouter's differences)."""

from __future__ import annotations

from providers.testing.plumbing import Request, Route


class OpenRouterModels:
    def routes(self) -> list[Route]:
        return [("GET", "/openrouter/api/v1/models", self.models)]

    async def models(self, req: Request) -> None:
        def model(slug: str, name: str, prompt: str, completion: str, context: int, out: int, modality: str) -> dict:
            return {
                "id": slug,
                "canonical_slug": slug,
                "name": name,
                "created": 1692901234,
                "context_length": context,
                "architecture": {"modality": modality, "input_modalities": ["text"], "output_modalities": ["text"]},
                "pricing": {"prompt": prompt, "completion": completion, "request": "0", "image": "0"},
                "top_provider": {"context_length": context, "max_completion_tokens": out, "is_moderated": True},
                "per_request_limits": None,
                "supported_parameters": ["max_tokens", "temperature", "top_p", "stop"],
            }

        data = [
            model(
                "anthropic/claude-sonnet-4.5",
                "Anthropic: Claude Sonnet 4.5",
                "0.000003",
                "0.000015",
                1000000,
                64000,
                "text+image->text",
            ),
            model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", "0.00000015", "0.0000006", 128000, 16384, "text->text"),
        ]
        await req.respond(200, {"data": data, "total_count": len(data)})
