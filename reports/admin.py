from django.contrib import admin

from reports.models import Kpi, KpiTarget


class KpiTargetInline(admin.TabularInline):
    model = KpiTarget
    extra = 1


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
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
