"""Forms for matching runs and for a supporter's dated availability exceptions."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.models import Venue
from kernel.date_ranges import DateField


class MatchRunForm(forms.Form):
    """The range (JST dates) and optional venue of a matching run."""

    date_from = DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("All venues"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = Venue.objects.filter(
            is_active=True
        )


class AvailabilityExceptionForm(forms.Form):
    """One dated exception: days off (the usual case) or an extra window on those days."""

    date_from = DateField(
        label=_("From date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = DateField(
        label=_("Until date"),
        required=False,
        help_text=_("Empty: the same day."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    available = forms.TypedChoiceField(
        label=_("On these days"),
        choices=[("0", _("Not available")), ("1", _("Available (give the times)"))],
        coerce=lambda v: v == "1",
        initial="0",
    )
    start_time = forms.TimeField(
        label=_("From time"),
        required=False,
        help_text=_("Empty: the whole day."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=_("Until time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("date_from") and not cleaned.get("date_to"):
            cleaned["date_to"] = cleaned["date_from"]
        return cleaned
