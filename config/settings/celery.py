"""The task queue: the broker, how tasks are acknowledged, and the one beat schedule.

Beat runs as the Procfile's `beat` process, or inside the worker (`worker -B`) under `make run`.
"""

from .environment import REDIS_URL, VAR_DIR, env
from .jobs import VIDEO_SWEEP_SECONDS, WEBHOOKS_SWEEP_SECONDS

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # With acks_late a task whose worker died is handed out again once this has passed since it was fetched.
    {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),  # kombu's default is ./control, in the checkout
        "store_processed": False,
    }
)
if not REDIS_URL:
    for _folder in ("broker", "broker-processed"):
        (VAR_DIR / _folder).mkdir(exist_ok=True)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Queues: one per kind of slow work, so none waits behind another ---------------------------------
# Routed by task name. A worker without --queues consumes all of them (`make run`); production runs a
# worker per queue (Procfile), so slow webhook receivers, long batches and video polling each have
# their own processes. Everything else (beat sweeps, the ledger, rollups) stays on the default queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "webhooks.deliver": {"queue": "webhooks"},
    "playground.batch_work": {"queue": "batch"},
    "playground.video_advance": {"queue": "video"},
}
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in ("celery", "webhooks", "batch", "video")}

# Every periodic task, in one place. A sweep's `expires` drops runs that waited past the next one.
CELERY_BEAT_SCHEDULE = {
    "webhooks-deliver-due": {
        "task": "webhooks.deliver_due",
        "schedule": WEBHOOKS_SWEEP_SECONDS,
        "options": {"expires": WEBHOOKS_SWEEP_SECONDS * 2},
    },
    "ledger-sweep": {
        "task": "usage.ledger_sweep",
        "schedule": 30,  # ledger rows of a process that died reach the database within ~90 s (claims go stale at 60)
        "options": {"expires": 60},
    },
    "videos-sweep": {
        "task": "playground.videos_sweep",
        "schedule": VIDEO_SWEEP_SECONDS,
        "options": {"expires": VIDEO_SWEEP_SECONDS * 2},
    },
    "usage-rollup-recent": {
        "task": "usage.rollup_recent",
        "schedule": 300,  # the analytics page shows past days from rollups; today is read live
        "options": {"expires": 600},
    },
    "accounts-cleanup-expired-tokens": {
        "task": "accounts.cleanup_expired_tokens",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "accounts-flush-api-key-usage": {
        "task": "accounts.flush_api_key_usage",
        "schedule": 60,  # usage_count and last_used reach the database within a minute
        "options": {"expires": 120},
    },
    "accounts-forget-expired-token-families": {
        "task": "accounts.forget_expired_token_families",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
}
