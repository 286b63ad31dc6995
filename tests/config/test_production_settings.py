"""Production settings pass Django's deployment checklist and refuse to start without a real secret."""

import os
import subprocess
import sys
from pathlib import Path

from tests.redis_server import redis_server

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = "k3y-" + "x9Qz" * 16


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    with redis_server("--appendonly", "yes") as redis:  # production's Redis persists (usage.checks)
        result = run_manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            SECRET_KEY=REAL_SECRET,
            ALLOWED_HOSTS="switchboard.example.com",
            REDIS_URL=redis.url,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_on_a_redis_that_would_lose_the_ledger_queue():
    with redis_server() as redis:  # no AOF, no snapshots
        result = run_manage(
            "check", "--deploy", "--fail-level", "WARNING",
            SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="switchboard.example.com", REDIS_URL=redis.url,
        )  # fmt: skip
    assert result.returncode != 0 and "usage.W001" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_real_secret_key():
    result = run_manage("check", ALLOWED_HOSTS="switchboard.example.com", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_development_default_secret_key():
    result = run_manage(
        "check",
        SECRET_KEY="insecure-local-development-key-change-me",
        ALLOWED_HOSTS="switchboard.example.com",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
