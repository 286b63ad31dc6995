"""The demo provider's embeddings: feature hashing, so the vectors mean something offline.

A text becomes features (its words, and for "atlas" also word pairs; the character trigrams of
each word), each weighted by 1 + log(count) and hashed with a model-specific key into one of the
model's dimensions with a sign; the sum is normalised to unit length. Equal texts give equal vectors,
texts sharing words or word fragments point the same way (cosine well above that of unrelated
texts), and the two models disagree a little, as real models do, which makes the playground's
similarity matrices worth comparing. "atlas" shortens on request like OpenAI's text-embedding-3: the
first `dimensions` components, normalised again.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class EmbeddingModel:
    dimensions: int
    shortens: bool  # takes `dimensions` (a shorter vector) on request
    word_pairs: bool
    price_per_1m: str


EMBEDDING_MODELS: dict[str, EmbeddingModel] = {
    "compass": EmbeddingModel(256, shortens=False, word_pairs=False, price_per_1m="0.02"),
    "atlas": EmbeddingModel(1024, shortens=True, word_pairs=True, price_per_1m="0.10"),
}
_WORDS = re.compile(r"\w+")
_WEIGHTS = {"w": 1.0, "p": 0.7, "c": 0.35}


def features(text: str, word_pairs: bool) -> Counter[str]:
    words = _WORDS.findall(text.lower()) or [text.strip().lower() or text]
    found: Counter[str] = Counter("w:" + w for w in words)
    if word_pairs:
        found.update(f"p:{a} {b}" for a, b in pairwise(words))
    for word in words:
        padded = f"<{word}>"
        found.update("c:" + padded[i : i + 3] for i in range(max(1, len(padded) - 2)))
    return found


def embed_text(model_name: str, text: str, dimensions: int | None = None) -> list[float]:
    model = EMBEDDING_MODELS[model_name]
    size = model.dimensions
    vector = [0.0] * size
    key = model_name.encode()
    for feature, count in features(text, model.word_pairs).items():
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8, key=key).digest(), "little")
        weight = _WEIGHTS[feature[0]] * (1.0 + math.log(count))
        vector[digest % size] += weight if (digest >> 40) & 1 else -weight
    return normalised(vector[:dimensions] if dimensions else vector)


def normalised(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:  # every feature cancelled out (vanishingly rare): a fixed unit vector
        return [1.0] + [0.0] * (len(vector) - 1)
    return [x / norm for x in vector]
