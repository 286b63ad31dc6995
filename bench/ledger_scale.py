"""The ledger at ten million rows: server time of the reads that grow with it, on PostgreSQL.

    .venv/bin/python bench/ledger_scale.py [--generations 10000000] [--runs 30]
        [--database-url postgres://postgres@127.0.0.1:5432/switchboard_ledger_scale]
        [--redis-url redis://127.0.0.1:6379/4]

Uses its own database (created and migrated when missing, never the test database) and fills it,
when it holds fewer generations than asked for, with COPY: 10,000 users over the last 90 days, one
heavy user with a tenth of all calls (about 11,000 a day, today included), 30 % of calls in
playground conversations of five turns. Secondary indexes are built after the COPY, as a restore
would; then the days are rolled up (and closed) as `rollup_usage --days 90` does, and VACUUM ANALYZE
runs (as autovacuum would after a bulk load).

Then it requests each page in-process (Django's test client, DEBUG off) and prints p50 and p95 of the
server time over --runs runs: the usage API for the heavy user, `/api/v1/usage` first page and a deep
page (page 5000 = offset 100,000, and the same position by cursor), history search (a common and a
rare word), the dashboard, and the admin analytics page with its 60 s cache cleared. The beat task's
rollup of recent days (every five minutes in production) runs once before the timings.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/switchboard_ledger_scale"
USERS = 10_000
DAYS = 90
HEAVY_SHARE = 0.10
PLAYGROUND_SHARE = 0.30
TURNS_PER_CONVERSATION = 5
CHUNK = 200_000
SYLLABLES = ["ka", "lo", "mi", "ra", "tu", "ve", "no", "si", "da", "pe", "gu", "zo", "bi", "fa", "he", "ju"]


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if name.startswith("test_"):
        raise SystemExit("refusing to fill a test database")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(3, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


# --- filling ------------------------------------------------------------------------------------


def _users() -> list[int]:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    have = list(User.objects.filter(email__endswith="@scale.bench").order_by("pk").values_list("pk", flat=True))
    if len(have) < USERS:
        password = make_password("Bench-password1")
        User.objects.bulk_create(
            [
                User(username=f"scale{i}", email=f"scale{i}@scale.bench", password=password, tier="enterprise")
                for i in range(len(have), USERS)
            ],
            batch_size=5000,
        )
        have = list(User.objects.filter(email__endswith="@scale.bench").order_by("pk").values_list("pk", flat=True))
    return have


def _models() -> list[tuple[str, int, int]]:
    from catalog.models import AdapterKind, AIModel, Provider

    provider, _ = Provider.objects.get_or_create(
        slug="scale", defaults={"name": "Scale bench", "adapter_kind": AdapterKind.DEMO}
    )
    rows = []
    for i in range(20):
        model, _ = AIModel.objects.get_or_create(
            slug=f"scale/m{i}",
            defaults={"provider": provider, "upstream_id": f"m{i}", "display_name": f"Model {i}"},
        )
        rows.append((model.slug, model.pk, provider.pk))
    return rows


def _secondary_indexes(cursor: object) -> list[tuple[str, str]]:
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'playground_generation'"
        " AND indexname NOT LIKE '%%pkey'"
    )
    return list(cursor.fetchall())  # type: ignore[attr-defined]


def _fill(target: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from usage.models import Generation

    call_command("migrate", verbosity=0)
    have = Generation.objects.count()
    print(f"generations in the database: {have:,}")
    if have >= target:
        return
    users, models = _users(), _models()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        indexes = _secondary_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SET session_replication_role = replica")  # no FK checks per row: the data is consistent
        _copy_rows(cursor, users, models, target - have, timezone.now())
        cursor.execute("SET session_replication_role = DEFAULT")
        print(f"COPY: {target - have:,} generations in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        print(f"secondary indexes rebuilt in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        cursor.execute(
            "UPDATE playground_conversation SET search = to_tsvector('english'::regconfig, title) WHERE search IS NULL"
        )
        print(f"conversation search vectors in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    call_command("rollup_usage", "--days", str(DAYS))
    print(f"rollup_usage --days {DAYS}: {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        # What autovacuum does to a table after a bulk load: statistics, and the visibility map that
        # lets counts and keyset pages read the index alone.
        cursor.execute("VACUUM ANALYZE")


def _copy_rows(cursor: object, users: list[int], models: list[tuple[str, int, int]], count: int, now: datetime) -> None:
    rng = random.Random(14)
    words = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf: a few common words, many rare ones
    heavy, others = users[0], users[1:]
    conversations: dict[int, tuple[str, int]] = {}
    columns = (
        "id, conversation_id, user_id, door, requested_model, model_id, model_slug, provider_id, upstream_id,"
        " input_messages, parameters, content, finish_reason, prompt_tokens, completion_tokens, total_tokens,"
        " cached_tokens, reasoning_tokens, tokens_estimated, cost, ttft_ms, duration_ms, status, error_code,"
        " error_message, ip, user_agent, cache_hit, created_at, turn, hidden, removed_at, output"
    )
    conv_columns = (
        "id, owner_id, title, system_prompt, generation_count, total_tokens, total_cost, created_at, updated_at,"
        " share_id, share_shows_cost, models, deleted_at, search, status, carried_turns"
    )
    first_day = (now - timedelta(days=DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    span = (now - first_day).total_seconds()
    base = uuid.uuid4().int >> 64 << 64
    lines: list[str] = []
    convs: list[str] = []
    for i in range(count):
        user = heavy if rng.random() < HEAVY_SHARE else others[int(rng.random() * len(others))]
        created = first_day + timedelta(seconds=span * i / count)
        slug, model_id, provider_id = models[(user + (i & 1) * 7) % len(models)]
        prompt_tokens, completion_tokens = 20 + (i % 400), 50 + (i % 700)
        status = "success" if i % 50 else "error"
        cost = f"{(prompt_tokens + 3 * completion_tokens) / 1_000_000:.8f}" if status == "success" else "0"
        conversation, turn, door = r"\N", 0, "openai"
        if rng.random() < PLAYGROUND_SHARE:
            door = "playground"
            current = conversations.get(user)
            if current is None or current[1] >= TURNS_PER_CONVERSATION:
                title = " ".join(rng.choices(words, weights, k=5))
                current = (str(uuid.UUID(int=base + count + len(conversations) + i)), 0)
                convs.append(
                    f"{current[0]}\t{user}\t{title}\t\t{TURNS_PER_CONVERSATION}\t0\t\\N\t{created.isoformat()}"
                    f"\t{created.isoformat()}\t\\N\tf\t[]\t\\N\t\\N\tcompleted\t[]\n"
                )
            conversation, turn = current
            conversations[user] = (conversation, turn + 1)
        text = " ".join(words[(i * 31 + k) % len(words)] for k in range(8))
        lines.append(
            f"{uuid.UUID(int=base + i)}\t{conversation}\t{user}\t{door}\t{slug}\t{model_id}\t{slug}\t{provider_id}\t"
            f'\t[{{"role":"user","content":"{text}"}}]\t{{}}\t{text}\tstop\t{prompt_tokens}\t{completion_tokens}'
            f"\t{prompt_tokens + completion_tokens}\t0\t0\tf\t{cost}\t{50 + i % 300}\t{400 + i % 3000}\t{status}"
            f"\t\t\t\\N\t\tf\t{created.isoformat()}\t{turn}\tf\t\\N\t{{}}\n"
        )
        if len(lines) >= CHUNK:
            _write(cursor, "playground_conversation", conv_columns, convs)
            _write(cursor, "playground_generation", columns, lines)
            lines, convs = [], []
            if (i + 1) % 1_000_000 < CHUNK:
                print(f"  {i + 1:,} generations")
    _write(cursor, "playground_conversation", conv_columns, convs)
    _write(cursor, "playground_generation", columns, lines)


def _write(cursor: object, table: str, columns: str, lines: list[str]) -> None:
    if lines:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write("".join(lines))


# --- timing -------------------------------------------------------------------------------------


def _time(label: str, runs: int, request: Callable[[], object]) -> None:
    request()  # warm the connection and the plans
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = request()
        samples.append((time.perf_counter() - started) * 1000)
        assert getattr(response, "status_code", 200) == 200, (label, response)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(f"| {label} | {statistics.median(samples):.1f} | {p95:.1f} |")


def _measure(runs: int) -> None:
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import User
    from usage.analytics import CACHE_KEY
    from usage.models import Generation
    from usage.rollups import rollup_recent

    started = time.perf_counter()
    rollup_recent()  # what the beat task does every five minutes: today's rollups up to a mark
    print(f"rollup_recent (the beat task's run): {time.perf_counter() - started:.1f} s")
    heavy = User.objects.filter(email__endswith="@scale.bench").order_by("pk").first()
    staff, _ = User.objects.get_or_create(
        email="bench-admin@example.com",
        defaults={"username": "bench-admin", "is_staff": True, "is_superuser": True, "tier": "enterprise"},
    )
    rows = Generation.objects.filter(user=heavy).count()
    print(f"heavy user: {rows:,} generations; {Generation.objects.count():,} in all")
    client, admin = Client(), Client()
    client.force_login(heavy)
    admin.force_login(staff)
    deep_page = max(1, min(5000, rows // 20))  # page 5000 at ten million rows; the last page on a small fill
    deep = client.get(f"/api/v1/usage?page={deep_page}&limit=20").json()["data"]["items"][-1]
    deep_cursor = _cursor_at(heavy, deep["id"])
    common, rare = _search_words(heavy)

    def analytics() -> object:
        cache.delete(CACHE_KEY)
        return admin.get("/admin/analytics/")

    print("| read | p50 ms | p95 ms |\n|---|---|---|")
    _time("usage API, heavy user, 30 days (`/api/v1/ai/usage`)", runs, lambda: client.get("/api/v1/ai/usage"))
    _time("`/api/v1/usage` first page (`page=1`, with the count)", runs, lambda: client.get("/api/v1/usage"))
    _time("`/api/v1/usage` first page (`cursor=`)", runs, lambda: client.get("/api/v1/usage?cursor="))
    _time(
        f"`/api/v1/usage` page {deep_page} (offset {20 * (deep_page - 1):,})",
        runs,
        lambda: client.get(f"/api/v1/usage?page={deep_page}"),
    )
    _time("`/api/v1/usage` same position by cursor", runs, lambda: client.get(f"/api/v1/usage?cursor={deep_cursor}"))
    hx = {"HTTP_HX_REQUEST": "true"}
    _time(f"history search, common word ({common})", runs, lambda: client.get(f"/playground/history/?q={common}", **hx))
    _time(f"history search, rare word ({rare})", runs, lambda: client.get(f"/playground/history/?q={rare}", **hx))
    _time("history, first page", runs, lambda: client.get("/playground/history/", **hx))
    _time("dashboard", runs, lambda: client.get("/dashboard/"))
    _time("admin analytics (cache cleared)", max(5, runs // 3), analytics)


def _cursor_at(user: object, generation_id: str) -> str:
    from config.api.pagination import encode_cursor
    from usage.models import Generation

    row = Generation.objects.get(pk=generation_id)
    return encode_cursor(row.created_at, row.pk)


def _search_words(user: object) -> tuple[str, str]:
    """The heavy user's most common title word, and one that appears in a handful of titles."""
    from django.db import connection

    owner = int(user.pk)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT word, ndoc FROM ts_stat($$SELECT search FROM playground_conversation WHERE owner_id = {owner}$$)"
            " ORDER BY ndoc DESC"
        )
        stats = cursor.fetchall()
    rare = next((w for w, n in stats if n <= 5), stats[-1][0])
    print(f"search words: '{stats[0][0]}' in {stats[0][1]:,} conversations, '{rare}' in a few")
    return stats[0][0], rare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generations", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args()
    _ensure_database(args.database_url)
    _setup(args.database_url, args.redis_url)
    _fill(args.generations)
    _measure(args.runs)


if __name__ == "__main__":
    main()
