"""Every figure of the monthly and fiscal-year reports, computed once and shared by PDF, CSV and
Excel so the three always agree.

``report_figures(period=..., scope=...)`` runs a fixed number of aggregate queries (GROUP BY with
conditional ``Count``/``Sum``; no loop over registrations or loans in Python) and returns a
frozen ``ReportFigures``: sections of tables of rows of values. ``suppress(figures, threshold)``
turns it into the published version, where small counts of people are hidden.

Definitions (also printed in the report's notes, see ``NOTES``):

- Times are Asia/Tokyo. A period is two dates, both inclusive. A session belongs to the period
  when it starts in it; it is *held* when it is not cancelled and has started by ``as_of`` (the
  time the report is made); later ones in the period are *planned*.
- Attendances: registrations marked attended on held sessions, plus the walk-ins salons count
  without names (``Session.walk_in_count``, shown separately, not in breakdowns by person).
- Age bands of attendances use the age on the session's date; those of unique residents the age
  on the period's last day. Age counts whole years as ``Resident.age_on`` does: a resident born
  on 29 February turns a year older on 1 March in a common year.
- First-time residents: residents who attended in the period and had never attended any held
  session of the program (any venue, any organiser) before the period started.
- Loans are dated by start and end; the end of a returned loan is its return date, of a lost loan
  its return date or, when none was recorded, its due date. Active at the period's end: started
  by then and not ended by then. Overdue: active at the period's end with the due date before it.
  Renewals: the renewals recorded on loans that ran during the period. Own-device share: loans
  ended in the period whose outcome is "bought own device", among those ended with an outcome.
- Supporter hours: the approved minutes where the coordinator approved the hours, else the
  check-in to check-out span, else 0, over proposed or confirmed assignments of held sessions.
  Unfilled slots: per held session, supporters needed minus proposed or confirmed assignments,
  never below 0.
"""

from reports.figures.builder import NOTES, report_figures
from reports.figures.periods import (
    TOKYO,
    Period,
    Scope,
    fiscal_year_of,
    fiscal_year_period,
    month_period,
    months_of,
)
from reports.figures.sql import AGE_BANDS, UNKNOWN
from reports.figures.suppression import suppress
from reports.figures.tables import (
    DASH,
    CellValue,
    Number,
    ReportFigures,
    Row,
    Section,
    Suppressed,
    Table,
    format_value,
)

__all__ = [
    "AGE_BANDS",
    "DASH",
    "NOTES",
    "TOKYO",
    "UNKNOWN",
    "CellValue",
    "Number",
    "Period",
    "ReportFigures",
    "Row",
    "Scope",
    "Section",
    "Suppressed",
    "Table",
    "fiscal_year_of",
    "fiscal_year_period",
    "format_value",
    "month_period",
    "months_of",
    "report_figures",
    "suppress",
]
