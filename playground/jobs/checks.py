from typing import Any

from django.core.checks import Error, register

from config.checks import lease_outlasts_task


@register()
def job_leases_outlast_their_tasks(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from playground.jobs import batch, tasks, video

    return [
        *lease_outlasts_task(
            what="A video step's", lease_seconds=video.STEP_LEASE.total_seconds(), task=tasks.video_advance,
            check_id="playground.E001",
        ),
        *lease_outlasts_task(
            what="A batch item's", lease_seconds=batch.ITEM_LEASE.total_seconds(), task=tasks.batch_work,
            check_id="playground.E002",
        ),
    ]  # fmt: skip
