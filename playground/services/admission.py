"""Admission for one user: tier limits as data, the spend reservation, and the refusal messages."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from catalog.models import AIModel
from catalog.pricing import max_cost
from playground.services.errors import GenerationError
from usage import limits as limiter
from usage.settings_store import tier_limits


def limits_for(user: Any) -> limiter.Limits:
    """The user's tier limits (admin-editable data); a per-user budget overrides the tier's."""
    tier = tier_limits(user.tier)
    budget: Decimal | None = (
        user.monthly_budget_usd if user.monthly_budget_usd is not None else tier["monthly_budget_usd"]
    )

    def count(value: Any) -> int:
        return limiter.UNLIMITED if value is None else int(value)

    return limiter.Limits(
        per_minute=count(tier.get("per_minute")),
        daily=count(tier.get("daily")),
        weekly=count(tier.get("weekly")),
        monthly=count(tier.get("monthly")),
        budget_nano=limiter.UNLIMITED if budget is None else limiter.to_nano(budget),
    )


def reservation(chain: list[AIModel], prompt_tokens: int, max_tokens: int) -> int:
    """The most this call can cost on any model that may answer it, in nano-dollars."""
    costs = [max_cost(model=m, prompt_tokens=prompt_tokens, max_tokens=max_tokens) for m in chain]
    return max((limiter.to_nano(c, round_up=True) for c in costs if c is not None), default=0)


def rate_headers(admission: limiter.Admission) -> dict[str, str]:
    limit = admission.limit
    reset = datetime.fromtimestamp(admission.reset_at, tz=UTC).isoformat(timespec="milliseconds")
    return {
        "X-RateLimit-Limit": "unlimited" if limit < 0 else str(limit),
        "X-RateLimit-Remaining": "unlimited" if limit < 0 else str(max(admission.remaining, 0)),
        "X-RateLimit-Reset": reset.replace("+00:00", "Z"),
    }


_QUOTA_NAMES = {"daily": "daily", "weekly": "weekly", "monthly": "monthly"}


def refusal(admission: limiter.Admission) -> GenerationError:
    retry = str(int(admission.retry_after))
    headers = {**rate_headers(admission), "Retry-After": retry}
    if admission.reason == "rate":
        return GenerationError(
            "RATE_LIMIT_EXCEEDED",
            f"Rate limit of {admission.limit} requests per minute exceeded; retry in {retry} s.",
            details={"limit": admission.limit, "window": "minute", "retry_after": int(retry)},
            headers=headers,
        )
    if admission.reason == "budget":
        return GenerationError(
            "QUOTA_EXCEEDED",
            "The monthly spend budget is used up (including calls in progress).",
            details={"quota": "monthly_budget", "retry_after": int(retry)},
            headers=headers,
        )
    name = _QUOTA_NAMES[admission.reason]
    return GenerationError(
        "QUOTA_EXCEEDED",
        f"The {name} request quota is used up.",
        details={"quota": name, "retry_after": int(retry)},
        headers=headers,
    )
