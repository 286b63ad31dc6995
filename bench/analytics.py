"""Server time of the admin analytics page with a million generations on PostgreSQL.

    .venv/bin/python bench/analytics.py [--generations 1000000] [--runs 7]
        [--database-url postgres://postgres@127.0.0.1:5432/switchboard_analytics]

Uses its own database (created and migrated when missing) and fills it with `create_demo_data` when it
holds fewer generations than asked for. Then it renders /admin/analytics/ in-process as a staff user,
with the 60 s page cache cleared before each run (the cold figure is the one that matters), and
prints p50 and max of the server time, plus one warm (cached) run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/switchboard_analytics"


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fill(generations: int) -> None:
    from django.core.management import call_command

    from usage.models import Generation

    call_command("migrate", verbosity=0)
    have = Generation.objects.count()
    if have < generations:
        started = time.perf_counter()
        call_command("create_demo_data", generations=generations - have, users=2000)
        print(f"create_demo_data: {generations - have:,} generations in {time.perf_counter() - started:.0f} s")
    print(f"generations in the database: {Generation.objects.count():,}")


def _time_page(runs: int) -> None:
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import User
    from usage.analytics import CACHE_KEY

    staff, _ = User.objects.get_or_create(
        email="bench-admin@example.com", defaults={"username": "bench-admin", "is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(staff)
    cold = []
    for _ in range(runs):
        cache.delete(CACHE_KEY)
        started = time.perf_counter()
        response = client.get("/admin/analytics/")
        cold.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    started = time.perf_counter()
    client.get("/admin/analytics/")
    warm = (time.perf_counter() - started) * 1000
    print(f"analytics page, cache cleared: p50 {statistics.median(cold):.0f} ms, max {max(cold):.0f} ms ({runs} runs)")
    print(f"analytics page, cached: {warm:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    _ensure_database(args.database_url)
    _setup(args.database_url)
    _fill(args.generations)
    _time_page(args.runs)


if __name__ == "__main__":
    main()
