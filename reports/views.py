"""Printed reports, served as PDF."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classes.models import Venue
from kernel.date_ranges import RECORD_DATES, years_of
from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required, user_role, venue_ids_for
from reports.attendance import AttendanceSheetRenderer
from reports.figures.national import counting_rules
from reports.forms import KpiTargetsForm, NationalExportForm, ReportRequestForm, VenueMonthForm
from reports.loan_register import loan_register_visible
from reports.models import GeneratedReport, Kpi, KpiTarget
from reports.selectors import attendance_sheet_sessions
from reports.services import (
    kpi_targets_set,
    national_request,
    report_request,
    report_retry,
    reports_requeue_stale,
    today_fiscal_year,
)
from reports.venue_attendance import (
    VenueMonthAttendanceRenderer,
    venue_month_attendance,
)


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def attendance_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The attendance sheet (出席簿) of session ``pk`` as an inline PDF.

    Staff see only their venues' sessions (404 otherwise: residents of other venues stay
    hidden); supporters get 403.
    """
    sessions = attendance_sheet_sessions(venue_ids=venue_ids_for(request.user))
    session = get_object_or_404(sessions, pk=pk)
    renderer = AttendanceSheetRenderer(session)
    response = HttpResponse(renderer.render(), content_type="application/pdf")
    file_name = f"attendance-{renderer.starts:%Y-%m-%d}-{session.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    # It lists residents' names and ages: keep it out of shared caches and the browser cache.
    response["Cache-Control"] = "private, no-store"
    return response


# --- monthly and fiscal-year reports --------------------------------------------------------


REPORT_LIST_LIMIT = 50
IN_PROGRESS = (GeneratedReport.Status.QUEUED, GeneratedReport.Status.RUNNING)
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def visible_reports(user) -> QuerySet[GeneratedReport]:
    """Generated reports the user may see: all for administrators; coordinators the same but
    loan registers; for staff, the reports of their venues (none of the whole program) and the
    loan registers they asked for. A loan register's download is checked once more
    (``loan_register_visible``: a staff member who has since left one of its venues)."""
    qs = GeneratedReport.objects.select_related("venue", "organiser", "requested_by")
    role = user_role(user)
    if role == Role.ADMINISTRATOR:
        return qs
    if role == Role.COORDINATOR:
        return qs.exclude(kind=GeneratedReport.Kind.LOAN_REGISTER)
    venue_ids = venue_ids_for(user) or set()
    return qs.filter(
        Q(scope=GeneratedReport.ScopeKind.VENUE, venue_id__in=venue_ids)
        & ~Q(kind=GeneratedReport.Kind.LOAN_REGISTER)
        | Q(kind=GeneratedReport.Kind.LOAN_REGISTER, requested_by=user.pk)
    )


def _get_report_for_user(user, pk: int) -> GeneratedReport:
    report = get_object_or_404(visible_reports(user), pk=pk)
    if report.kind == GeneratedReport.Kind.LOAN_REGISTER and not loan_register_visible(
        report, user
    ):
        raise Http404
    return report


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def report_list(request: HttpRequest) -> HttpResponse:
    """Ask for a monthly or fiscal-year report and list the reports made, newest first.

    The page refreshes itself (meta refresh, no script) while a report is being made.
    """
    venue_ids = venue_ids_for(request.user)
    today = timezone.localdate()
    if request.method == "POST":
        form = ReportRequestForm(request.POST, venue_ids=venue_ids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with submitted_once(request) as once:
                    report = report_request(
                        kind=data["kind"],
                        period=form.period,
                        format=data["format"],
                        venue=data["venue"],
                        organiser=data["organiser"],
                        published=data["published"],
                        by=request.user,
                    )
                    once.result_url = reverse("reports:report_list")
            except AlreadySubmitted as done:
                return already_saved(request, done, reverse("reports:report_list"))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _say_whether_queued(request, report)
                return redirect("reports:report_list")
    else:
        form = ReportRequestForm(
            venue_ids=venue_ids,
            initial={
                "kind": GeneratedReport.Kind.MONTHLY,
                "year": today.year,
                "month": today.month,
                "format": GeneratedReport.Format.PDF,
                "published": True,
                "scope": GeneratedReport.ScopeKind.VENUE
                if venue_ids is not None
                else GeneratedReport.ScopeKind.PROGRAM,
            },
        )
    reports, in_progress = _reports_shown(request.user)
    # Its own id prefix: the request form above has venue, year and month fields too, and a
    # label must focus the field of its own form.
    venue_form = VenueMonthForm(
        venue_ids=venue_ids,
        initial={"year": today.year, "month": today.month},
        auto_id="venue-month-%s",
    )
    return render(
        request,
        "reports/report_list.html",
        {
            "form": form,
            "venue_form": venue_form,
            "reports": reports,
            "in_progress": in_progress,
            "can_set_targets": user_role(request.user) == Role.ADMINISTRATOR,
        },
    )


def _reports_shown(user, kind: str | None = None) -> tuple[list[GeneratedReport], bool]:
    """The user's latest reports (of ``kind`` when given) and whether one is being made; a
    report whose run died is started again first (in-process nothing else would pick it up)."""
    qs = visible_reports(user)
    if kind is not None:
        qs = qs.filter(kind=kind)
    reports = list(qs[:REPORT_LIST_LIMIT])
    waiting = [r.pk for r in reports if r.status in IN_PROGRESS]
    if waiting and reports_requeue_stale(report_ids=waiting):
        reports = list(qs[:REPORT_LIST_LIMIT])
    return reports, any(r.status in IN_PROGRESS for r in reports)


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def national_export(request: HttpRequest) -> HttpResponse:
    """Ask for the national program units (venues, コマ, sessions, participants, topics by
    level, supporters) of a fiscal year or a period, for all venues or one, as Excel or CSV,
    made in the background like every report; list those made, newest first. Staff choose
    one of their venues. Only counts, no resident: nothing personal is shown here."""
    venue_ids = venue_ids_for(request.user)
    url = reverse("reports:national_export")
    if request.method == "POST":
        form = NationalExportForm(request.POST, venue_ids=venue_ids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with submitted_once(request) as once:
                    report = national_request(
                        period=form.period,
                        format=data["format"],
                        venue=data["venue"],
                        by=request.user,
                    )
                    once.result_url = url
            except AlreadySubmitted as done:
                return already_saved(request, done, url)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                _say_whether_queued(request, report)
                return redirect(url)
    else:
        form = NationalExportForm(
            venue_ids=venue_ids,
            initial={
                "period_kind": NationalExportForm.PERIOD_FISCAL_YEAR,
                "fiscal_year": today_fiscal_year(),
                "format": GeneratedReport.Format.XLSX,
            },
        )
    reports, in_progress = _reports_shown(request.user, GeneratedReport.Kind.NATIONAL)
    return render(
        request,
        "reports/national_export.html",
        {
            "form": form,
            "reports": reports,
            "in_progress": in_progress,
            "rules": counting_rules(),
        },
    )


def _say_whether_queued(request: HttpRequest, report: GeneratedReport) -> None:
    report.refresh_from_db(fields=["status"])
    if report.status == GeneratedReport.Status.FAILED:
        messages.error(
            request,
            _(
                "The report could not be queued: the background task service does not answer. "
                "Try again in a moment with the Retry button."
            ),
        )
    else:
        messages.success(request, _("The report is being made. This page shows when it is ready."))


@require_POST
@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def report_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask again for failed report ``pk`` (POST); 404 when the user may not see it. Back to the
    reports page with a message saying whether it is queued now."""
    report = _get_report_for_user(request.user, pk)
    try:
        report = report_retry(report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _say_whether_queued(request, report)
    return redirect("reports:report_list")


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def report_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file of a finished report; 404 when the user may not see it or it is not ready."""
    report = _get_report_for_user(request.user, pk)
    if report.status != GeneratedReport.Status.DONE or not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=report.format != GeneratedReport.Format.PDF,
        filename=report.file.name.rsplit("/", 1)[-1],
        content_type=CONTENT_TYPES[report.format],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF)
def venue_month_attendance_pdf(request: HttpRequest) -> HttpResponse:
    """A venue's month of attendance as an inline PDF (``?venue=&year=&month=``). Staff may
    choose only their venues; a bad choice goes back to the reports page with a message."""
    form = VenueMonthForm(request.GET, venue_ids=venue_ids_for(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your venues, a year and a month."))
        return redirect("reports:report_list")
    venue: Venue = form.cleaned_data["venue"]
    year, month = form.cleaned_data["year"], form.cleaned_data["month"]
    sessions = venue_month_attendance(venue=venue, year=year, month=month)
    renderer = VenueMonthAttendanceRenderer(venue=venue, year=year, month=month, sessions=sessions)
    response = HttpResponse(renderer.render(), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="attendance-{venue.code}-{year}-{month:02d}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.ADMINISTRATOR)
def kpi_targets(request: HttpRequest) -> HttpResponse:
    """The administrator's KPI targets for one fiscal year (``?year=``, default this one)."""
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or today_fiscal_year())
    except ValueError:
        year = today_fiscal_year()
    first_year, last_year = years_of(RECORD_DATES)
    if not first_year <= year <= last_year:
        year = today_fiscal_year()
    kpis = list(Kpi.objects.order_by("id"))
    current = {t.kpi_id: t.target_value for t in KpiTarget.objects.filter(fiscal_year=year)}
    form = KpiTargetsForm(request.POST or None, kpis=kpis, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            kpi_targets_set(fiscal_year=year, targets=form.targets(), by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Targets for FY%(year)d saved.") % {"year": year})
            return redirect(f"{request.path}?year={year}")
    rows = [
        {
            "kpi": kpi,
            "field": form[f"kpi_{kpi.pk}"],
            "plan": kpi.target_value if kpi.target_fy == year else None,
        }
        for kpi in kpis
    ]
    return render(
        request,
        "reports/kpi_targets.html",
        {"form": form, "rows": rows, "year": year, "years": range(year - 2, year + 3)},
    )
