"""Forms of the consultation desk and the salon walk-in count."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.models import Consultation


class ConsultationBookForm(forms.Form):
    """Book one slot: its start (ISO 8601 with offset, from the grid), a resident or a walk-up."""

    slot = forms.DateTimeField(
        label=_("Slot"), input_formats=["%Y-%m-%dT%H:%M:%S%z"], widget=forms.HiddenInput
    )
    resident = forms.IntegerField(label=_("Resident"), required=False, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=_("Category"), choices=Consultation.Category.choices, required=False
    )


class ConsultationRecordForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Consultation.Category.choices)
    resolved = forms.BooleanField(label=_("Resolved"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class WalkInCountForm(forms.Form):
    """Either a button "+1" / "-1" (``add``) or a number typed in (``count``)."""

    add = forms.IntegerField(required=False, min_value=-1, max_value=1, widget=forms.HiddenInput)
    count = forms.IntegerField(
        label=_("Walk-ins (people counted without names)"),
        required=False,
        min_value=0,
        max_value=10000,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("add") is None and data.get("count") is None:
            raise forms.ValidationError(_("Enter the number of walk-ins, or press +1."))
        return data
