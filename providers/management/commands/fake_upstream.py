from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from providers.testing.server import run


class Command(BaseCommand):
    help = "Serve fake AI provider APIs (OpenAI, OpenRouter, Hugging Face, MiniMax, Ollama) for offline work."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args: Any, **options: Any) -> None:
        run(options["host"], options["port"])
