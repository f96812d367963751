"""The staff form of the できること self-assessment: when, how, the smartphone question and one
three-way answer per item. The service checks the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.date_ranges import RECORD_DATES, DateField
from residents.models_skills import SkillAssessment, SkillItem, SkillLevel

ITEM_PREFIX = "item_"
NOT_ANSWERED = ""


class SkillAssessmentForm(forms.Form):
    """``items``: the SkillItem rows to ask, in order; each becomes a radio field
    ``item_<id>`` with できる / 手伝いがあればできる / できない / not answered."""

    point = forms.ChoiceField(
        label=_("When in the program"),
        choices=SkillAssessment.Point.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose when in the program this was asked.")},
    )
    asked_on = DateField(label=_("Date asked"), date_range=RECORD_DATES)
    channel = forms.ChoiceField(
        label=_("How"),
        choices=SkillAssessment.Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the answers were taken.")},
    )
    uses_smartphone = forms.ChoiceField(
        label=_("Does the resident use a smartphone now?"),
        choices=SkillAssessment.Smartphone.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Required at a follow-up."),
    )

    def __init__(self, *args, items: list[SkillItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asked_on"].initial = timezone.localdate()
        self.items = items
        choices = [*SkillLevel.choices, (NOT_ANSWERED, _("Not answered"))]
        for item in items:
            self.fields[f"{ITEM_PREFIX}{item.pk}"] = forms.ChoiceField(
                label=item.label,
                choices=choices,
                required=False,
                initial=NOT_ANSWERED,
                widget=forms.RadioSelect,
            )

    def item_fields(self):
        """The bound item fields, in item order (for the template)."""
        return [self[f"{ITEM_PREFIX}{item.pk}"] for item in self.items]

    def answers(self) -> dict[int, str]:
        """{item id: level} of the items answered (after ``is_valid()``)."""
        return {
            item.pk: self.cleaned_data[f"{ITEM_PREFIX}{item.pk}"]
            for item in self.items
            if self.cleaned_data.get(f"{ITEM_PREFIX}{item.pk}")
        }


def skill_assessment_initial(assessment: SkillAssessment) -> dict[str, object]:
    """The correction form's initial values: the assessment's own and one per answered item
    (reads ``assessment.answers``; prefetch them)."""
    initial: dict[str, object] = {
        "point": assessment.point,
        "asked_on": assessment.asked_on,
        "channel": assessment.channel,
        "uses_smartphone": assessment.uses_smartphone,
    }
    initial.update({f"{ITEM_PREFIX}{a.item_id}": a.level for a in assessment.answers.all()})
    return initial
