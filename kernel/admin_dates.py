"""Admin-site base classes whose date fields accept a plausible range only.

The product's forms check dates through ``kernel.date_ranges``; the admin site builds its forms
from the models, so without this a date such as 9999-12-31 saved there made other pages fail
(a day added to it overflows). Every ``ModelAdmin`` and inline of the project subclasses these:
birth dates take ``BIRTH_DATES`` (1900-01-01 to today), every other date or date-time field
``RECORD_DATES`` (2000-01-01 to today + PROGRAM_DATE_YEARS years), with the same messages.
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import admin
from django.db import models
from django.utils import timezone

from kernel.date_ranges import BIRTH_DATES, RECORD_DATES, DateRange

BIRTH_DATE_FIELDS = {"birth_date"}


def _range_validator(date_range: DateRange):
    def validate(value) -> None:
        if isinstance(value, datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, date):
            date_range.check(value)

    return validate


class RangedDatesMixin:
    """Adds the date-range check to the form field of every DateField and DateTimeField."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and isinstance(db_field, models.DateField):
            date_range = BIRTH_DATES if db_field.name in BIRTH_DATE_FIELDS else RECORD_DATES
            formfield.validators.append(_range_validator(date_range))
        return formfield


class ModelAdmin(RangedDatesMixin, admin.ModelAdmin):
    """``admin.ModelAdmin`` with date fields held to a plausible range."""


class TabularInline(RangedDatesMixin, admin.TabularInline):
    """``admin.TabularInline`` with date fields held to a plausible range."""


class StackedInline(RangedDatesMixin, admin.StackedInline):
    """``admin.StackedInline`` with date fields held to a plausible range."""
