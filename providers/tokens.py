"""Local token estimates, used only when an upstream reports no usage.

About four characters per token is the usual rule of thumb for English with BPE tokenizers; it is
deliberately simple, and any Usage built from it carries estimated=True.
"""

from __future__ import annotations

import math
from typing import Any

CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4  # role markers and separators each chat template adds per message


def estimate_tokens(text: str) -> int:
    if not text:
        return 0
    return max(1, math.ceil(len(text) / CHARS_PER_TOKEN))


def message_text(content: Any) -> str:
    """Text of a message's content, whether a string or a list of OpenAI-style parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def estimate_prompt_tokens(messages: list[dict[str, Any]]) -> int:
    return sum(estimate_tokens(message_text(m.get("content"))) + MESSAGE_OVERHEAD for m in messages)
