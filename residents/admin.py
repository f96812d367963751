from django.contrib import admin

from kernel import admin_dates as ranged
from residents.models import Resident, ResidentImport


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
