"""State changes of the reports app: asking for a report, making it, setting KPI targets."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from classes.models import Organiser, Venue
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
from reports.models import GeneratedReport, Kpi, KpiTarget


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
    Returns the queued GeneratedReport. Raises ValidationError for a bad combination.
    """
    if venue is not None and organiser is not None:
        raise ValidationError(_("Choose a venue or an organiser, not both."))
    if format not in GeneratedReport.Format.values:
        raise ValidationError(_("Choose PDF, CSV or Excel."))
    if kind not in GeneratedReport.Kind.values:
        raise ValidationError(_("Choose a monthly or a fiscal-year report."))
    scope = GeneratedReport.ScopeKind.PROGRAM
    if venue is not None:
        scope = GeneratedReport.ScopeKind.VENUE
    elif organiser is not None:
        scope = GeneratedReport.ScopeKind.ORGANISER
    from kernel.tasks_util import enqueue
    from reports.tasks import generate_report

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
        transaction.on_commit(lambda: enqueue(generate_report, report.pk))
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


def render_report(figures: ReportFigures, *, kind: str, format: str) -> tuple[bytes, str]:
    """The file's bytes and extension for ``format`` (pdf, csv or xlsx)."""
    from reports.program_report import ProgramReportRenderer
    from reports.report_exports import report_csv, report_workbook

    if format == GeneratedReport.Format.PDF:
        return ProgramReportRenderer(figures, report_heading(kind)).render(), "pdf"
    if format == GeneratedReport.Format.CSV:
        return report_csv(figures), "csv"
    return report_workbook(figures), "xlsx"


def _set_progress(report_id: int, progress: int) -> None:
    GeneratedReport.objects.filter(pk=report_id).update(progress=progress)


def report_generate(*, report_id: int) -> bool:
    """Make the report's file. Safe to run twice: only a queued report is claimed (atomically,
    queued → running); returns False when another run already has it or it does not exist.

    On an error the report is marked failed with the error's text, and the error re-raised.
    """
    claimed = GeneratedReport.objects.filter(
        pk=report_id, status=GeneratedReport.Status.QUEUED
    ).update(status=GeneratedReport.Status.RUNNING, started_at=timezone.now(), progress=5)
    if not claimed:
        return False
    report = GeneratedReport.objects.select_related("venue", "organiser").get(pk=report_id)
    try:
        with translation.override(report.language):
            figures = report_figures_for(report)
            _set_progress(report_id, 50)
            content, extension = render_report(figures, kind=report.kind, format=report.format)
        _set_progress(report_id, 90)
        name = f"{report.kind}-{report.period_start:%Y%m%d}-{report.scope}-{report.pk}.{extension}"
        report.file.save(name, ContentFile(content), save=False)
        GeneratedReport.objects.filter(pk=report_id).update(
            file=report.file.name,
            status=GeneratedReport.Status.DONE,
            progress=100,
            finished_at=timezone.now(),
        )
    except Exception as exc:
        GeneratedReport.objects.filter(pk=report_id).update(
            status=GeneratedReport.Status.FAILED,
            finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    return True


# A queued report older than this was never picked up (broker down when it was asked for); a
# running one older than STALE_RUNNING belongs to a worker that died.
STALE_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(hours=1)


def reports_requeue_stale(*, now=None) -> list[int]:
    """Queue again the reports nobody is making: queued for over 5 minutes, or running for over
    an hour (the worker died; it is put back to queued first). Returns their ids, oldest first.

    The generate task claims queued → running atomically, so a report queued twice is made once.
    """
    from kernel.tasks_util import enqueue
    from reports.tasks import generate_report

    now = now or timezone.now()
    GeneratedReport.objects.filter(
        status=GeneratedReport.Status.RUNNING, started_at__lt=now - STALE_RUNNING
    ).update(status=GeneratedReport.Status.QUEUED, progress=0)
    ids = list(
        GeneratedReport.objects.filter(
            status=GeneratedReport.Status.QUEUED, requested_at__lt=now - STALE_QUEUED
        )
        .order_by("requested_at", "id")
        .values_list("pk", flat=True)
    )
    for report_id in ids:
        enqueue(generate_report, report_id)
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
