"""Forms for series (定期開催): the rule form and the "this and the following" edit form."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from classes.models import Organiser, Series, Session, Topic, Venue
from classes.recurrence import Rule, rule_validate
from classes.selectors import active_venues
from kernel.date_ranges import DateField

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
INTERVAL_CHOICES = [
    (1, _("Every week")),
    (2, _("Every other week")),
    (3, _("Every 3 weeks")),
    (4, _("Every 4 weeks")),
]
NTH_CHOICES = [
    (1, _("1st")),
    (2, _("2nd")),
    (3, _("3rd")),
    (4, _("4th")),
    (5, _("5th (months without one are left out)")),
    (-1, _("Last")),
]


class SeriesFollowingForm(forms.Form):
    """Change a session and the later ones of its series (local times, JST). Its fields are also
    the session template of a new series (``SeriesForm``)."""

    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}))
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        required=False,
        help_text=_("Empty for a drop-in without a limit."),
    )
    supporters_needed = forms.IntegerField(label=_("Supporters needed"), min_value=0, initial=0)
    what_to_bring = forms.CharField(label=_("What to bring"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end time must be after the start time."))
        return data


class SeriesForm(SeriesFollowingForm):
    """A series: what, where, when (local times, JST) and the rule. ``cleaned_data["rule"]`` is a
    validated ``classes.recurrence.Rule``."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Session.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.all(), required=False)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.all())
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organiser.objects.all(), required=False
    )
    frequency = forms.ChoiceField(
        label=_("Repeats"),
        choices=Series.Frequency.choices,
        widget=forms.RadioSelect,
        initial=Series.Frequency.WEEKLY,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    interval = forms.TypedChoiceField(
        label=_("Weekly: how often"), choices=INTERVAL_CHOICES, coerce=int, initial=1
    )
    nth = forms.TypedChoiceField(
        label=_("Monthly: which weekday of the month"),
        choices=NTH_CHOICES,
        coerce=int,
        initial=1,
        help_text=_("For example the 2nd Tuesday of the month."),
    )
    first_date = DateField(label=_("First date"), widget=forms.DateInput(attrs={"type": "date"}))
    last_date = DateField(label=_("Last date"), widget=forms.DateInput(attrs={"type": "date"}))

    field_order = [
        "kind",
        "title",
        "topic",
        "venue",
        "organiser",
        "start_time",
        "end_time",
        "seats",
        "supporters_needed",
        "what_to_bring",
    ]

    def __init__(self, *args, venue_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = active_venues(
            venue_ids=venue_ids
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == Session.Kind.CLASS and not data.get("seats"):
            self.add_error("seats", _("A class needs a number of seats."))
        if not data.get("weekdays"):
            self.add_error("weekdays", _("Choose at least one weekday."))
            return data
        first, last = data.get("first_date"), data.get("last_date")
        if first and last and data.get("frequency"):
            rule = Rule(
                frequency=data["frequency"],
                weekdays=tuple(data["weekdays"]),
                first_date=first,
                last_date=last,
                interval=data.get("interval") or 1,
                nth=data.get("nth"),
            )
            try:
                rule_validate(rule)
            except ValidationError as exc:
                self.add_error(None, exc)
            else:
                data["rule"] = rule
        return data
