"""Admin for the loan inventory and policy. Loans are made and closed on the loan pages (services);
the admin shows them and allows corrections of free-text fields only."""

from django.contrib import admin

from loans.models import Device, Loan, LoanPolicy


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ("asset_tag", "kind", "maker", "model_name", "serial", "status", "home_venue")
    list_filter = ("status", "kind", "condition", "home_venue")
    search_fields = ("asset_tag", "serial", "imei", "model_name", "sim_phone_number")
    list_select_related = ("home_venue",)


@admin.register(LoanPolicy)
class LoanPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "term_days", "max_renewals", "min_age", "max_active_loans", "is_active")
    list_filter = ("is_active",)


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("device", "resident", "venue", "status", "start_date", "due_date", "outcome")
    list_filter = ("status", "outcome", "venue")
    search_fields = ("device__asset_tag", "device__serial", "resident__name", "resident__name_kana")
    list_select_related = ("device", "resident", "venue")
    date_hierarchy = "start_date"
    # State changes (lend, return, renew, lost) go through loans.services so the device status,
    # the locks and the checks stay in one place.
    readonly_fields = (
        "device",
        "resident",
        "policy",
        "venue",
        "status",
        "start_date",
        "due_date",
        "renewals",
        "kit_handed_over",
        "returned_on",
        "kit_returned",
        "return_condition",
        "data_wiped_at",
        "overdue_noted_on",
        "created_at",
        "created_by",
        "returned_by",
    )

    def has_add_permission(self, request) -> bool:
        return False
