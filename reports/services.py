"""State changes of the reports app: asking for a report, making it, setting KPI targets."""

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from classes.models import Organiser, Venue
from kernel.roles import venue_ids_for
from kernel.tasks_util import enqueue
from reports.figures import (
    Period,
    ReportFigures,
    Scope,
    fiscal_year_of,
    fiscal_year_period,
    month_period,
    report_figures,
    suppress,
)
from reports.figures.national import NationalUnits, national_units
from reports.loan_register import loan_register_file
from reports.models import GeneratedReport, Kpi, KpiTarget

logger = logging.getLogger(__name__)


def report_period(*, kind: str, year: int, month: int | None = None) -> Period:
    """The period of a report: FY ``year`` (1 April to 31 March) or the month ``year-month``.
    Raises ValidationError for a missing or impossible month or year."""
    if not 2000 <= year <= 2100:
        raise ValidationError(_("Choose a year between 2000 and 2100."))
    if kind == GeneratedReport.Kind.FISCAL_YEAR:
        return fiscal_year_period(year)
    if month is None or not 1 <= month <= 12:
        raise ValidationError(_("Choose a month from 1 to 12 for a monthly report."))
    return month_period(year, month)


def report_heading(kind: str) -> str:
    """The printed title of a report kind ("Monthly report"...), in the active language."""
    return str(dict(GeneratedReport.Kind.choices).get(kind, kind))


def report_request(
    *,
    kind: str,
    period: Period,
    format: str,
    by,
    venue: Venue | None = None,
    organiser: Organiser | None = None,
    published: bool = True,
    language: str | None = None,
) -> GeneratedReport:
    """Record a request for a report and queue its making (after the transaction commits).

    ``venue`` or ``organiser`` (at most one) narrows the scope; neither means the whole program.
    Returns the GeneratedReport: queued, or already failed when the broker could not be reached
    and the transaction has committed (``report_queue``). Raises ValidationError for a bad
    combination.
    """
    if venue is not None and organiser is not None:
        raise ValidationError(_("Choose a venue or an organiser, not both."))
    if format not in GeneratedReport.Format.values:
        raise ValidationError(_("Choose PDF, CSV or Excel."))
    # A loan register is asked for through loan_register_request (its own rights and scope).
    if kind not in GeneratedReport.Kind.values or kind == GeneratedReport.Kind.LOAN_REGISTER:
        raise ValidationError(_("Choose a monthly or a fiscal-year report."))
    if kind == GeneratedReport.Kind.NATIONAL:
        if format == GeneratedReport.Format.PDF:
            raise ValidationError(_("The national program units are made as CSV or Excel."))
        if organiser is not None:
            raise ValidationError(_("The national program units are for all venues or one."))
        published = False  # the national program needs the counts as they are
    scope = GeneratedReport.ScopeKind.PROGRAM
    if venue is not None:
        scope = GeneratedReport.ScopeKind.VENUE
    elif organiser is not None:
        scope = GeneratedReport.ScopeKind.ORGANISER
    with transaction.atomic():
        report = GeneratedReport.objects.create(
            kind=kind,
            period_start=period.start,
            period_end=period.end,
            scope=scope,
            venue=venue,
            organiser=organiser,
            format=format,
            published=published,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            requested_by=by,
        )
        transaction.on_commit(partial(report_queue, report_id=report.pk))
    return report


def loan_register_request(*, date_from: date, date_to: date, format: str, by) -> GeneratedReport:
    """Record a request for the loan register of ``date_from``..``date_to`` (local dates, both
    inclusive) as ``format`` ("csv" or "xlsx"), for the venues ``by`` may see now (every venue
    for an administrator), and queue its making after the transaction commits
    (``report_queue``). Returns the GeneratedReport (queued, or failed when the
    broker could not be reached). Raises ValidationError for a reversed period, another format,
    or a staff member without venues.
    """
    if date_to < date_from:
        raise ValidationError(_("The end of the period must not be before its start."))
    if format not in (GeneratedReport.Format.CSV, GeneratedReport.Format.XLSX):
        raise ValidationError(_("Choose CSV or Excel."))
    venue_ids = venue_ids_for(by)
    if venue_ids is not None and not venue_ids:
        raise ValidationError(_("You hold no venue: there is no loan register to make."))
    with transaction.atomic():
        report = GeneratedReport.objects.create(
            kind=GeneratedReport.Kind.LOAN_REGISTER,
            period_start=date_from,
            period_end=date_to,
            scope=GeneratedReport.ScopeKind.PROGRAM
            if venue_ids is None
            else GeneratedReport.ScopeKind.OWN_VENUES,
            venue_ids=None if venue_ids is None else sorted(venue_ids),
            format=format,
            published=False,
            language="ja",  # a Japanese city form: headers and words are Japanese
            requested_by=by,
        )
        transaction.on_commit(partial(report_queue, report_id=report.pk))
    return report


def report_scope(report: GeneratedReport) -> Scope:
    """The figures' ``Scope`` of a generated report (venue or organiser loaded: no query when
    selected with them)."""
    if report.scope == GeneratedReport.ScopeKind.VENUE:
        assert report.venue is not None, "generated_report_scope_matches: a venue report has one"
        return Scope(Scope.VENUE, report.venue_id, report.venue.name)
    if report.scope == GeneratedReport.ScopeKind.ORGANISER:
        assert report.organiser is not None, (
            "generated_report_scope_matches: an organiser report has one"
        )
        return Scope(Scope.ORGANISER, report.organiser_id, report.organiser.name)
    return Scope()


def report_figures_for(report: GeneratedReport, *, as_of=None) -> ReportFigures:
    """The figures a generated report prints: suppressed when it is for publication."""
    figures = report_figures(
        period=Period(report.period_start, report.period_end),
        scope=report_scope(report),
        as_of=as_of,
    )
    if report.published:
        figures = suppress(figures, settings.REPORT_SUPPRESSION_THRESHOLD)
    return figures


def national_request(
    *, period: Period, format: str, by, venue: Venue | None = None, language: str | None = None
) -> GeneratedReport:
    """Ask for the national-units export (``reports.figures.national``) of ``period`` for all
    venues or ``venue``, as CSV or Excel (``format``), made in the background like every report
    (``report_request``; never suppressed). Raises ValidationError for PDF."""
    return report_request(
        kind=GeneratedReport.Kind.NATIONAL,
        period=period,
        format=format,
        by=by,
        venue=venue,
        published=False,
        language=language,
    )


def report_data(report: GeneratedReport, *, as_of=None) -> ReportFigures | NationalUnits:
    """What a generated report prints: the national units for the national export, else the
    report's figures (``report_figures_for``)."""
    if report.kind == GeneratedReport.Kind.NATIONAL:
        return national_units(
            period=Period(report.period_start, report.period_end),
            scope=report_scope(report),
            as_of=as_of,
        )
    return report_figures_for(report, as_of=as_of)


def render_report(
    figures: ReportFigures | NationalUnits, *, kind: str, format: str
) -> tuple[bytes, str]:
    """The file's bytes and extension for ``format`` (pdf, csv or xlsx); the national units
    as CSV or Excel."""
    from reports.national_exports import national_csv, national_workbook
    from reports.program_report import ProgramReportRenderer
    from reports.report_exports import report_csv, report_workbook

    if isinstance(figures, NationalUnits):
        if format == GeneratedReport.Format.CSV:
            return national_csv(figures), "csv"
        return national_workbook(figures), "xlsx"
    if format == GeneratedReport.Format.PDF:
        return ProgramReportRenderer(figures, report_heading(kind)).render(), "pdf"
    if format == GeneratedReport.Format.CSV:
        return report_csv(figures), "csv"
    return report_workbook(figures), "xlsx"


def _stale_before(now):
    return now - timedelta(seconds=settings.REPORT_STALE_SECONDS)


def report_generate(*, report_id: int) -> bool:
    """Make the report's file. Safe to run twice: the report is claimed atomically when it is
    queued, or running but stale (no progress for ``settings.REPORT_STALE_SECONDS``: the run
    that had it died, and this is Redis redelivering its message). Returns False when another
    live run has it, it is done or failed, or it does not exist; True once it is made.

    Each later write checks that the claim is still this run's (a run taken over as stale stops
    without writing). On an error the report is marked failed with the error's text, and the
    error re-raised.
    """
    now = timezone.now()
    claimed = (
        GeneratedReport.objects.filter(pk=report_id)
        .filter(
            Q(status=GeneratedReport.Status.QUEUED)
            | Q(status=GeneratedReport.Status.RUNNING, progress_at__lt=_stale_before(now))
        )
        .update(status=GeneratedReport.Status.RUNNING, started_at=now, progress=5, progress_at=now)
    )
    if not claimed:
        return False
    mine = GeneratedReport.objects.filter(
        pk=report_id, status=GeneratedReport.Status.RUNNING, started_at=now
    )

    def still_mine(**fields) -> bool:
        return bool(mine.update(progress_at=timezone.now(), **fields))

    report = GeneratedReport.objects.select_related("venue", "organiser").get(pk=report_id)
    try:
        with translation.override(report.language):
            if report.kind == GeneratedReport.Kind.LOAN_REGISTER:
                made = loan_register_file(report, progress=lambda p: still_mine(progress=p))
                if made is None:
                    return False
                content, extension = made
            else:
                figures = report_data(report)
                if not still_mine(progress=50):
                    return False
                content, extension = render_report(figures, kind=report.kind, format=report.format)
        if not still_mine(progress=90):
            return False
        if report.kind == GeneratedReport.Kind.LOAN_REGISTER:
            stem = f"loan-register-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}"
        else:
            stem = f"{report.kind}-{report.period_start:%Y%m%d}-{report.scope}"
        name = f"{stem}-{report.pk}.{extension}"
        report.file.save(name, ContentFile(content), save=False)
        if not still_mine(
            file=report.file.name,
            status=GeneratedReport.Status.DONE,
            progress=100,
            finished_at=timezone.now(),
        ):
            report.file.delete(save=False)  # another run took over and saves its own
            return False
    except Exception as exc:
        mine.update(
            status=GeneratedReport.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return True


def report_queue(*, report_id: int) -> bool:
    """Send the making of queued report ``report_id`` to the background worker (in-process when
    Celery is eager). Returns False when the broker cannot be reached: the report is then
    marked failed at once, with a reason in its language saying it could not be queued (the
    reports page offers to try again). Never raises for a failure of the making itself, which
    ``report_generate`` records on the report (and which is logged here in in-process mode).
    """
    from reports.tasks import generate_report  # reports.tasks imports this module

    try:
        queued = enqueue(generate_report, report_id)
    except Exception:  # in-process only: the report is already marked failed with the error
        logger.exception("Report %s failed while being made in-process.", report_id)
        return True
    if queued:
        return True
    language = (
        GeneratedReport.objects.filter(pk=report_id).values_list("language", flat=True).first()
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        reason = _(
            "The report could not be queued: the background task service does not answer. "
            "Try again in a moment."
        )
    GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(
        status=GeneratedReport.Status.FAILED, finished_at=timezone.now(), error=reason
    )
    return False


def report_retry(*, report: GeneratedReport) -> GeneratedReport:
    """Ask again for the failed ``report`` (same period, scope, format, requester): it is put
    back to queued and sent to the worker after the transaction commits (``report_queue``:
    failed again at once if the broker still does not answer). Returns the report as saved.
    Raises ValidationError when the report is not failed (already retried, being made, done).
    """
    with transaction.atomic():
        reset = GeneratedReport.objects.filter(
            pk=report.pk, status=GeneratedReport.Status.FAILED
        ).update(
            status=GeneratedReport.Status.QUEUED,
            progress=0,
            progress_at=timezone.now(),
            started_at=None,
            finished_at=None,
            error="",
            file="",
        )
        if not reset:
            raise ValidationError(_("Only a report that failed can be tried again."))
        transaction.on_commit(partial(report_queue, report_id=report.pk))
    report.refresh_from_db()
    return report


def reports_requeue_stale(*, now=None, report_ids: Iterable[int] | None = None) -> list[int]:
    """Queue again the reports nobody is making: queued or running with no progress for
    ``settings.REPORT_STALE_SECONDS`` (a lost message, a dead worker or web process). Running
    ones are put back to queued first; all get a fresh ``progress_at``, so the next scan leaves
    them alone for another stale period. ``report_ids`` limits the scan to those reports (the
    reports page passes the ones it shows). Returns the ids queued again, oldest first.

    The generate task claims atomically, so a report queued twice is made once. In-process
    (eager Celery) the reports are made before this returns; with the broker down they are
    marked failed (``report_queue``).
    """
    now = now or timezone.now()
    stale = GeneratedReport.objects.filter(
        status__in=[GeneratedReport.Status.QUEUED, GeneratedReport.Status.RUNNING],
        progress_at__lt=_stale_before(now),
    )
    if report_ids is not None:
        stale = stale.filter(pk__in=list(report_ids))
    ids = list(stale.order_by("requested_at", "id").values_list("pk", flat=True))
    # A run that is only slow loses its claim here and stops at its next step (report_generate).
    stale.filter(pk__in=ids).update(
        status=GeneratedReport.Status.QUEUED, progress=0, progress_at=now
    )
    for report_id in ids:
        report_queue(report_id=report_id)
    return ids


def kpi_targets_set(*, fiscal_year: int, targets: dict[int, Decimal | None], by) -> None:
    """Set the administrator's target per KPI (by KPI id) for ``fiscal_year``; None removes the
    year's target (the plan's target then applies). Raises ValidationError for a negative value
    or an unknown KPI; nothing is saved then."""
    if not 2000 <= fiscal_year <= 2100:
        raise ValidationError(_("Choose a fiscal year between 2000 and 2100."))
    known = set(Kpi.objects.filter(pk__in=targets).values_list("pk", flat=True))
    for kpi_id, value in targets.items():
        if kpi_id not in known:
            raise ValidationError(_("Unknown KPI."))
        if value is not None and value < 0:
            raise ValidationError(_("A target cannot be negative."))
    with transaction.atomic():
        for kpi_id, value in targets.items():
            if value is None:
                KpiTarget.objects.filter(kpi_id=kpi_id, fiscal_year=fiscal_year).delete()
            else:
                KpiTarget.objects.update_or_create(
                    kpi_id=kpi_id, fiscal_year=fiscal_year, defaults={"target_value": value}
                )


def today_fiscal_year() -> int:
    """The fiscal year (年度, from 1 April) of today's date in Japan."""
    return fiscal_year_of(timezone.localdate())
