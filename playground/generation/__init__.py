"""THE generation path: resolve -> validate -> admit -> call (with fallbacks) -> settle.

Every door (REST, SSE, OpenAI-compatible, the playground pages, batch jobs) builds its request with
`inputs` and calls `generation_run` or `generation_stream`; none re-implements admission, metering
or recording. Video jobs, which are not chat, meter through the same usage.admission.
"""

from playground.generation.answer import generation_run
from playground.generation.inputs import Origin, origin_of
from playground.generation.params import MAX_MODELS, GenerationInput
from playground.generation.prepare import Prepared, generation_prepare
from playground.generation.settle import GenerationOutcome
from playground.generation.stream import GenerationStream, generation_stream

__all__ = [
    "MAX_MODELS",
    "GenerationInput",
    "GenerationOutcome",
    "GenerationStream",
    "Origin",
    "Prepared",
    "generation_prepare",
    "generation_run",
    "generation_stream",
    "origin_of",
]
