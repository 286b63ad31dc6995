"""Periodic upkeep of metering: the ledger's safety net, the worker's ledger writer, analytics rollups."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown

from config.celery import INFRA_RETRY


@shared_task(name="usage.rollup_recent", acks_late=True, soft_time_limit=120, time_limit=150)
def rollup_recent() -> int:
    from usage.rollups import rollup_recent as run

    return run()


@shared_task(name="usage.ledger_sweep", soft_time_limit=50, time_limit=60, **INFRA_RETRY)
def ledger_sweep() -> dict[str, int]:
    """Safety net for the ledger rows written behind API responses: rows of a writer that died go
    back to the queue, and what no process's writer took is stored here. Settlements of calls that
    finished while Redis was unreachable are applied to the counters once it is back."""
    from usage import counters
    from usage.ledger import writer

    requeued = writer.requeue_stale_claims()
    stored = writer.drain(max_rows=50_000)
    return {"requeued": requeued, "stored": stored, "settled": counters.replay_settlements()}


@worker_ready.connect
def start_ledger_writer(**_: object) -> None:
    """The worker stores the ledger rows that the API doors queue behind their responses."""
    from config import store
    from usage.ledger import writer

    if store.uses_redis():
        writer.start_writer()


@worker_shutdown.connect
def stop_ledger_writer(**_: object) -> None:
    from usage.ledger import writer

    writer.stop_writer(final_drain=writer.writer_running())
