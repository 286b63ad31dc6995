"""The demo provider's words: deterministic replies that mention words of the prompt."""

from __future__ import annotations

import hashlib
import re

_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "because",
        "been",
        "before",
        "being",
        "could",
        "does",
        "doing",
        "from",
        "have",
        "having",
        "here",
        "into",
        "just",
        "like",
        "make",
        "more",
        "most",
        "much",
        "only",
        "other",
        "over",
        "please",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "very",
        "want",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
        "tell",
        "give",
        "show",
        "explain",
        "write",
    ]
)
_OPENINGS = (
    "Here is a short take on {topic}.",
    "Good question about {topic}.",
    "Let us look at {topic} step by step.",
)
_POINTS = (
    "Start from what you already know about {word}.",
    "Check how {word} behaves at the edges.",
    "Keep {word} simple until it has to grow.",
    "Write down one example of {word} before generalising.",
    "Compare {word} with the obvious alternative.",
)
_CLOSINGS = (
    "This reply comes from the offline demo provider, so it is the same every time.",
    "Ask again with more detail and the answer will follow your words.",
)
_REFLECTIONS = (
    "Thinking about {topic} more slowly, the trade-offs matter more than the details.",
    "A longer view of {topic}: what changes over time, and what stays fixed.",
    "There is rarely one right answer here; it depends on what you optimise for.",
)


def _keywords(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text)]
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS))[:3] or ["your question"]


def _pick(options: tuple[str, ...], seed: int, salt: int) -> str:
    return options[(seed >> (salt * 3)) % len(options)]


def compose_reply(model: str, prompt: str, paragraphs: int = 1, variant: int = 0) -> str:
    """The full reply text for a prompt; pure and deterministic. Variant i > 0 (choice i of n)
    is seeded differently and says which answer it is, so the n choices always differ."""
    if model == "echo":
        return (prompt or "(empty message)") + (f" ({variant + 1})" if variant else "")
    salt = f"\n{variant}" if variant else ""
    seed = int.from_bytes(hashlib.sha256(f"{model}\n{prompt}{salt}".encode()).digest()[:8], "big")
    words = _keywords(prompt)
    topic = " and ".join(words)
    lines = [_pick(_OPENINGS, seed, 0).format(topic=topic), ""]
    lines += [f"- {_pick(_POINTS, seed, i + 1).format(word=word)}" for i, word in enumerate(words)]
    for i in range(paragraphs - 1):
        lines += ["", _pick(_REFLECTIONS, seed, i + 5).format(topic=topic)]
    if re.search(r"\b(code|python|function|script|program)\b", prompt, re.IGNORECASE):
        name = re.sub(r"\W", "_", words[0])
        lines += ["", "```python", f"def {name}_example(value):", "    return value", "```"]
    lines += ["", _pick(_CLOSINGS, seed, 9)]
    if variant:
        lines.append(f"This is answer {variant + 1} of several.")
    return "\n".join(lines)


def split_tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+", text)
