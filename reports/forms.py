"""Forms of the reports pages."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from classes.models import Organiser, Venue
from kernel.date_ranges import RECORD_DATES, DateField, check_year
from reports.figures import Period, fiscal_year_period
from reports.japanese_dates import parse_fiscal_year
from reports.models import GeneratedReport, Kpi
from reports.services import report_period
from residents.normalize import parse_japanese_date


class ReportRequestForm(forms.Form):
    """Which report to make. Staff (``venue_ids`` a set) may only choose one of their venues."""

    kind = forms.ChoiceField(
        label=_("Kind of report"),
        choices=[
            (GeneratedReport.Kind.MONTHLY, GeneratedReport.Kind.MONTHLY.label),
            (GeneratedReport.Kind.FISCAL_YEAR, GeneratedReport.Kind.FISCAL_YEAR.label),
        ],
    )
    year = forms.IntegerField(
        label=_("Year (fiscal year for a fiscal-year report)"), min_value=2000, max_value=2100
    )
    month = forms.IntegerField(
        label=_("Month (monthly report)"), min_value=1, max_value=12, required=False
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=[
            (value, label)
            for value, label in GeneratedReport.ScopeKind.choices
            if value != GeneratedReport.ScopeKind.OWN_VENUES
        ],
    )
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    organiser = forms.ModelChoiceField(
        label=_("Organiser"), queryset=Organiser.objects.all(), required=False
    )
    format = forms.ChoiceField(label=_("Format"), choices=GeneratedReport.Format.choices)
    published = forms.BooleanField(
        label=_("For publication (hide small counts)"), required=False, initial=True
    )

    def __init__(self, *args, venue_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        venues = Venue.objects.all()
        if venue_ids is not None:
            venues = venues.filter(pk__in=venue_ids)
            cast(forms.ChoiceField, self.fields["scope"]).choices = [
                (GeneratedReport.ScopeKind.VENUE, GeneratedReport.ScopeKind.VENUE.label)
            ]
            cast(
                forms.ModelChoiceField, self.fields["organiser"]
            ).queryset = Organiser.objects.none()
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = venues

    def clean_year(self) -> int:
        """A fiscal year from 2000 to five years ahead (kernel.date_ranges.RECORD_DATES)."""
        year = self.cleaned_data["year"]
        check_year(year)
        return year

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            data["period"] = report_period(
                kind=data["kind"], year=data["year"], month=data.get("month")
            )
        except ValidationError as exc:
            self.add_error("month", exc)
            return data
        scope = data["scope"]
        if scope == GeneratedReport.ScopeKind.VENUE and not data.get("venue"):
            self.add_error("venue", _("Choose the venue."))
        if scope == GeneratedReport.ScopeKind.ORGANISER and not data.get("organiser"):
            self.add_error("organiser", _("Choose the organiser."))
        if scope != GeneratedReport.ScopeKind.VENUE:
            data["venue"] = None
        if scope != GeneratedReport.ScopeKind.ORGANISER:
            data["organiser"] = None
        return data

    @property
    def period(self) -> Period:
        """The report's period, once the form is valid (KeyError before)."""
        return self.cleaned_data["period"]


class VenueMonthForm(forms.Form):
    """A venue and a month for the venue's month of attendance."""

    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)

    def __init__(self, *args, venue_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        venues = Venue.objects.all()
        if venue_ids is not None:
            venues = venues.filter(pk__in=venue_ids)
        cast(forms.ModelChoiceField, self.fields["venue"]).queryset = venues

    def clean_year(self) -> int:
        """A year from 2000 to five years ahead (kernel.date_ranges.RECORD_DATES)."""
        year = self.cleaned_data["year"]
        check_year(year)
        return year


class KpiTargetsForm(forms.Form):
    """One target field per KPI for a fiscal year; blank removes the year's target."""

    def __init__(self, *args, kpis: list[Kpi], current: dict[int, Decimal], **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis = kpis
        for kpi in kpis:
            self.fields[f"kpi_{kpi.pk}"] = forms.DecimalField(
                label=f"{kpi.name}（{kpi.unit}）" if kpi.unit else kpi.name,
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                initial=current.get(kpi.pk),
            )

    def targets(self) -> dict[int, Decimal | None]:
        """``{KPI id: Decimal or None}`` from a valid form; None means the field was left blank."""
        return {kpi.pk: self.cleaned_data.get(f"kpi_{kpi.pk}") for kpi in self.kpis}


class LoanRegisterForm(forms.Form):
    """Period (local dates, both inclusive) and file format of the loan register."""

    date_from = DateField(label=_("From"), date_range=RECORD_DATES)
    date_to = DateField(label=_("To"), date_range=RECORD_DATES)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (GeneratedReport.Format.CSV, "CSV"),
            (GeneratedReport.Format.XLSX, "Excel (.xlsx)"),
        ],
        initial=GeneratedReport.Format.XLSX,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end of the period must not be before its start."))
        return data


class JapaneseDateField(forms.CharField):
    """A date typed as staff write it: ``2026-04-01``, ``2026/4/1``, ``令和8年4月1日``,
    ``R8.4.1`` (any width), within ``RECORD_DATES``. Cleans to a ``date`` (None when empty)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if hasattr(value, "year"):
            return f"{value.year}-{value.month:02d}-{value.day:02d}"
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            day = parse_japanese_date(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        RECORD_DATES.check(day)
        return day


class NationalExportForm(forms.Form):
    """The national-units export: a fiscal year or two dates, all venues or one, CSV or Excel.
    Staff (``venue_ids`` a set) must choose one of their venues."""

    PERIOD_FISCAL_YEAR = "fiscal_year"
    PERIOD_DATES = "dates"

    period_kind = forms.ChoiceField(
        label=_("Period"),
        choices=[
            (PERIOD_FISCAL_YEAR, _("A fiscal year")),
            (PERIOD_DATES, _("From a date to a date")),
        ],
        widget=forms.RadioSelect,
    )
    fiscal_year = forms.CharField(
        label=_("Fiscal year"),
        required=False,
        max_length=20,
        help_text=_("For example 2026 or R8 (from 1 April to 31 March)."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_from = JapaneseDateField(
        label=_("From"), required=False, help_text=_("For example 2026-04-01 or R8.4.1.")
    )
    date_to = JapaneseDateField(label=_("To"), required=False, help_text=_("Included."))
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("All venues"),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (GeneratedReport.Format.XLSX, GeneratedReport.Format.XLSX.label),
            (GeneratedReport.Format.CSV, GeneratedReport.Format.CSV.label),
        ],
    )

    def __init__(self, *args, venue_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        venues = Venue.objects.all()
        field = cast(forms.ModelChoiceField, self.fields["venue"])
        if venue_ids is not None:
            venues = venues.filter(pk__in=venue_ids)
            field.required = True
            field.empty_label = None
        field.queryset = venues

    def clean_fiscal_year(self) -> int | None:
        text = self.cleaned_data["fiscal_year"]
        if not text:
            return None
        try:
            year = parse_fiscal_year(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        check_year(year)
        return year

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if data["period_kind"] == self.PERIOD_FISCAL_YEAR:
            if data.get("fiscal_year") is None:
                self.add_error("fiscal_year", _("Enter the fiscal year."))
                return data
            data["period"] = fiscal_year_period(data["fiscal_year"])
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if start is None:
            self.add_error("date_from", _("Enter the first day of the period."))
        if end is None:
            self.add_error("date_to", _("Enter the last day of the period."))
        if start is not None and end is not None:
            if end < start:
                self.add_error("date_to", _("The end date is before the start date."))
            else:
                data["period"] = Period(start, end)
        return data

    @property
    def period(self) -> Period:
        """The export's period, once the form is valid (KeyError before)."""
        return self.cleaned_data["period"]
