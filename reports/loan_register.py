"""The loan register (貸与台帳) of a period, made in the background as a GeneratedReport.

At prefecture scale a fiscal year's register holds 150,000 loans: a minute as CSV and three as
Excel, too long for a request. The loans page asks for it
(``reports.services.loan_register_request``), the report task makes the file here
(``loan_register_file``, called by ``report_generate``) and the reports page shows its progress
and the download link, as for the other reports.
"""

from collections.abc import Callable, Iterator

from kernel.models import Role
from kernel.roles import user_role, venue_ids_for
from loans.exports import register_csv, register_loans, register_rows, register_xlsx
from reports.models import GeneratedReport

# A sign of life every this many loans (a fiscal year at scale 10: 30 updates).
PROGRESS_EVERY = 5000


def _counted(loans, *, total: int, progress: Callable[[int], bool]) -> Iterator:
    for done, loan in enumerate(loans.iterator(chunk_size=2000), start=1):
        if done % PROGRESS_EVERY == 0 and not progress(5 + 80 * done // max(total, 1)):
            raise _Superseded
        yield loan


class _Superseded(Exception):
    """The run lost its claim (taken over as stale): stop without writing."""


def loan_register_file(
    report: GeneratedReport, *, progress: Callable[[int], bool]
) -> tuple[bytes, str] | None:
    """The register file of ``report`` (a LOAN_REGISTER GeneratedReport): its bytes and
    extension ("csv" or "xlsx"), the same rows as ``loans.exports.register_rows``. Calls
    ``progress(percent)`` (5 to 85) every PROGRESS_EVERY loans; when it returns False (another
    run took the report over) stops and returns None."""
    loans = register_loans(
        date_from=report.period_start, date_to=report.period_end, venue_ids=report.venue_ids
    )
    total = loans.count()
    try:
        rows = register_rows(_counted(loans, total=total, progress=progress))
    except _Superseded:
        return None
    if not progress(85):
        return None
    if report.format == GeneratedReport.Format.CSV:
        return register_csv(rows), "csv"
    return register_xlsx(rows), "xlsx"


def loan_register_visible(report: GeneratedReport, user) -> bool:
    """True when ``user`` may download loan register ``report``: an administrator always, a
    staff member who asked for it while they still hold every venue it covers; nobody else
    (coordinators and supporters do not see loans)."""
    role = user_role(user)
    if role == Role.ADMINISTRATOR:
        return True
    venue_ids = venue_ids_for(user)
    return (
        role == Role.STAFF
        and venue_ids is not None
        and report.requested_by_id == user.pk
        and report.venue_ids is not None
        and set(report.venue_ids) <= venue_ids
    )
