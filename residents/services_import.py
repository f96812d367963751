"""State changes of the resident-list import: upload, preview, confirmation, import.

In the browser nothing is parsed during a request: ``resident_import_upload`` stores the file
and queues ``residents.tasks.preview_import``; the page shows its progress, then the column
mapping, the first rows and the count per outcome. ``resident_import_confirm`` queues
``residents.tasks.run_import``, which imports in chunks (progress shown). The command
(``manage.py import_residents``) runs both steps at once through ``import_residents``.

A refused file (unreadable, no header, too many rows) is kept as a refused run with its report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.importing.headers import locate
from residents.importing.process import MAX_ROWS, process
from residents.importing.readers import ImportFileError, open_table
from residents.importing.report import refusal_text, report_text
from residents.models import ResidentImport, ResidentImportRow

__all__ = ["MAX_ROWS", "MAX_UPLOAD_BYTES", "ImportFileError", "import_residents"]

#: The largest file taken (200,000 rows of UTF-16 text fit).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
Status = ResidentImport.Status


def file_hash(raw: bytes) -> str:
    """SHA-256 of the file's bytes, in hex: the same file uploaded again has the same hash."""
    return hashlib.sha256(raw).hexdigest()


def _progress(run: ResidentImport, estimated: int, low: int, high: int) -> Callable[[int], None]:
    def update(last_row: int) -> None:
        share = min(last_row / estimated, 1.0) if estimated else 0.0
        ResidentImport.objects.filter(pk=run.pk).update(progress=int(low + (high - low) * share))

    return update


def _read(run: ResidentImport, raw: bytes, *, write: bool, by=None) -> ResidentImport:
    """Read (``write`` False: preview) or import ``raw`` for ``run`` and record the outcome.

    Refusals end as a refused run with its report. Other errors propagate (the task marks the
    run failed).
    """
    today = timezone.localdate()
    ResidentImportRow.objects.filter(run=run).delete()
    try:
        table = open_table(raw)
        run.file_format = table.description
        located = locate(table)
        header = located.header
        run.sheet_name = header.sheet[:100]
        run.header_row = header.row_number
        run.columns = [[text, key] for text, key in header.columns]
        low, high = (5, 99) if write else (5, 95)
        outcome = process(
            run,
            located,
            write=write,
            today=today,
            by=by,
            on_chunk=_progress(run, located.estimated_rows, low, high),
        )
    except ImportFileError as exc:
        ResidentImportRow.objects.filter(run=run).delete()
        message = " ".join(exc.messages)
        run.status, run.error = Status.REFUSED, message
        run.report = refusal_text(run, message)
        run.rows_total = run.rows_imported = run.rows_flagged = 0
        run.rows_rejected = run.rows_skipped = 0
        run.progress, run.finished_at = 100, timezone.now()
        run.save()
        return run
    counts = outcome.counts
    run.rows_total = outcome.total
    run.rows_imported = counts["imported"]
    run.rows_flagged = counts["flagged"]
    run.rows_rejected = counts["rejected"]
    run.rows_skipped = counts["skipped"]
    run.preview = {"rows": outcome.preview}
    run.report = report_text(run, located, outcome, preview=not write)
    run.status = Status.DONE if write else Status.PREVIEWED
    run.progress = 100
    if write:
        run.finished_at = timezone.now()
    run.save()
    return run


def import_residents(*, file, file_name: str, by=None) -> ResidentImport:
    """Import a resident list at once (the command, tests): read, then import; return the run.

    ``file``: bytes or a binary file object (.xlsx, or CSV in UTF-8, CP932 or UTF-16). A file
    that cannot be imported as a whole ends as a run with ``refused`` True and its report (no
    resident saved); check ``run.refused``.
    """
    raw = file if isinstance(file, bytes) else file.read(MAX_UPLOAD_BYTES + 1)
    run = ResidentImport.objects.create(
        file_name=file_name[:255],
        created_by=by,
        file_hash=file_hash(raw),
        file_size=len(raw),
        status=Status.IMPORTING,
        started_at=timezone.now(),
    )
    if len(raw) > MAX_UPLOAD_BYTES:
        return _refuse(run, _too_large())
    # Read through once first, as the browser's preview does: a file refused part-way (more
    # than MAX_ROWS rows) must not leave the rows before the limit imported.
    run = _read(run, raw, write=False)
    if run.refused:
        return run
    return _read(run, raw, write=True, by=by)


def _too_large() -> str:
    return _("The file is larger than %(mb)s MB; split the list and import the parts.") % {
        "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
    }


def _refuse(run: ResidentImport, message: str) -> ResidentImport:
    run.status, run.error, run.progress = Status.REFUSED, message, 100
    run.report = refusal_text(run, message)
    run.finished_at = timezone.now()
    run.save()
    return run


def same_file_runs(run: ResidentImport):
    """Earlier runs of a file with the same hash (not refused), newest first."""
    if not run.file_hash:
        return ResidentImport.objects.none()
    return (
        ResidentImport.objects.filter(file_hash=run.file_hash, created_at__lte=run.created_at)
        .exclude(pk=run.pk)
        .exclude(status=Status.REFUSED)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )


def resident_import_upload(*, upload, by) -> ResidentImport:
    """Store an uploaded list (a Django ``UploadedFile``) and queue its reading. Returns the run
    (status uploaded). Raises ValidationError for a file over ``MAX_UPLOAD_BYTES``. The task is
    queued after commit; if the queue is down it stays uploaded and the page says so."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_too_large())
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    from kernel.tasks_util import enqueue
    from residents.tasks import preview_import

    with transaction.atomic():
        run = ResidentImport(
            file_name=(upload.name or "list")[:255],
            created_by=by,
            file_hash=digest.hexdigest(),
            file_size=upload.size,
        )
        run.file.save(
            f"{timezone.now():%Y%m%d%H%M%S}-{digest.hexdigest()[:12]}", upload, save=False
        )
        run.save()
        transaction.on_commit(lambda: enqueue(preview_import, run.pk))
    return run


def resident_import_preview(*, import_id: int) -> bool:
    """Read a stored upload and record its preview (or its refusal). Safe to run twice: only
    an uploaded run is claimed; returns False when it is not (any more) waiting."""
    claimed = ResidentImport.objects.filter(pk=import_id, status=Status.UPLOADED).update(
        status=Status.PREVIEWING, started_at=timezone.now(), progress=2
    )
    if not claimed:
        return False
    run = ResidentImport.objects.get(pk=import_id)
    _run_task(run, write=False)
    return True


def resident_import_confirm(*, run: ResidentImport, by) -> ResidentImport:
    """Queue the import of a previewed run. Raises ValidationError when the run is not waiting
    for confirmation (already confirmed, refused, imported)."""
    from kernel.tasks_util import enqueue
    from residents.tasks import run_import

    with transaction.atomic():
        changed = ResidentImport.objects.filter(pk=run.pk, status=Status.PREVIEWED).update(
            status=Status.CONFIRMED, progress=0
        )
        if not changed:
            raise ValidationError(_("This list is not waiting for confirmation any more."))
        transaction.on_commit(lambda: enqueue(run_import, run.pk))
    run.refresh_from_db()
    return run


def resident_import_run(*, import_id: int) -> bool:
    """Import a confirmed run in chunks. Safe to run twice: only a confirmed run is claimed."""
    claimed = ResidentImport.objects.filter(pk=import_id, status=Status.CONFIRMED).update(
        status=Status.IMPORTING, progress=1
    )
    if not claimed:
        return False
    run = ResidentImport.objects.select_related("created_by").get(pk=import_id)
    _run_task(run, write=True)
    return True


def _run_task(run: ResidentImport, *, write: bool) -> None:
    try:
        with run.file.open("rb") as handle:
            raw = handle.read()
        _read(run, raw, write=write, by=run.created_by)
    except Exception as exc:
        ResidentImport.objects.filter(pk=run.pk).update(
            status=Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
