"""Background jobs: video generation, batch runs, and webhook deliveries (their schedules and limits)."""

from .environment import env

# --- Video generation and batch runs (playground/jobs/) ---------------------------------------------
VIDEO_MAX_AGE_SECONDS = env.int("VIDEO_MAX_AGE_SECONDS", default=30 * 60)  # no job stays unfinished past this
VIDEO_POLL_FIRST_SECONDS = env.float("VIDEO_POLL_FIRST_SECONDS", default=5.0)  # doubled per poll, with jitter
VIDEO_POLL_MAX_SECONDS = env.float("VIDEO_POLL_MAX_SECONDS", default=30.0)
VIDEO_MAX_PROVIDER_ERRORS = env.int("VIDEO_MAX_PROVIDER_ERRORS", default=5)  # in a row, then the job fails
VIDEO_REQUEUE_AFTER_SECONDS = env.int("VIDEO_REQUEUE_AFTER_SECONDS", default=60)  # overdue steps are re-queued
VIDEO_SWEEP_SECONDS = env.float("VIDEO_SWEEP_SECONDS", default=30.0)
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=500 * 1024 * 1024)
VIDEO_DEMO_SECONDS = env.float("VIDEO_DEMO_SECONDS", default=4.0)  # how long the offline demo takes per clip
# Generated images: how long a signed link in an API answer, and a share link from the gallery, works.
IMAGE_LINK_SECONDS = env.int("IMAGE_LINK_SECONDS", default=3600)
IMAGE_SHARE_SECONDS = env.int("IMAGE_SHARE_SECONDS", default=7 * 24 * 3600)
BATCH_MAX_PROMPTS = 1000
BATCH_CONCURRENCY = env.int("BATCH_CONCURRENCY", default=4)  # workers on one batch at a time
BATCH_SLICE_SECONDS = env.int("BATCH_SLICE_SECONDS", default=60)  # a worker re-queues itself after this long

# --- Webhook deliveries (webhooks/) --------------------------------------------------------------------
# Standard Webhooks / Svix schedule: the first attempt at once, then these delays (seconds) after each failure.
WEBHOOKS_RETRY_SCHEDULE = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
WEBHOOKS_RETRY_JITTER = 0.1  # ±10 %, so endpoints that failed together are not retried in lockstep
WEBHOOKS_TIMEOUT_SECONDS = 15.0  # success = a 2xx within this long
WEBHOOKS_DISABLE_AFTER_DAYS = 5  # an endpoint failing this long is disabled and its owner told
WEBHOOKS_SECRET_GRACE_HOURS = 24  # after a rotation the previous secret still signs this long
# An attempt in flight holds its delivery this long; a worker killed mid-attempt frees it when the lease ends.
WEBHOOKS_ATTEMPT_LEASE_SECONDS = env.int("WEBHOOKS_ATTEMPT_LEASE_SECONDS", default=60)
# A queued task that has not run after this long is assumed lost and queued again (running twice is harmless).
WEBHOOKS_REQUEUE_AFTER_SECONDS = env.int("WEBHOOKS_REQUEUE_AFTER_SECONDS", default=300)
WEBHOOKS_SWEEP_SECONDS = env.float("WEBHOOKS_SWEEP_SECONDS", default=5.0)
# Fairness (webhooks/slots.py, with Redis): attempts in flight at once per endpoint and per user. A delivery
# over either cap is not attempted but put back WEBHOOKS_BUSY_RETRY_SECONDS (+ up to 50 %); keep the per-user
# cap well below the webhooks worker's concurrency so one tenant's slow receivers cannot hold every process.
WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = env.int("WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT", default=2)
WEBHOOKS_MAX_IN_FLIGHT_PER_USER = env.int("WEBHOOKS_MAX_IN_FLIGHT_PER_USER", default=4)
WEBHOOKS_BUSY_RETRY_SECONDS = env.float("WEBHOOKS_BUSY_RETRY_SECONDS", default=2.0)
WEBHOOKS_MAX_ENDPOINTS_PER_USER = env.int("WEBHOOKS_MAX_ENDPOINTS_PER_USER", default=10)
