"""What caravan mode stores on a device: one caravan's facts and its expected residents, with
only the fields the offline page needs (see ``classes.services_caravan`` for what comes back)."""

from typing import Any

from django.utils import timezone

from classes.formatting import time_range
from classes.models import Registration, Session
from kernel.dates import date_full


def caravan_offline_data(*, session: Session) -> dict[str, Any]:
    """The caravan ``session`` as the device stores it when staff press 「オフラインで使う」.

    Shape: ``{"session": {"id", "title", "when", "place"}, "visitors": int,
    "expected": [{"registration": id, "name", "kana", "present": bool, "walk_in": bool}],
    "stored_at": ISO 8601 (UTC)}``. ``expected`` holds the active (registered or waitlisted)
    registrations in kana order: name and kana only, no phone, address or birth date.
    ``when`` is said in the active language, times in JST. Two queries.
    """
    registrations = (
        Registration.objects.filter(session=session)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("resident")
        .order_by("resident__search_kana", "id")
    )
    return {
        "session": {
            "id": session.pk,
            "title": session.display_title,
            "when": f"{date_full(session.starts_at)} {time_range(session.starts_at, session.ends_at)}",
            "place": session.place_label,
        },
        "visitors": session.walk_in_count,
        "expected": [
            {
                "registration": r.pk,
                "name": r.resident.name,
                "kana": r.resident.name_kana,
                "present": r.attendance == Registration.Attendance.ATTENDED,
                "walk_in": r.is_walk_in,
            }
            for r in registrations
        ],
        "stored_at": timezone.now().isoformat(),
    }
