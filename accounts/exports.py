"""Account export as a background job: every section of the user's data, one JSON line per item,
gzip-compressed into media storage, with progress on the row as it goes.

A large account's export is tens of megabytes and thousands of database rows: written by a worker,
row by row from iterators, never held in memory and never a long-running response. Each app adds its
sections through accounts.hooks (`register_account_exporter`); a section is a list, or an
`ExportSection` (a count and an iterator) when it is too large for one.
"""

from __future__ import annotations

import gzip
import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.files import File
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts import hooks
from accounts.models import AccountExport, ExportStatus, User

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 500  # rows between progress writes


def account_export_start(*, user: User) -> AccountExport:
    """Queue an export, or return the one already on its way (one at a time per user)."""
    from accounts.tasks import export_account

    pending = AccountExport.objects.filter(user=user, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]).first()
    if pending is not None:
        return pending
    export = AccountExport.objects.create(user=user)
    transaction.on_commit(lambda: export_account.delay(str(export.pk)))
    return export


def _sections(user: User) -> dict[str, Any]:
    from accounts.services import user_export_profile

    return {**user_export_profile(user=user), **hooks.export_sections(user)}


def _size(section: Any) -> int:
    return section.count if isinstance(section, hooks.ExportSection) else len(section)


def _items(section: Any) -> Iterable[Any]:
    return section.rows if isinstance(section, hooks.ExportSection) else section


def _lines(sections: dict[str, Any]) -> Iterator[str]:
    for name, section in sections.items():
        for item in _items(section):
            yield json.dumps({"section": name, "data": item}, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


def account_export_run(*, export_id: Any) -> None:
    """Write the export's file; safe to run twice (a finished export is left alone)."""
    export = AccountExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.is_final:
        return
    sections = _sections(export.user)
    export.status, export.rows_total = ExportStatus.RUNNING, sum(_size(s) for s in sections.values())
    export.save(update_fields=["status", "rows_total"])
    try:
        _write(export, sections)
    except Exception as exc:
        logger.exception("account export %s failed", export.pk)
        AccountExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:300], finished_at=timezone.now()
        )
        raise


def _write(export: AccountExport, sections: dict[str, Any]) -> None:
    with tempfile.TemporaryFile() as raw:
        with gzip.open(raw, "wt", encoding="utf-8") as out:
            for done, line in enumerate(_lines(sections), start=1):
                out.write(line)
                if done % PROGRESS_EVERY == 0:
                    AccountExport.objects.filter(pk=export.pk).update(rows_done=done)
        export.size = raw.tell()
        raw.seek(0)
        export.file.save(f"{export.user_id}/{export.pk}.jsonl.gz", File(raw), save=False)
    export.status, export.rows_done, export.finished_at = ExportStatus.READY, export.rows_total, timezone.now()
    export.save(update_fields=["file", "size", "status", "rows_done", "finished_at"])


def account_exports_erase(*, user: User) -> None:
    """Delete the user's export files and rows (account deletion)."""
    for export in AccountExport.objects.filter(user=user):
        if export.file:
            export.file.delete(save=False)
        export.delete()
