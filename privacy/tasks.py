"""Background jobs for personal data. Kept thin: each calls one service and is safe to run twice."""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError

from privacy.selectors import residents_inactive_since, retention_cutoff
from privacy.services import ErasureReason, resident_anonymise
from residents.models import Resident

logger = logging.getLogger(__name__)

# Residents anonymised per run at most: a first run on an old database spreads over a few days
# instead of holding the worker for an hour.
BATCH_SIZE = 500


# The task keeps the name it had in residents.tasks: queued runs and the beat schedule still find it.
@shared_task(name="residents.tasks.anonymise_inactive_residents")
def anonymise_inactive_residents(batch_size: int = BATCH_SIZE) -> dict[str, int]:
    """Anonymise residents with no activity for ``settings.RESIDENT_RETENTION_YEARS`` (run daily
    by Celery beat). Each resident is anonymised in its own transaction, rechecked under a lock.

    Returns ``{"anonymised": n, "skipped": m}`` (skipped: became active or was erased meanwhile);
    a second run finds nobody new.
    """
    cutoff = retention_cutoff()
    ids = list(residents_inactive_since(cutoff=cutoff).values_list("pk", flat=True)[:batch_size])
    done = skipped = 0
    for pk in ids:
        resident = Resident.objects.filter(pk=pk).first()
        if resident is None:
            continue
        # Recheck: activity may have been recorded since the list was read.
        if not residents_inactive_since(cutoff=cutoff).filter(pk=pk).exists():
            skipped += 1
            continue
        try:
            resident_anonymise(resident=resident, by=None, reason=ErasureReason.RETENTION)
        except ValidationError as exc:
            skipped += 1
            logger.info("retention: resident %s skipped: %s", pk, "; ".join(exc.messages))
        else:
            done += 1
    return {"anonymised": done, "skipped": skipped}
