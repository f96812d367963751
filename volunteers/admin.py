from django.contrib import admin

from kernel import admin_dates as ranged
from volunteers.models import Assignment, Availability, Skill, Supporter


@admin.register(Skill)
class SkillAdmin(ranged.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class AvailabilityInline(ranged.TabularInline):
    model = Availability
    extra = 1


@admin.register(Supporter)
class SupporterAdmin(ranged.ModelAdmin):
    list_display = [
        "name",
        "name_kana",
        "kind",
        "organisation",
        "max_sessions_per_month",
        "is_active",
    ]
    list_filter = ["kind", "is_active", "skills"]
    search_fields = ["name", "name_kana", "organisation", "email"]
    filter_horizontal = ["skills"]
    raw_id_fields = ["user"]
    inlines = [AvailabilityInline]


@admin.register(Assignment)
class AssignmentAdmin(ranged.ModelAdmin):
    """Read-only: assignments are made on the assign page, which checks overlaps and limits."""

    list_display = ["session", "supporter", "status", "is_lead", "created_at"]
    list_filter = ["status", "is_lead"]
    search_fields = ["supporter__name", "supporter__name_kana", "session__title"]
    list_select_related = ["session__topic", "supporter"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Matching: the travel-time table is kept here by the administrator (volunteers/matching.py).
from volunteers.models import DistrictTravel  # noqa: E402


@admin.register(DistrictTravel)
class DistrictTravelAdmin(ranged.ModelAdmin):
    """Minutes between two districts (one row covers both directions; a missing pair uses
    settings.MATCHING_DEFAULT_TRAVEL_MINUTES, 30 by default)."""

    list_display = ["from_district", "to_district", "minutes"]
    search_fields = ["from_district", "to_district"]
