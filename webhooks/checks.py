from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from config.checks import lease_outlasts_task


@register()
def attempt_lease_outlasts_its_task(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from webhooks import tasks

    return lease_outlasts_task(
        what="A delivery attempt's (WEBHOOKS_ATTEMPT_LEASE_SECONDS)",
        lease_seconds=settings.WEBHOOKS_ATTEMPT_LEASE_SECONDS,
        task=tasks.deliver,
        check_id="webhooks.E001",
    )
