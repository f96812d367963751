"""Forms for the resident pages. They only parse input; residents.services does the saving."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.date_ranges import RECORD_DATES, DateField
from residents.models import Household, OwnDevice
from residents.normalize import parse_birth_date
from residents.services_import import MAX_ROWS, MAX_UPLOAD_BYTES


class BirthDateField(forms.Field):
    """A birth date typed as staff hear it: 昭和20年5月3日, S20.5.3, 1945/5/3 (any width)."""

    widget = forms.TextInput(attrs={"autocomplete": "off", "maxlength": 30})

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return parse_birth_date(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from exc

    def prepare_value(self, value):
        if hasattr(value, "year"):
            return f"{value.year}/{value.month}/{value.day}"
        return value


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Kana, name, phone number (or its last 4 digits) or birth date (S20.5.3)."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name (kanji)"), max_length=100)
    name_kana = forms.CharField(
        label=_("Name (kana)"),
        max_length=100,
        required=False,
        help_text=_("Hiragana or katakana."),
    )
    birth_date = BirthDateField(
        label=_("Birth date"),
        required=False,
        help_text=_("For example S20.5.3 (Showa 20) or 1945/5/3."),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        help_text=_("With the area code, e.g. 0246-22-1111."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    lives_in_city = forms.BooleanField(
        label=_("Lives in the city"),
        required=False,
        initial=True,
        help_text=_("Untick for someone registered from outside the city."),
    )
    household = forms.ChoiceField(label=_("Household"), choices=Household.choices, required=False)
    own_device = forms.ChoiceField(
        label=_("Own device"), choices=OwnDevice.choices, initial=OwnDevice.NONE
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        max_length=200,
        required=False,
        help_text=_("For example: hearing aid, large print, wheelchair."),
    )
    proxy_name = forms.CharField(label=_("Proxy contact name"), max_length=100, required=False)
    proxy_phone = forms.CharField(
        label=_("Proxy contact phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    proxy_relation = forms.CharField(label=_("Proxy relation"), max_length=50, required=False)
    consent_given = forms.BooleanField(
        label=_("The resident agreed to the use of their data"), required=False
    )
    consent_date = DateField(
        date_range=RECORD_DATES,
        label=_("Consent date"),
        required=False,
        help_text=_("Empty means today."),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_consent_date(self):
        day = self.cleaned_data.get("consent_date")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The consent date is in the future."))
        return day


class ResidentCreateForm(ResidentForm):
    create_anyway = forms.BooleanField(
        label=_("I checked the residents above: this is a different person. Create anyway."),
        required=False,
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Resident list (Excel or CSV)"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The list as your office keeps it: an Excel workbook (.xlsx) or CSV (UTF-8, "
            "Shift_JIS or UTF-16), with a header row naming the columns (氏名, ふりがな, 生年月日, "
            "電話番号; 地区, 端末, 備考 if kept). Up to %(rows)s rows and %(mb)s MB."
        ) % {"rows": f"{MAX_ROWS:,}", "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split the list and import the parts.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
