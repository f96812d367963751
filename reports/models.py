"""KPI definitions (``kpis.csv``) and their targets per fiscal year (年度, from 1 April)."""

from django.db import models
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
