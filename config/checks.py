"""Start-up checks (`manage.py check`, run by migrate and every server start) for what code assumes
about its settings but cannot enforce on its own."""

from typing import Any

from django.core.checks import Error


def lease_outlasts_task(*, what: str, lease_seconds: float, task: Any, check_id: str) -> list[Error]:
    """A row held by a task (a claim with a lease) must stay held while that task can still run:
    otherwise another worker takes it over mid-run and the work is done twice."""
    limit = task.time_limit
    if limit is None or lease_seconds > limit:
        return []
    return [
        Error(
            f"{what} lease ({lease_seconds:g} s) is not longer than the time limit of {task.name} ({limit} s).",
            hint="Lengthen the lease or shorten the task's time limit: a claim that ends while its task "
            "still runs lets a second worker take the same work.",
            id=check_id,
        )
    ]
