"""What every settings module reads: the environment (a `.env` file in the project root too), and
where the project keeps its files."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of the embedded default (SQLite, the filesystem broker, beat's schedule, static files).
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SITE_NAME = "Switchboard"
# SITE_URL as configured ("" when not): code samples then use the address the page was served from.
SITE_URL_CONFIGURED = env("SITE_URL", default="")
SITE_URL = SITE_URL_CONFIGURED or "http://localhost:8000"  # absolute links where no request is at hand
REDIS_URL = env("REDIS_URL", default="")  # when set: cache, counters, the ledger's queue and the broker
