from django.contrib import admin

from kernel import admin_dates as ranged
from reports.models import GeneratedReport, Kpi, KpiTarget


class KpiTargetInline(ranged.TabularInline):
    model = KpiTarget
    extra = 1


@admin.register(Kpi)
class KpiAdmin(ranged.ModelAdmin):
    list_display = (
        "code",
        "name",
        "unit",
        "baseline_fy",
        "baseline_value",
        "target_fy",
        "target_value",
    )
    search_fields = ("code", "name", "name_en")
    inlines = [KpiTargetInline]


@admin.register(GeneratedReport)
class GeneratedReportAdmin(ranged.ModelAdmin):
    """Reports made: read-only here (they are asked for on the reports page)."""

    list_display = (
        "kind",
        "period_start",
        "period_end",
        "scope",
        "format",
        "status",
        "requested_by",
        "requested_at",
    )
    list_filter = ("kind", "status", "format")
    readonly_fields = [f.name for f in GeneratedReport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
