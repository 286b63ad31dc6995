"""Admission and settlement for every metered call: chat (whole and streamed), batch items and video.

One place decides whether a call may run (tier limits as data, the spend reservation), what a
refusal says, what a finished call adds to the counters, and when the owner is warned: a
`quota.warning` event at 80 % and 100 % of a request quota (when the call is admitted) or of the
spend budget (when its cost is settled).
"""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.db import transaction

from catalog.models import AIModel
from config import store
from config.api.exceptions import ApiError, outage
from config.money import money
from usage import counters, events, ledger, rebuild
from usage import limits as limiter
from usage.counters import Charge
from usage.ledger import writer
from usage.limits import LOST, UNLIMITED, Admission, Limits, OutputHold, Ticket, from_nano, to_nano
from usage.settings_store import tier_limits


def limits_for(user: Any) -> Limits:
    """The user's tier limits (admin-editable data); a per-user budget overrides the tier's."""
    tier = tier_limits(user.tier)
    budget: Decimal | None = (
        user.monthly_budget_usd if user.monthly_budget_usd is not None else tier["monthly_budget_usd"]
    )

    def count(value: Any) -> int:
        return UNLIMITED if value is None else int(value)

    return Limits(
        per_minute=count(tier.get("per_minute")),
        quotas={q.name: count(tier.get(q.name)) for q in limiter.QUOTAS},
        budget_nano=UNLIMITED if budget is None else to_nano(budget),
    )


# A bound on a prompt's tokens that no tokenizer beats: every token of a byte-level BPE or a
# byte-fallback tokenizer (those of every provider we speak to) holds at least one byte of text, so the
# UTF-8 size of the messages as JSON, which also pays for the roles and separators a chat template
# adds, is at least their token count. Images are not text: each is held at IMAGE_TOKENS_BOUND, above
# what the dearest provider bills for one (OpenAI's patch-based models: 1536 patches x 1.62).
IMAGE_TOKENS_BOUND = 2500
REPLY_PRIMING_TOKENS = 8  # the tokens a chat template adds to start the answer
_IMAGE_PARTS = frozenset({"image_url", "image", "input_image"})
# Built once: json.dumps with options other than the defaults builds an encoder on every call.
_PROMPT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


def prompt_tokens_bound(messages: list[dict[str, Any]]) -> int:
    """At most how many tokens `messages` can be billed as, by any provider."""
    images = 0

    def text_of(value: Any) -> Any:
        nonlocal images
        if isinstance(value, dict):
            if value.get("type") in _IMAGE_PARTS:
                images += 1
                return None
            return {key: text_of(item) for key, item in value.items()}
        if isinstance(value, list):
            return [text_of(item) for item in value]
        return value

    # A message of plain strings (most are) holds no image, and neither do tool definitions or a
    # response schema (items without a role): measured as they are, without a copy or a walk.
    measured = [
        text_of(m)
        if isinstance(m, dict) and "role" in m and any(isinstance(v, dict | list) for v in m.values())
        else m
        for m in messages
    ]
    text = _PROMPT_JSON.encode(measured)
    return len(text.encode("utf-8", "surrogatepass")) + images * IMAGE_TOKENS_BOUND + REPLY_PRIMING_TOKENS


def _nano_per_token(price_per_1m: Decimal) -> int:
    return math.ceil(price_per_1m * 1000)  # $ per 1M tokens -> nano-dollars per token, rounded up


@functools.lru_cache(maxsize=1024)
def _hold_rates(input_per_1m: Decimal, output_per_1m: Decimal, per_request: Decimal | None) -> tuple[int, int, int]:
    """A price's rates in nano-dollars (input and output per token, per request), rounded up. Decimal
    arithmetic costs on every call, and a catalog has few distinct prices: worked out once each."""
    return _nano_per_token(input_per_1m), _nano_per_token(output_per_1m), to_nano(per_request, round_up=True)


def chat_hold(chain: list[AIModel], messages: list[dict[str, Any]], max_tokens: int) -> tuple[int, OutputHold | None]:
    """What admission holds for a chat call, on the dearest priced model that may answer it: a fixed
    part (the prompt at its bound, and any per-request price) and the output part. An unpriced chain
    holds nothing (its calls are recorded as unpriced)."""
    rates = [
        _hold_rates(m.input_price_per_1m, m.output_price_per_1m, m.price_per_request)
        for m in chain
        if m.input_price_per_1m is not None and m.output_price_per_1m is not None
    ]
    if not rates:
        return 0, None
    prompt = prompt_tokens_bound(messages)
    fixed = max(per_input * prompt + per_request for per_input, _, per_request in rates)
    per_token = max(per_output for _, per_output, _ in rates)
    return fixed, OutputHold(per_token_nano=per_token, max_tokens=max_tokens)


def rate_headers(admission: Admission) -> dict[str, str]:
    limit = admission.limit
    reset = datetime.fromtimestamp(admission.reset_at, tz=UTC).isoformat(timespec="milliseconds")
    return {
        "X-RateLimit-Limit": "unlimited" if limit < 0 else str(limit),
        "X-RateLimit-Remaining": "unlimited" if limit < 0 else str(max(admission.remaining, 0)),
        "X-RateLimit-Reset": reset.replace("+00:00", "Z"),
    }


def refusal(admission: Admission) -> ApiError:
    retry = int(admission.retry_after)
    headers = {**rate_headers(admission), "Retry-After": str(retry)}
    if admission.reason == "rate":
        return ApiError(
            "RATE_LIMIT_EXCEEDED",
            f"Rate limit of {admission.limit} requests per minute exceeded; retry in {retry} s.",
            {"limit": admission.limit, "window": "minute", "retry_after": retry},
            headers,
        )
    if admission.reason == "budget":
        message = "The monthly spend budget is used up (including calls in progress)."
        return ApiError("QUOTA_EXCEEDED", message, {"quota": "monthly_budget", "retry_after": retry}, headers)
    message = f"The {admission.reason} request quota is used up."
    return ApiError("QUOTA_EXCEEDED", message, {"quota": admission.reason, "retry_after": retry}, headers)


# --- admission -------------------------------------------------------------------------------------


def _crossed(before: float, after: float, limit: float) -> list[int]:
    """The warning thresholds (percent of `limit`) that this change crossed upwards."""
    if limit <= 0:
        return []
    return [t for t in events.WARNING_THRESHOLDS if before * 100 < t * limit <= after * 100]


def quota_warnings(admission: Admission, limits: Limits) -> list[dict[str, Any]]:
    """The request quotas this admission brought to 80 % or 100 %."""
    found = []
    for quota in limiter.QUOTAS:
        used, limit = admission.used.get(quota.name, 0), limits.quota(quota.name)
        for percent in _crossed(used - 1, used, limit):
            found.append({"quota_type": quota.name, "used": used, "limit": limit, "percentage": percent})
    return found


def budget_warnings(limits: Limits, spent_after: int, cost_nano: int) -> list[dict[str, Any]]:
    """The budget thresholds this charge crossed."""
    if limits.budget_nano <= 0 or not cost_nano:
        return []
    used, limit = money(from_nano(spent_after)), money(from_nano(limits.budget_nano))
    return [
        {"quota_type": "monthly_budget", "used": used, "limit": limit, "percentage": percent}
        for percent in _crossed(spent_after - cost_nano, spent_after, limits.budget_nano)
    ]


def warn(user_id: int, payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        events.emit(events.QUOTA_WARNING, user_id=user_id, payload=payload)


def _lost() -> ApiError:
    # The user's counters were rebuilt and are gone again at once: Redis is failing over or evicting.
    message = "Usage counters are being restored; retry shortly."
    return ApiError("SERVICE_UNAVAILABLE", message, headers={"Retry-After": "1"})


def admit(*, user: Any, limits: Limits, reserve_nano: int, output: OutputHold | None = None) -> Admission:
    """Count the call against every limit and hold its reservation, or raise the refusal. When Redis
    lost the user's counters, they are rebuilt from the ledger first (usage.rebuild)."""

    def attempt() -> Admission:
        return limiter.admit(user_id=user.pk, limits=limits, reserve_nano=reserve_nano, output=output, guarded=True)

    admission = attempt()
    if admission.reason == LOST:
        rebuild.rebuild_user(user.pk)
        admission = attempt()
        if admission.reason == LOST:
            raise _lost()
    if not admission.allowed:
        raise refusal(admission)
    warn(user.pk, quota_warnings(admission, limits))
    return admission


async def admit_async(*, user: Any, limits: Limits, reserve_nano: int, output: OutputHold | None = None) -> Admission:
    """`admit` on the event loop: one Redis script; a thread only in the rare case of a warning."""

    async def attempt() -> Admission:
        return await limiter.admit_async(
            user_id=user.pk, limits=limits, reserve_nano=reserve_nano, output=output, guarded=True
        )

    admission = await attempt()
    if admission.reason == LOST:  # once per user after Redis lost its data: one query, in a thread
        await sync_to_async(rebuild.rebuild_user)(user.pk)
        admission = await attempt()
        if admission.reason == LOST:
            raise _lost()
    if not admission.allowed:
        raise refusal(admission)
    if payloads := quota_warnings(admission, limits):
        await sync_to_async(warn)(user.pk, payloads)
    return admission


# --- settlement ------------------------------------------------------------------------------------


def settle(*, ticket: Ticket, charge: Charge, limits: Limits) -> int:
    """Release the reservation and charge the call; returns the month's spend after it (nano)."""
    spent = counters.settle(ticket=ticket, charge=charge)
    warn(ticket.user_id, budget_warnings(limits, spent, charge.cost_nano))
    return spent


def _record_unsettled(ticket: Ticket, charge: Charge, row: ledger.Row) -> None:
    """Redis went away while the call ran: its row goes to the ledger now, and what settlement owes the
    counters (release the hold, add the cost) waits in PostgreSQL until Redis is back."""
    with transaction.atomic():
        ledger.record(row)
        counters.settle_later(ticket=ticket, charge=charge, generation_id=row.get("id"))


def _settle_and_record(ticket: Ticket, charge: Charge, limits: Limits, row: ledger.Row) -> int:
    # Counters first: a slow database must never keep a budget held.
    try:
        spent = settle(ticket=ticket, charge=charge, limits=limits)
    except Exception as exc:
        if outage(exc) is None:
            raise
        _record_unsettled(ticket, charge, row)
        return 0
    ledger.record(row)
    return spent


async def settle_async(*, ticket: Ticket, charge: Charge, limits: Limits, row: ledger.Row, behind: bool) -> int:
    """Settle a call and record its ledger row: behind the response when asked and Redis is there (the
    row is queued in the settlement's own atomic step, a writer stores it), else now, in a thread."""
    if not (behind and store.uses_redis()):
        return await sync_to_async(_settle_and_record)(ticket, charge, limits, row)
    try:
        spent, queued = await counters.settle_async(ticket=ticket, charge=charge, ledger_row=writer.encode(row))
    except Exception as exc:
        if outage(exc) is None:
            raise
        await sync_to_async(_record_unsettled)(ticket, charge, row)
        return 0
    writer.queued(queued)
    if payloads := budget_warnings(limits, spent, charge.cost_nano):  # rare: at 80 % and 100 %
        await sync_to_async(warn)(ticket.user_id, payloads)
    return spent
