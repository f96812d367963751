"""Forms for the supporter roster and assignments."""

from datetime import time
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.date_ranges import RecordDateField
from kernel.forms import ModelMultipleChoiceField
from volunteers.models import Availability, Skill, Supporter
from volunteers.services import SUPPORTER_FIELDS


class SupporterFilterForm(forms.Form):
    """The filter above the supporter list (GET). Every field is optional."""

    ACTIVE_CHOICES = [("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))]

    q = forms.CharField(
        label=_("Name, kana or organisation"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Supporter.Kind.choices]
    )
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ACTIVE_CHOICES, initial="active"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["skill"]).choices = [
            ("", _("All skills")),
            *Skill.objects.order_by("code").values_list("code", "name"),
        ]

    def active_value(self) -> bool | None:
        """True/False/None (both) from the status field of a validated form."""
        return {"inactive": False, "all": None}.get(self.cleaned_data.get("status") or "", True)


class SupporterForm(forms.ModelForm):
    class Meta:
        model = Supporter
        # The fields the office sets; supporter_create/supporter_update take the same names.
        fields = list(SUPPORTER_FIELDS)
        # Refuses out-of-range ids instead of a 500 on SQLite (project/forms.py).
        # Training and insurance dates may lie years back: RECORD_DATES (kernel.date_ranges).
        field_classes = {
            "skills": ModelMultipleChoiceField,
            "training_completed_on": RecordDateField,
            "insurance_valid_until": RecordDateField,
        }
        widgets = {
            "skills": forms.CheckboxSelectMultiple,
            "training_completed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "insurance_valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def supporter_fields(self) -> dict[str, Any]:
        """The cleaned input as keyword arguments of ``volunteers.services.supporter_create`` and
        ``supporter_update`` (``skills`` a queryset of Skill). Call after ``is_valid()``."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = ["weekday", "start_time", "end_time"]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            raise forms.ValidationError(_("The end time must be after the start time."))
        return cleaned


AvailabilityFormSet = forms.inlineformset_factory(
    Supporter, Availability, form=AvailabilityForm, extra=2, can_delete=True
)


def weekly_windows(formset) -> list[tuple[int, time, time]]:
    """The weekly pattern a valid ``AvailabilityFormSet`` asks for, as (weekday, start, end)
    windows (Monday 0, JST times): the rows kept or edited and the new ones, not the deleted or
    the blank extra forms. The argument of ``volunteers.services.availability_weekly_set``."""
    return [
        (
            form.cleaned_data["weekday"],
            form.cleaned_data["start_time"],
            form.cleaned_data["end_time"],
        )
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class AssignForm(forms.Form):
    """Posted by the Assign button next to a candidate."""

    supporter = forms.ModelChoiceField(
        label=_("Supporter"),
        queryset=Supporter.objects.all(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That supporter no longer exists.")},
    )
    is_lead = forms.BooleanField(label=_("Lead"), required=False)
