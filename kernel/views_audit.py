"""The administrator's audit trail page: who viewed or changed personal data, loans and devices.

Read-only by design: there is no page or admin action that changes or removes an event.
"""

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.audit_reads import read_pauses
from kernel.date_ranges import RECORD_DATES, DateField
from kernel.models import AuditAction, AuditEvent, Role
from kernel.roles import role_required

PAGE_SIZE = 50
# Read-limit pauses are listed at the top of the page for this many days.
PAUSES_SHOWN_DAYS = 30


class AuditFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any"))] + list(AuditAction.choices)
    )
    object_type = forms.ChoiceField(
        label=_("Object"),
        required=False,
        choices=[
            ("", _("Any")),
            ("residents.resident", _("Resident")),
            ("loans.loan", _("Loan")),
            ("loans.device", _("Device")),
            ("loans.loanapplication", _("Loan application")),
            ("loans.loancheckin", _("Loan check-in")),
            ("classes.calllistentry", _("Call list")),
        ],
    )
    object_id = forms.IntegerField(label=_("Object number"), required=False, min_value=1)
    date_from = DateField(
        date_range=RECORD_DATES,
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = DateField(
        date_range=RECORD_DATES,
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def audit_events(
    *,
    username: str = "",
    action: str = "",
    object_type: str = "",
    object_id: int | None = None,
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEvent]:
    """Events newest first, filtered. Dates are local (Asia/Tokyo) days, both ends included.
    One query per page: the user's name is a copy on the row, so there is no join."""
    events = AuditEvent.objects.all()
    if username:
        events = events.filter(username=username)
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=timezone.make_aware(datetime.combine(date_from, time()), tz))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time())
        events = events.filter(at__lt=timezone.make_aware(end, tz))
    return events.order_by("-at", "-id")


@role_required(Role.ADMINISTRATOR)
def audit_list(request):
    """GET: the audit trail, newest first, filtered by ``AuditFilterForm``, 50 a page, under the
    read-limit pauses of the last 30 days. Administrators only; an invalid filter shows its error
    and every event."""
    form = AuditFilterForm(request.GET or None)
    filters = (
        {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        if form.is_valid()
        else {}
    )
    page = Paginator(audit_events(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "project/audit_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "pauses": list(read_pauses(days=PAUSES_SHOWN_DAYS)[:PAGE_SIZE]),
            "pauses_days": PAUSES_SHOWN_DAYS,
            "read_window": settings.AUDIT_READ_WINDOW_MINUTES,
            "read_pause": settings.AUDIT_READ_PAUSE_MINUTES,
        },
    )
