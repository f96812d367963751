from datetime import datetime, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Organiser, Session, Topic, Venue
from classes.selectors import active_venues
from kernel.date_ranges import DateField
from kernel.forms import ModelMultipleChoiceField


class SessionForm(forms.ModelForm):
    """Create or edit a session. Date and times are entered separately, in local time (JST)."""

    date = DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(label=_("End time"), widget=forms.TimeInput(attrs={"type": "time"}))

    class Meta:
        model = Session
        fields = [
            "kind",
            "title",
            "topic",
            "venue",
            "place",
            "organiser",
            "seats",
            "supporters_needed",
            "lead_needed",
            "required_skills",
            "residents_per_supporter",
            "what_to_bring",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "required_skills": forms.CheckboxSelectMultiple,
        }
        # Refuses out-of-range ids instead of a 500 on SQLite (project/forms.py).
        field_classes = {"required_skills": ModelMultipleChoiceField}

    def __init__(self, *args, venue_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = active_venues(
            venue_ids=venue_ids
        )
        cast(forms.ModelChoiceField, self.fields["topic"]).queryset = Topic.objects.all()
        cast(forms.ModelChoiceField, self.fields["organiser"]).queryset = Organiser.objects.all()
        if self.instance.pk:
            start = timezone.localtime(self.instance.starts_at)
            end = timezone.localtime(self.instance.ends_at)
            self.initial.update(date=start.date(), start_time=start.time(), end_time=end.time())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            tz = timezone.get_current_timezone()
            starts_at = timezone.make_aware(datetime.combine(day, start), tz)
            ends_at = timezone.make_aware(datetime.combine(day, end), tz)
            if ends_at <= starts_at:
                self.add_error("end_time", _("The end time must be after the start time."))
            elif ends_at - starts_at > timedelta(hours=12):
                self.add_error("end_time", _("A session cannot last more than 12 hours."))
            else:
                self.instance.starts_at, self.instance.ends_at = starts_at, ends_at
                data["starts_at"], data["ends_at"] = starts_at, ends_at
        if not data.get("venue") and not (data.get("place") or "").strip():
            self.add_error("venue", _("Choose a venue, or for a caravan enter the place."))
        kind = data.get("kind")
        if kind == Session.Kind.CLASS and data.get("seats") in (None, 0):
            self.add_error("seats", _("A class needs a number of seats."))
        return data

    def session_fields(self) -> dict[str, Any]:
        """The cleaned input as keyword arguments of ``classes.services.session_create`` and
        ``session_update``: the model fields above plus aware ``starts_at``/``ends_at`` (JST).
        Call after ``is_valid()`` returned True."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["starts_at"] = self.cleaned_data["starts_at"]
        fields["ends_at"] = self.cleaned_data["ends_at"]
        return fields


class SessionFilterForm(forms.Form):
    start = DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(
        label=_("Days"), required=False, min_value=1, max_value=92, initial=14
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"), required=False, queryset=Venue.objects.all(), empty_label=_("All venues")
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Session.Kind.choices]
    )

    def __init__(self, *args, venue_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if venue_ids is not None:
            cast(forms.ModelChoiceField, self.fields["venue"]).queryset = Venue.objects.filter(
                pk__in=venue_ids
            )


class PhoneSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name (kana or kanji), phone number or birth date"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True, "autocomplete": "off"}),
    )


class RegisterForm(forms.Form):
    session = forms.IntegerField(widget=forms.HiddenInput)
    resident = forms.IntegerField(widget=forms.HiddenInput)
    companion = forms.CharField(label=_("Companion"), max_length=100, required=False)
