"""Django's own date formats (unfiltered {{ date }}, the admin site, ``date_format``) held to
the project's one format per language (``kernel.dates``)."""

from kernel.dates import FORMATS

DATE_FORMAT = FORMATS["en"]["full"]
SHORT_DATE_FORMAT = FORMATS["en"]["short"]
DATETIME_FORMAT = FORMATS["en"]["full"] + " H:i"
SHORT_DATETIME_FORMAT = FORMATS["en"]["short"] + " H:i"
YEAR_MONTH_FORMAT = FORMATS["en"]["month"]
