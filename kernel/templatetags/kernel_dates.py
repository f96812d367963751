"""Date filters, one format per language: ``{% load kernel_dates %}`` then
``{{ d|date_short }}``, ``{{ d|date_full }}``, ``{{ dt|datetime_short }}``,
``{{ dt|datetime_full }}``, ``{{ d|date_birth }}``, ``{{ d|month_full }}``,
``{{ year|fiscal_year }}``. The formats are in ``kernel.dates``."""

from django import template

from kernel import dates

register = template.Library()

for _name in (
    "date_short",
    "date_full",
    "datetime_short",
    "datetime_full",
    "date_birth",
    "month_full",
):
    register.filter(_name, getattr(dates, _name), expects_localtime=True)

register.filter("fiscal_year", dates.fiscal_year_label)
