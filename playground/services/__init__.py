"""The generation service: the one path every door takes (see generation.py)."""

from playground.services.errors import GenerationError
from playground.services.generation import (
    GenerationStream,
    Outcome,
    Prepared,
    generation_prepare,
    generation_run,
    generation_stream,
)
from playground.services.params import GenerationInput

__all__ = [
    "GenerationError",
    "GenerationInput",
    "GenerationStream",
    "Outcome",
    "Prepared",
    "generation_prepare",
    "generation_run",
    "generation_stream",
]
