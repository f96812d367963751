from django.contrib import admin
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from kernel import admin_dates as ranged
from residents.models import Resident, ResidentImport, SkillItem
from residents.selectors import resident_search

# The admin's search shows at most this many residents (two pages of the list).
ADMIN_SEARCH_LIMIT = 200
DISTRICTS_CACHE_KEY = "residents:admin-districts"
DISTRICTS_CACHE_SECONDS = 3600


class DistrictFilter(admin.SimpleListFilter):
    """Residents of one district. The choices are the districts residents have, read once an
    hour (DISTRICTS_CACHE_SECONDS): finding them reads the whole table (0.5 s for a million
    residents), which Django's own field filter did for every page of the list."""

    title = _("district")
    parameter_name = "district"

    def lookups(self, request, model_admin):
        districts = cache.get(DISTRICTS_CACHE_KEY)
        if districts is None:
            districts = list(
                Resident.objects.exclude(district="")
                .order_by("district")
                .values_list("district", flat=True)
                .distinct()
            )
            cache.set(DISTRICTS_CACHE_KEY, districts, DISTRICTS_CACHE_SECONDS)
        return [(district, district) for district in districts]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(district=value) if value else queryset


@admin.register(Resident)
class ResidentAdmin(ranged.ModelAdmin):
    list_display = ("name", "name_kana", "birth_date", "phone", "district", "own_device")
    list_filter = ("own_device", "household", "consent_given", DistrictFilter)
    # The search box runs the phone search (get_search_results), not icontains over six columns:
    # that scanned a million rows (6.5 s at scale 10). search_fields only makes the box appear.
    search_fields = ("search_kana",)
    search_help_text = _(
        "Kana, name, phone number (or its last digits) or birth date, as in the phone search; "
        "at most 200 residents, in kana order."
    )
    # A million residents: no second COUNT of the whole table beside a filtered one.
    show_full_result_count = False
    raw_id_fields = ("possible_duplicate_of", "source_import", "created_by")
    readonly_fields = ("created_at",)

    def get_search_results(self, request, queryset, search_term):
        """The residents the phone search finds for ``search_term`` (``resident_search``: each
        kind of key answered by its own index), at most ADMIN_SEARCH_LIMIT, within ``queryset``
        (the list's filters). Returns (queryset, may_have_duplicates=False)."""
        if not search_term.strip():
            return queryset, False
        found = resident_search(query=search_term, limit=ADMIN_SEARCH_LIMIT)
        ids = list(found.values_list("pk", flat=True))
        return queryset.filter(pk__in=ids), False


@admin.register(ResidentImport)
class ResidentImportAdmin(ranged.ModelAdmin):
    list_display = (
        "file_name",
        "created_at",
        "created_by",
        "rows_total",
        "rows_imported",
        "rows_flagged",
        "rows_rejected",
    )
    # Nothing about a run is edited afterwards: the report is what was done.
    readonly_fields = (*list_display, "report")

    def has_add_permission(self, request):
        return False  # imports run through the upload page or the command, which check the file


@admin.register(SkillItem)
class SkillItemAdmin(ranged.ModelAdmin):
    """The できること items: wording in Japanese and English, order, and whether they are asked.
    An item with answers cannot be deleted; untick "asked" instead."""

    list_display = ("position", "text", "text_en", "code", "is_active")
    list_display_links = ("text",)
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("text", "text_en", "code")
    ordering = ("position", "id")
