"""Fill the database with believable usage: users of every tier, conversations and generations over
the last 90 days, then the daily rollups, so dashboards and the analytics page show something real.

Deterministic for a given --seed. Rows are written in chunks of ~10k: PostgreSQL through COPY (a
million generations take a few minutes), other databases through bulk_create.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Tier, User
from catalog.models import AdapterKind, AIModel, Provider
from playground.models import Conversation
from usage.models import Generation, GenerationStatus
from usage.rollups import rollup_days

DEMO_DOMAIN = "demo.switchboard.local"
DEMO_PASSWORD = "Demo-password1"
CHUNK = 10_000
STATUSES = [
    (GenerationStatus.SUCCESS, 0.95),
    (GenerationStatus.ERROR, 0.03),
    (GenerationStatus.TIMEOUT, 0.01),
    (GenerationStatus.CANCELLED, 0.01),
]
PROMPTS = [
    "Summarise this article in three bullet points.",
    "Write a haiku about autumn.",
    "Explain the difference between TCP and UDP.",
    "Translate 'good morning' into French and German.",
    "What is a closure in Python?",
    "Suggest a name for a coffee shop.",
]
ANSWERS = [
    "Here are the key points: the market grew, costs fell, and demand shifted online.",
    "Leaves drift and settle / the maple lets its colour go / cold light on the path.",
    "TCP is connection-oriented and reliable; UDP is connectionless and faster, with no delivery guarantee.",
    "French: bonjour. German: guten Morgen.",
    "A closure is a function that remembers the variables of the scope it was created in.",
    "How about 'The Daily Grind'?",
]
DEMO_MODELS = [
    ("swift", "Swift", "0.10", "0.40"),
    ("steady", "Steady", "0.50", "1.50"),
    ("deep", "Deep", "3.00", "15.00"),
]


class Command(BaseCommand):
    help = "Create demo users, conversations and generations over the last 90 days (deterministic with --seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--generations", type=int, default=5000)
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, generations: int, users: int, days: int, seed: int, **options: Any) -> None:
        rng = random.Random(seed)
        now = timezone.now()
        catalog = _demo_catalog()
        # Users draw from their own stream, so a rerun that reuses them still yields the same generations.
        people = _demo_users(random.Random(f"{seed}-users"), users, days, now)
        written = 0
        for convs, gens in _chunks(rng, people, catalog, generations, days, now):
            _write(convs, gens)
            written += len(gens)
            if written % 100_000 < CHUNK:
                self.stdout.write(f"  {written:,} generations")
        today = timezone.localdate()
        rollup_days(first=today - timedelta(days=days), last=today)
        self.stdout.write(self.style.SUCCESS(f"{len(people)} users, {written:,} generations, rollups done."))


def _demo_catalog() -> list[AIModel]:
    """Active priced models to spread the demo over; the offline demo provider when the catalog is empty."""
    models_ = list(
        AIModel.objects.filter(is_active=True, input_price_per_1m__isnull=False).select_related("provider")[:12]
    )
    if models_:
        return models_
    provider, _ = Provider.objects.get_or_create(
        slug="demo", defaults={"name": "Offline demo", "adapter_kind": AdapterKind.DEMO}
    )
    for upstream, name, input_price, output_price in DEMO_MODELS:
        AIModel.objects.get_or_create(
            slug=f"demo/{upstream}",
            defaults={
                "provider": provider,
                "upstream_id": upstream,
                "display_name": name,
                "input_price_per_1m": Decimal(input_price),
                "output_price_per_1m": Decimal(output_price),
            },
        )
    return list(AIModel.objects.filter(provider=provider).select_related("provider"))


def _demo_users(rng: random.Random, count: int, days: int, now: datetime) -> list[int]:
    demo = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("pk")
    existing = list(demo.values_list("pk", flat=True))
    if len(existing) >= count:
        return existing[:count]
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would dominate the run
    tiers = list(Tier.values)
    new = [
        User(
            username=f"demo{i}",
            email=f"demo{i}@{DEMO_DOMAIN}",
            password=password,
            tier=tiers[i % len(tiers)],
            created_at=now - timedelta(days=rng.uniform(0, days * 2)),
            last_login=now - timedelta(days=rng.uniform(0, days)),
        )
        for i in range(len(existing), count)
    ]
    User.objects.bulk_create(new, batch_size=CHUNK)
    return list(demo.values_list("pk", flat=True))


def _pick_status(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for status, share in STATUSES:
        total += share
        if roll < total:
            return status
    return GenerationStatus.SUCCESS


def _generation(
    rng: random.Random, user_id: int, model: AIModel, at: datetime, conv: Conversation | None, turn: int
) -> dict[str, Any]:
    status = _pick_status(rng)
    index = rng.randrange(len(PROMPTS))
    prompt_tokens = rng.randint(8, 1200)
    completion_tokens = rng.randint(20, 900) if status == GenerationStatus.SUCCESS else 0
    cost = (prompt_tokens * model.input_price_per_1m + completion_tokens * (model.output_price_per_1m or 0)) / 1_000_000
    latency = int(rng.lognormvariate(6.5 + model.pk % 3 * 0.3, 0.5))
    return {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "conversation_id": conv.pk if conv else None,
        "turn": turn,
        "user_id": user_id,
        "door": "playground" if conv else rng.choice(["rest", "openai"]),
        "requested_model": model.slug,
        "model_id": model.pk,
        "model_slug": model.slug,
        "provider_id": model.provider_id,
        "upstream_id": model.upstream_id,
        "input_messages": [{"role": "user", "content": PROMPTS[index]}],
        "content": ANSWERS[index] if status == GenerationStatus.SUCCESS else "",
        "finish_reason": "stop" if status == GenerationStatus.SUCCESS else "",
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "cost": cost.quantize(Decimal("0.00000001")),
        "ttft_ms": latency // 4,
        "duration_ms": latency,
        "status": status,
        "error_code": "" if status == GenerationStatus.SUCCESS else status,
        "created_at": at,
    }


def _chunks(
    rng: random.Random, people: list[int], catalog: list[AIModel], total: int, days: int, now: datetime
) -> Iterator[tuple[list[Conversation], list[dict[str, Any]]]]:
    """Yield ~CHUNK generations at a time with the conversations they belong to (two in three do)."""
    made = 0
    while made < total:
        convs: list[Conversation] = []
        gens: list[dict[str, Any]] = []
        while len(gens) < CHUNK and made + len(gens) < total:
            user_id = rng.choice(people)
            model = rng.choice(catalog)
            # Steady traffic: each of the days gets about the same share.
            start = now - timedelta(seconds=rng.random() * days * 86400)
            turns = min(rng.randint(1, 8), total - made - len(gens))
            conv = None
            if rng.random() < 0.67:
                conv = Conversation(
                    id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    owner_id=user_id,
                    title=PROMPTS[rng.randrange(len(PROMPTS))][:60],
                    created_at=start,
                    models=[model.slug],
                )
                convs.append(conv)
            for turn in range(turns):
                row = _generation(rng, user_id, model, min(now, start + timedelta(minutes=2 * turn)), conv, turn)
                gens.append(row)
                if conv is not None:
                    conv.generation_count += 1
                    conv.total_tokens += row["total_tokens"]
                    conv.total_cost = (conv.total_cost or Decimal(0)) + row["cost"]
        made += len(gens)
        yield convs, gens


@transaction.atomic
def _write(convs: list[Conversation], gens: list[dict[str, Any]]) -> None:
    Conversation.objects.bulk_create(convs, batch_size=CHUNK)
    if connection.vendor == "postgresql":
        _copy_generations(gens)
    else:
        Generation.objects.bulk_create([Generation(**row) for row in gens], batch_size=CHUNK)


def _copy_generations(gens: list[dict[str, Any]]) -> None:
    # Every concrete column is listed, with each field's default for what the demo row leaves out,
    # so columns added to Generation later do not break the COPY.
    fields = [f for f in Generation._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    defaults = {f.attname: f.get_default() for f in fields}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {Generation._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in gens:
                copy.write_row([_copy_value(f, row.get(f.attname, defaults[f.attname])) for f in fields])


def _copy_value(field: models.Field, value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value
