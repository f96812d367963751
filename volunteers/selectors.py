"""Read queries for supporters and assignments."""

from datetime import datetime

from django.db.models import F, QuerySet

from classes.models import Session
from classes.selectors import session_list


def sessions_understaffed(*, start: datetime, end: datetime, venue_ids=None) -> QuerySet[Session]:
    """Scheduled sessions in [start, end) with fewer active assignments than supporters needed."""
    return session_list(start=start, end=end, venue_ids=venue_ids).filter(
        status=Session.Status.SCHEDULED, supporters_needed__gt=F("supporter_count")
    )
