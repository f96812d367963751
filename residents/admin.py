from django.contrib import admin

from kernel import admin_dates as ranged
from residents.models import Resident, ResidentImport, SkillItem


@admin.register(Resident)
class ResidentAdmin(ranged.ModelAdmin):
    list_display = ("name", "name_kana", "birth_date", "phone", "district", "own_device")
    list_filter = ("own_device", "household", "consent_given", "district")
    search_fields = ("name", "search_name", "name_kana", "search_kana", "phone", "phone_digits")
    raw_id_fields = ("possible_duplicate_of", "source_import", "created_by")
    readonly_fields = ("created_at",)


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
