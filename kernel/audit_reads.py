"""Reads of personal data in the audit trail, and the read limit.

``AuditMiddleware`` gives every request a ``kernel.audit.RequestState``. While the view runs,
each resident row loaded (list, search, detail, PDF, download, admin page) is noted in it, and
views that read residents without model instances note them with ``kernel.audit.residents_shown``.
After a page was shown (HTTP 200) to a logged-in user, one event is written for it: who, the path,
the query string, how many residents and which. Downloads and PDFs named in ``AUDITED_READS`` are
recorded as exports even when they load no resident row (a report file made earlier by a task).

The read limit: a user shown more than ``settings.AUDIT_READ_LIMIT`` distinct residents within
``AUDIT_READ_WINDOW_MINUTES`` gets HTTP 429 with a plain page instead of the page that crossed it,
and every page showing residents answers 429 for ``AUDIT_READ_PAUSE_MINUTES``. The pause is an
event (``AuditAction.READ_LIMIT``) the audit page lists at its top for the administrator. A busy
desk shows about 300 residents in ten minutes; walking the whole resident list is what the limit
stops. ``AUDIT_READ_LIMIT = 0`` turns the limit off; the benchmark raises it the same way.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from kernel.audit import RequestState, audit_record, client_ip, current_request
from kernel.models import AuditAction, AuditEvent

# URL name -> (action, object type, URL kwarg holding the object id or None). Pages not listed
# are recorded as views of "residents.resident" when they show residents.
AUDITED_READS: dict[str, tuple[str, str, str | None]] = {
    "residents:detail": (AuditAction.VIEW, "residents.resident", "pk"),
    "residents:edit": (AuditAction.VIEW, "residents.resident", "pk"),
    "loans:loan_detail": (AuditAction.VIEW, "loans.loan", "pk"),
    "loans:device_detail": (AuditAction.VIEW, "loans.device", "pk"),
    "loans:agreement_pdf": (AuditAction.EXPORT, "loans.loan", "pk"),
    "loans:return_receipt_pdf": (AuditAction.EXPORT, "loans.loan", "pk"),
    "classes:call_list_pdf": (AuditAction.EXPORT, "classes.calllistentry", None),
    # Caravan mode: the expected residents stored on a device for offline use.
    "classes:caravan_data": (AuditAction.EXPORT, "classes.session", "pk"),
    "reports:attendance_sheet": (AuditAction.EXPORT, "classes.session", "pk"),
    "reports:venue_month_attendance": (AuditAction.EXPORT, "classes.session", None),
    "reports:report_download": (AuditAction.EXPORT, "reports.generatedreport", "pk"),
    "residents:import_report": (AuditAction.EXPORT, "residents.residentimport", "pk"),
    "residents:skills_new": (AuditAction.VIEW, "residents.resident", "pk"),
    "residents:skills_form_named": (AuditAction.EXPORT, "residents.resident", "pk"),
}


class AuditMiddleware:
    """Make the current user, path and IP available to ``audit_record`` (signals and services
    have no request), record each page that showed personal data, and apply the read limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = RequestState(
            user=request.user,
            path=request.path,
            ip=client_ip(request),
            query=request.META.get("QUERY_STRING", ""),
        )
        token = current_request.set(state)
        try:
            response = self.get_response(request)
            return self._after_view(request, response, state)
        finally:
            current_request.reset(token)

    def _after_view(self, request, response, state: RequestState):
        user = request.user
        if response.status_code != 200 or not user.is_authenticated or state.read_recorded:
            return response
        match = getattr(request, "resolver_match", None)
        view_name = match.view_name if match is not None else ""
        registered = AUDITED_READS.get(view_name)
        if registered is None and not state.resident_ids:
            return response
        refused = read_limit_refusal(request, user=user, resident_ids=state.resident_ids)
        if refused is not None:
            return refused
        if registered is not None:
            action, object_type, kwarg = registered
            object_id = match.kwargs.get(kwarg) if kwarg and match is not None else None
        else:
            action, object_type = AuditAction.VIEW, "residents.resident"
            only = next(iter(state.resident_ids)) if len(state.resident_ids) == 1 else None
            object_id = only
        audit_record(
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=view_name,
            query=state.query,
            resident_ids=state.resident_ids,
        )
        return response


def read_limit_refusal(request, *, user, resident_ids: set[int]) -> HttpResponse | None:
    """HTTP 429 when showing ``resident_ids`` to ``user`` now would cross the read limit, or
    while the user's pause lasts; None when the page may be shown.

    Counts distinct resident ids in the user's events of the last ``AUDIT_READ_WINDOW_MINUTES``
    (but none from before their last pause) plus ``resident_ids``. Crossing the limit records a
    ``READ_LIMIT`` event, which starts the pause.

    One aggregate query answers most pages: the sum of the window's ``resident_count`` is at
    least the number of distinct residents in it, so while that sum plus ``resident_ids`` is
    within the limit nobody can have crossed it, and the id lists are not read. Only a user
    near the limit costs a second query that reads the window's id lists and counts distinct
    ids, plus one insert when it refuses.
    """
    limit = settings.AUDIT_READ_LIMIT
    if not limit or not resident_ids:
        return None
    window = timedelta(minutes=settings.AUDIT_READ_WINDOW_MINUTES)
    pause = timedelta(minutes=settings.AUDIT_READ_PAUSE_MINUTES)
    now = timezone.now()
    recent = AuditEvent.objects.filter(user_id=user.pk, at__gte=now - max(window, pause)).filter(
        Q(resident_count__gt=0) | Q(action=AuditAction.READ_LIMIT)
    )
    shown = ~Q(action=AuditAction.READ_LIMIT) & Q(at__gte=now - window)
    summary = recent.aggregate(
        last_pause=Max("at", filter=Q(action=AuditAction.READ_LIMIT)),
        shown_at_most=Sum("resident_count", filter=shown, default=0),
    )
    last_pause = summary["last_pause"]
    if last_pause is not None and last_pause > now - pause:
        return _refusal(request, until=last_pause + pause)
    if summary["shown_at_most"] + len(resident_ids) <= limit:
        return None
    since = now - window if last_pause is None else max(now - window, last_pause)
    seen = set(resident_ids)
    exact = recent.filter(shown, at__gte=since).order_by().values_list("resident_ids", flat=True)
    for ids in exact:
        seen.update(ids or ())
    if len(seen) <= limit:
        return None
    audit_record(
        action=AuditAction.READ_LIMIT,
        object_type="residents.resident",
        summary=request.resolver_match.view_name if request.resolver_match else "",
        query=request.META.get("QUERY_STRING", ""),
        # How many distinct residents the user would have been shown; their ids are in the
        # events before this one.
        resident_count=len(seen),
    )
    return _refusal(request, until=now + pause)


def _refusal(request, *, until) -> HttpResponse:
    seconds = max(1, int((until - timezone.now()).total_seconds()))
    html = render_to_string(
        "project/read_limit.html",
        {
            "until": until,
            "minutes": settings.AUDIT_READ_PAUSE_MINUTES,
            "window": settings.AUDIT_READ_WINDOW_MINUTES,
            "limit": settings.AUDIT_READ_LIMIT,
        },
        request=request,
    )
    response = HttpResponse(html, status=429)
    response["Retry-After"] = str(seconds)
    return response


def read_pauses(*, days: int = 30):
    """The read-limit pauses of the last ``days`` days, newest first (AuditEvent rows): for the
    administrator's audit page. One query."""
    since = timezone.now() - timedelta(days=days)
    return AuditEvent.objects.filter(action=AuditAction.READ_LIMIT, at__gte=since).order_by(
        "-at", "-id"
    )
