"""Read queries for printed reports. Each returns what its document needs in a fixed number of
queries, however many rows the document shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Prefetch, QuerySet

from classes.models import Registration, Session
from volunteers.models import Assignment

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class SheetRows(TypedDict):
    """The lists ``attendance_sheet_sessions`` prefetches onto each session."""

    sheet_registrations: list[Registration]
    sheet_assignments: list[Assignment]


def attendance_sheet_sessions(
    *, venue_ids: Iterable[int] | None
) -> QuerySet[WithAnnotations[Session, SheetRows]]:
    """Sessions ready for the attendance sheet (出席簿), three queries when evaluated.

    Each session has venue, topic and organiser loaded, plus two lists:
    ``sheet_registrations`` (status registered, with residents; waitlisted and cancelled left
    out) and ``sheet_assignments`` (proposed or confirmed, with supporters, lead first).

    ``venue_ids``: the venues the user may see (``kernel.roles.venue_ids_for``), or None for
    all. A session away from any venue (a caravan with only a place) needs None.
    """
    qs = Session.objects.select_related("venue", "topic", "organiser").prefetch_related(
        Prefetch(
            "registrations",
            queryset=Registration.objects.filter(status=Registration.Status.REGISTERED)
            .select_related("resident")
            .order_by("resident__search_kana", "id"),
            to_attr="sheet_registrations",
        ),
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(status__in=Assignment.ACTIVE_STATUSES)
            .select_related("supporter")
            .order_by("-is_lead", "supporter__name_kana", "id"),
            to_attr="sheet_assignments",
        ),
    )
    if venue_ids is not None:
        qs = qs.filter(venue_id__in=venue_ids)
    return qs
