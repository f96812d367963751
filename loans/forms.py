"""Forms of the loan pages. They parse and check input; the services enforce the rules."""

from datetime import timedelta
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Venue
from kernel.date_ranges import DateField
from loans.models import Device, Loan, LoanCheckIn, LoanPolicy, kit_label
from loans.services_documents import loan_signature_fields
from residents.models import Resident


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# The longest device search the lend and reserve pages accept (an asset tag is at most 30).
DEVICE_SEARCH_MAX_LENGTH = 50


def _not_in_future(value, message):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


class DeviceFilterForm(forms.Form):
    """Filter of the device list (GET)."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Device.Status.choices],
        required=False,
    )
    q = forms.CharField(
        label=_("Asset tag, serial number, IMEI or model"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class CheckoutPickForm(forms.Form):
    """What the lend or reserve page has picked so far, read from the query string (GET):
    the chosen ``device`` and ``resident`` (ids) and the two searches, ``device_q`` and ``q``."""

    device = forms.ModelChoiceField(queryset=Device.objects.all(), required=False)
    resident = forms.ModelChoiceField(queryset=Resident.objects.all(), required=False)
    device_q = forms.CharField(required=False, max_length=DEVICE_SEARCH_MAX_LENGTH)
    other_venues = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100)


# The signer choices of the lend and "signed later" forms; "none" stands for Loan.Signer.NONE
# (a radio button needs a value).
SIGNER_NONE = "none"
SIGNER_CHOICES = [
    (Loan.Signer.RESIDENT, _("The resident signed the agreement")),
    (Loan.Signer.PROXY, _("A proxy signed for the resident")),
]
# Which field a signature error from loans.services_documents belongs to.
SIGNATURE_ERROR_FIELDS = {
    "signer": "signed_by",
    "proxy_signer": "proxy_signer_name",
    "unsigned_reason": "unsigned_reason",
    "unsigned_reason_long": "unsigned_reason",
}


class _SignatureFields(forms.Form):
    """Who signed the loan agreement: the resident, or a proxy with name and relationship."""

    signed_by = forms.ChoiceField(
        label=_("Signed by"),
        choices=SIGNER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who signed the loan agreement.")},
    )
    proxy_signer_name = forms.CharField(
        label=_("Proxy's name"),
        required=False,
        max_length=100,
        help_text=_("Only when a proxy signed."),
    )
    proxy_signer_relation = forms.CharField(
        label=_("Proxy's relationship to the resident"),
        required=False,
        max_length=50,
        help_text=_("For example: eldest son, daughter, care manager."),
    )

    require_signed = True

    def clean(self):
        data = super().clean() or {}
        signed_by = data.get("signed_by")
        if signed_by is None:
            return data
        try:
            data.update(
                loan_signature_fields(
                    signed_by="" if signed_by == SIGNER_NONE else signed_by,
                    proxy_signer_name=data.get("proxy_signer_name", ""),
                    proxy_signer_relation=data.get("proxy_signer_relation", ""),
                    unsigned_reason=data.get("unsigned_reason", ""),
                    require_signed=self.require_signed,
                )
            )
        except ValidationError as exc:
            field = SIGNATURE_ERROR_FIELDS.get(exc.code or "")
            self.add_error(field if field in self.fields else None, exc)
        return data


class RecordSignedForm(_SignatureFields):
    """The loan page's "signed later" form: who signed the agreement of a loan handed over
    unsigned."""


class CheckoutForm(_SignatureFields):
    """Step 3 of the lend page: where, from when, which kit, who signed the agreement (or why
    it is handed over unsigned) and the separate consent to usage data analysis."""

    venue = forms.ModelChoiceField(
        label=_("Venue"), queryset=Venue.objects.none(), empty_label=None
    )
    start_date = DateField(label=_("Start date"), widget=DateInput())
    kit = forms.MultipleChoiceField(
        label=_("Kit handed over"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each item you hand over with the device."),
    )
    unsigned_reason = forms.CharField(
        label=_("Reason for handing over without a signature"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Required when the agreement is not signed, e.g. the proxy signs tomorrow. Kept on "
            "the loan."
        ),
    )
    usage_data_consent = forms.BooleanField(
        label=_("The resident also agrees to the analysis of de-identified usage data (optional)"),
        required=False,
        help_text=_("A separate consent, ticked on the agreement. The loan does not depend on it."),
    )

    require_signed = False
    field_order = [
        "venue",
        "start_date",
        "kit",
        "signed_by",
        "proxy_signer_name",
        "proxy_signer_relation",
        "unsigned_reason",
        "usage_data_consent",
    ]

    def __init__(self, *args, device: Device, venues, resident: Resident | None = None, **kwargs):
        """``venues``: a queryset of the venues the user may lend at; ``resident`` (optional)
        fills the proxy's name and relationship from the contact person on record.

        It is read once (not again if already evaluated) for the choices and the initial
        venue; a submitted venue is still checked against the database by the field.
        """
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["signed_by"]).choices = [
            *SIGNER_CHOICES,
            (SIGNER_NONE, _("Not signed yet: hand over without a signature (give the reason)")),
        ]
        if resident is not None:
            self.fields["proxy_signer_name"].initial = resident.proxy_name
            self.fields["proxy_signer_relation"].initial = resident.proxy_relation
        venue_field = cast(forms.ModelChoiceField, self.fields["venue"])
        venue_field.queryset = venues
        # Fixed choices: rendering a model choice field queries the venues again (twice, as the
        # select also looks at its first option), one of the costs of this busy page.
        venue_field.choices = [(v.pk, venue_field.label_from_instance(v)) for v in venues]
        if device.kit_items:
            cast(forms.MultipleChoiceField, self.fields["kit"]).choices = [
                (item, kit_label(item)) for item in device.kit_items
            ]
            self.fields["kit"].initial = device.kit_items
        else:
            del self.fields["kit"]
        self.fields["start_date"].initial = timezone.localdate()
        if any(v.pk == device.home_venue_id for v in venues):
            venue_field.initial = device.home_venue_id

    def clean_start_date(self):
        """Refuse a start date in the future."""
        return _not_in_future(
            self.cleaned_data.get("start_date"), _("The start date cannot be in the future.")
        )


RETURN_OUTCOMES = [
    (value, label)
    for value, label in Loan.Outcome.choices
    if value not in (Loan.Outcome.LOST, Loan.Outcome.EXTENDED)
]


class ReturnForm(forms.Form):
    """Receive a device back: each kit item ticked, condition, data wipe, outcome."""

    returned_on = DateField(label=_("Returned on"), widget=DateInput())
    kit_returned = forms.MultipleChoiceField(
        label=_("Kit returned"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick each item as you check it back. Unticked items are recorded as missing."),
    )
    condition = forms.ChoiceField(
        label=_("Condition of the device"),
        choices=Device.Condition.choices,
        widget=forms.RadioSelect,
        help_text=_("A damaged device goes to repair instead of back on the shelf."),
    )
    data_wiped = forms.BooleanField(
        label=_("I have wiped the device's data (factory reset) and checked that it is empty"),
        error_messages={
            "required": _("Confirm the data wipe before receiving the device back."),
        },
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=RETURN_OUTCOMES, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, loan: Loan, **kwargs):
        super().__init__(*args, **kwargs)
        if loan.kit_handed_over_items:
            cast(forms.MultipleChoiceField, self.fields["kit_returned"]).choices = [
                (i, kit_label(i)) for i in loan.kit_handed_over_items
            ]
        else:
            del self.fields["kit_returned"]
        self.fields["returned_on"].initial = timezone.localdate()
        self.fields["condition"].initial = loan.device.condition

    def clean_returned_on(self):
        """Refuse a return date in the future."""
        return _not_in_future(
            self.cleaned_data.get("returned_on"), _("The return date cannot be in the future.")
        )


class MarkLostForm(forms.Form):
    """Record a lent device as lost (asks for an explicit confirmation)."""

    confirm = forms.BooleanField(
        label=_("The resident reports the device lost and it cannot be found"),
        error_messages={"required": _("Tick the box to confirm that the device is lost.")},
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)


SATISFACTION_CHOICES = [
    (1, _("1 — not satisfied")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _("5 — very satisfied")),
]


class LoanCheckInForm(forms.Form):
    """A follow-up check-in: when, how, functions used, difficulties, satisfaction 1-5."""

    on = DateField(label=_("Date of the check-in"), widget=DateInput())
    channel = forms.ChoiceField(
        label=_("How"), choices=LoanCheckIn.Channel.choices, widget=forms.RadioSelect
    )
    functions = forms.MultipleChoiceField(
        label=_("Functions the resident uses"),
        choices=LoanCheckIn.Function.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    difficulties = forms.CharField(
        label=_("Difficulties"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=SATISFACTION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a satisfaction from 1 to 5."),
            "invalid_choice": _("Choose a satisfaction from 1 to 5."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self):
        """Refuse a check-in date in the future."""
        return _not_in_future(
            self.cleaned_data.get("on"), _("The check-in date cannot be in the future.")
        )


class ApplicationAddForm(forms.Form):
    """Add a resident's application for a loan under a policy (POST from the applications page)."""

    policy = forms.ModelChoiceField(queryset=LoanPolicy.objects.filter(is_active=True))
    resident = forms.ModelChoiceField(
        queryset=Resident.objects.all(),
        error_messages={"invalid_choice": _("That resident no longer exists. Search again.")},
    )
    venue = forms.ModelChoiceField(
        label=_("Collects the device at"),
        queryset=Venue.objects.filter(is_active=True),
        error_messages={
            "invalid_choice": _("Choose one of your venues."),
            "required": _("Choose the venue where the resident will collect the device."),
        },
    )


class ReserveForm(forms.Form):
    """Hold a device for a resident until a given day (the reserve page, step 3), at one of the
    user's venues (where the resident collects it)."""

    venue = forms.ModelChoiceField(
        label=_("Collects the device at"), queryset=Venue.objects.none(), empty_label=None
    )
    until = DateField(
        label=_("Reserved until"),
        widget=DateInput(),
        help_text=_("The device goes back to available after this day unless it is lent."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, device: Device, venues, **kwargs):
        """``venues``: a queryset of the venues the user may reserve at; the device's home venue
        is chosen first when it is one of them."""
        super().__init__(*args, **kwargs)
        venue_field = cast(forms.ModelChoiceField, self.fields["venue"])
        venue_field.queryset = venues
        if any(v.pk == device.home_venue_id for v in venues):
            venue_field.initial = device.home_venue_id

    def clean_until(self):
        """Between today and 90 days from today (local dates)."""
        day = self.cleaned_data.get("until")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("The reservation must last until today or later."))
        if day and day > timezone.localdate() + timedelta(days=90):
            raise forms.ValidationError(
                _("A reservation can last at most 90 days; lend the device instead.")
            )
        return day


class LotteryDrawForm(forms.Form):
    """Run a lottery among the pending applications of a policy (administrator)."""

    policy = forms.ModelChoiceField(
        queryset=LoanPolicy.objects.filter(is_active=True), widget=forms.HiddenInput
    )
    places = forms.IntegerField(
        label=_("Devices to lend (places)"),
        min_value=1,
        max_value=10000,
        error_messages={"min_value": _("The number of places must be at least 1.")},
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("All venues"),
        help_text=_("Draw among the applications of one venue only, or of every venue."),
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text=_(
            "Leave empty for a fresh random draw. Enter an earlier draw's seed to repeat it."
        ),
    )

    def __init__(self, *args, venues, **kwargs):
        """``venues``: a queryset of the venues whose applications the user may draw among."""
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = venues
