import os

from celery import Celery
from django.db import DatabaseError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task options for infrastructure trouble (the database restarting): retried by Celery with
# exponential backoff and jitter. A provider's or a receiver's failure is not an exception in a
# task: the service records it and schedules its own retry.
INFRA_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
}
