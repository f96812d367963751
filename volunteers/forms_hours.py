"""Forms for supporters' answers and hours: cancelling with a reason, recording a time, periods,
approving minutes."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.date_ranges import DateField
from volunteers.models import Supporter
from volunteers.services_hours import MAX_APPROVED_MINUTES
from volunteers.services_replies import REASON_MAX_LENGTH

# A certificate or an approval list covers at most this many days.
MAX_PERIOD_DAYS = 366


class WithdrawForm(forms.Form):
    """The supporter cancels (or declines) one of their assignments."""

    reason = forms.CharField(
        label=_("Reason (optional, sent to the coordinator)"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CheckTimeForm(forms.Form):
    """Check-in / check-out. ``time`` is optional: empty means now. Only center staff and the
    coordinator see the field (to record a time they noted on paper)."""

    action = forms.ChoiceField(choices=[("in", _("Check in")), ("out", _("Check out"))])
    time = forms.TimeField(
        label=_("Time (empty: now)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """A period of JST calendar dates, both ends included, at most a year long."""

    date_from = DateField(label=_("From"), widget=_date_input())
    date_to = DateField(label=_("To"), widget=_date_input())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date must be on or after the start date."))
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("The period can be at most one year long."))
        return cleaned

    @staticmethod
    def this_month_initial(today: date | None = None) -> dict[str, date]:
        """``{"date_from", "date_to"}``: the first and last JST dates of ``today``'s month."""
        today = today or timezone.localdate()
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return {"date_from": first, "date_to": last}


class CertificateForm(PeriodForm):
    """Which supporter's activity certificate, for which period (the coordinator's form)."""

    supporter = forms.ModelChoiceField(
        label=_("Supporter"),
        queryset=Supporter.objects.order_by("name_kana", "id"),
        error_messages={"invalid_choice": _("Choose a supporter from the list.")},
    )

    field_order = ["supporter", "date_from", "date_to"]


def parse_approvals(data, allowed_ids: set[int]) -> tuple[list[int], dict[int, int], list[str]]:
    """Read the approval form: ticked ``approve`` ids and optional ``minutes-<id>`` values.

    Returns (ids, minutes by id, error messages). Ids not in ``allowed_ids`` (not on the page
    any more) are an error, as are minutes that are not whole numbers in 0..720.
    """
    errors: list[str] = []
    ids: list[int] = []
    for raw in data.getlist("approve"):
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            errors.append(str(_("A ticked row is not valid. Reload the page.")))
            continue
        if pk not in allowed_ids:
            errors.append(
                str(_("A ticked row is no longer waiting for approval. Reload the page."))
            )
            continue
        ids.append(pk)
    minutes: dict[int, int] = {}
    for pk in ids:
        raw = (data.get(f"minutes-{pk}") or "").strip()
        if not raw:
            continue
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if not 0 <= value <= MAX_APPROVED_MINUTES:
            errors.append(
                str(_("Minutes must be a whole number from 0 to %(max)d (12 hours)."))
                % {"max": MAX_APPROVED_MINUTES}
            )
            continue
        minutes[pk] = value
    return ids, minutes, errors
