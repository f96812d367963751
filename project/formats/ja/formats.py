"""Django's own date formats (unfiltered {{ date }}, the admin site, ``date_format``) held to
the project's one format per language (``kernel.dates``)."""

from kernel.dates import FORMATS

DATE_FORMAT = FORMATS["ja"]["full"]
SHORT_DATE_FORMAT = FORMATS["ja"]["short"]
DATETIME_FORMAT = FORMATS["ja"]["full"] + " H:i"
SHORT_DATETIME_FORMAT = FORMATS["ja"]["short"] + " H:i"
YEAR_MONTH_FORMAT = FORMATS["ja"]["month"]
