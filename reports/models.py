"""KPI definitions (``kpis.csv``) and their targets per fiscal year (年度, from 1 April)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kpi(models.Model):
    """A key performance indicator (指標) with its baseline (基準値) and plan target (目標値)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    baseline_fy = models.PositiveIntegerField(_("baseline fiscal year"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("baseline"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    target_fy = models.PositiveIntegerField(_("target fiscal year"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class KpiTarget(models.Model):
    """The administrator's target for one KPI in one fiscal year (FY2025 = 2025-04-01..2026-03-31)."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="targets")
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))
    target_value = models.DecimalField(_("target"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "fiscal_year"], name="kpi_target_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.kpi} FY{self.fiscal_year}"


def _report_upload_to(instance: "GeneratedReport", filename: str) -> str:
    return f"reports/{instance.requested_at:%Y/%m}/{filename}"


class GeneratedReport(models.Model):
    """A monthly or fiscal-year report, the national-units export or a loan register, someone
    asked for, made in the background (Celery).

    The file is kept (under MEDIA_ROOT/reports/) with who asked and when, so the office can
    download it again later. ``period_start``/``period_end`` are local dates, both inclusive.
    ``progress_at`` is the last sign of life (asked, queued again, claimed or a progress step):
    a queued or running report silent for longer than ``settings.REPORT_STALE_SECONDS`` was lost
    (broker message gone, worker or web process dead) and is queued again
    (``reports.services.reports_requeue_stale``).

    A loan register (``Kind.LOAN_REGISTER``, CSV or Excel) lists the loans of ``venue_ids``
    (the requester's venues when asked; None = every venue, for an administrator) and is seen
    by administrators and by the staff member who asked, while they still hold those venues.
    """

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly report")
        FISCAL_YEAR = "fiscal_year", _("Fiscal-year report")
        # Venues, コマ, sessions and participants as the national program counts them (CSV or
        # Excel only, never suppressed: reports.figures.national).
        NATIONAL = "national", _("National program units")
        LOAN_REGISTER = "loan_register", _("Loan register")

    class ScopeKind(models.TextChoices):
        PROGRAM = "program", _("Whole program")
        VENUE = "venue", _("One venue")
        ORGANISER = "organiser", _("One organiser")
        OWN_VENUES = "own_venues", _("The requester's venues")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("report"), max_length=20, choices=Kind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    scope = models.CharField(
        _("scope"), max_length=20, choices=ScopeKind.choices, default=ScopeKind.PROGRAM
    )
    venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("venue"),
    )
    organiser = models.ForeignKey(
        "classes.Organiser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organiser"),
    )
    venue_ids = models.JSONField(
        _("venues (ids)"),
        null=True,
        blank=True,
        help_text=_("The venues a loan register covers; empty means every venue."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    published = models.BooleanField(
        _("for publication"),
        default=True,
        help_text=_("Hide small counts so that no resident can be singled out."),
    )
    language = models.CharField(_("language"), max_length=10, default="ja")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_at = models.DateTimeField(_("last progress at"), default=timezone.now)
    file = models.FileField(_("file"), upload_to=_report_upload_to, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="generated_report_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="generated_report_progress_0_100"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="program", venue__isnull=True, organiser__isnull=True)
                    | models.Q(scope="venue", venue__isnull=False, organiser__isnull=True)
                    | models.Q(scope="organiser", venue__isnull=True, organiser__isnull=False)
                    | models.Q(
                        scope="own_venues",
                        venue__isnull=True,
                        organiser__isnull=True,
                        venue_ids__isnull=False,
                    )
                ),
                name="generated_report_scope_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end}"
