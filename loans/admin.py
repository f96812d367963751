"""Admin for the loan inventory and policy. Loans are made and closed on the loan pages (services);
the admin shows them and allows corrections of free-text fields only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kernel import admin_dates as ranged
from loans import services_devices
from loans.agreement_clauses import CLAUSES, PLACEHOLDERS, check_clause_text
from loans.models import (
    Device,
    DeviceEvent,
    Loan,
    LoanApplication,
    LoanCheckIn,
    LoanLottery,
    LoanPolicy,
)


class DeviceEventInline(ranged.TabularInline):
    model = DeviceEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "from_status", "to_status", "from_venue", "to_venue", "by", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _status_action(status: str, description):
    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        changed = 0
        for device in queryset:
            try:
                services_devices.device_status_change(
                    device=device, to_status=status, by=request.user, note=str(_("Admin"))
                )
            except ValidationError as exc:
                for message in exc.messages:
                    modeladmin.message_user(request, message, messages.ERROR)
            else:
                changed += 1
        if changed:
            modeladmin.message_user(
                request, _("%(count)s device(s) changed.") % {"count": changed}, messages.SUCCESS
            )

    action.__name__ = f"set_status_{status}"
    return action


@admin.register(Device)
class DeviceAdmin(ranged.ModelAdmin):
    list_display = ("asset_tag", "kind", "maker", "model_name", "serial", "status", "home_venue")
    list_filter = ("status", "kind", "condition", "home_venue")
    search_fields = ("asset_tag", "serial", "imei", "model_name", "sim_phone_number")
    list_select_related = ("home_venue",)
    fields = (
        "asset_tag",
        "kind",
        "maker",
        "model_name",
        "os",
        "serial",
        "imei",
        "sim_phone_number",
        "carrier",
        "data_plan",
        "sim_monthly_cost_yen",
        "accessories",
        "preinstalled_apps",
        "management_profile",
        "condition",
        "status",
        "home_venue",
        "notes",
    )
    inlines = [DeviceEventInline]
    # The status changes only through the services (actions below, lend, return, lost), so
    # every change is kept in the device's history.
    actions = [
        _status_action(Device.Status.AVAILABLE, _("Mark selected devices available")),
        _status_action(Device.Status.IN_REPAIR, _("Send selected devices to repair")),
        _status_action(Device.Status.RETIRED, _("Retire selected devices")),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ("status",) if obj is not None else ()


def _clause_field_name(key: str) -> str:
    return f"clause_{key}"


def _clause_field(clause) -> forms.CharField:
    placeholders = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    return forms.CharField(
        label=format_lazy(_("Clause: {heading}"), heading=clause.heading),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(
            _("Empty: the default text. Default: {text} Placeholders: {names}"),
            text=clause.default,
            names=placeholders,
        ),
    )


class _LoanPolicyAdminFormBase(forms.ModelForm):
    """The policy with one text box per agreement clause (stored in ``clause_texts``): empty
    prints the clause's default wording, shown under the box."""

    class Meta:
        model = LoanPolicy
        # Every field but the clause texts, which get a box per clause instead.
        fields = [
            f.name
            for f in LoanPolicy._meta.concrete_fields
            if not f.primary_key and f.name != "clause_texts"
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.instance.clause_texts or {}
        for clause in CLAUSES:
            self.fields[_clause_field_name(clause.key)].initial = saved.get(clause.key, "")

    def clean(self):
        data = super().clean() or {}
        for clause in CLAUSES:
            name = _clause_field_name(clause.key)
            problem = check_clause_text(data.get(name, ""))
            if problem:
                self.add_error(name, problem)
        return data

    def save(self, commit=True):
        self.instance.clause_texts = {
            clause.key: text
            for clause in CLAUSES
            if (text := self.cleaned_data.get(_clause_field_name(clause.key), "").strip())
        }
        return super().save(commit=commit)


# Declared fields, so the admin lists them: one per clause.
LoanPolicyAdminForm = type(
    "LoanPolicyAdminForm",
    (_LoanPolicyAdminFormBase,),
    {_clause_field_name(clause.key): _clause_field(clause) for clause in CLAUSES},
)


@admin.register(LoanPolicy)
class LoanPolicyAdmin(ranged.ModelAdmin):
    form = LoanPolicyAdminForm
    list_display = (
        "name",
        "term_days",
        "max_renewals",
        "min_age",
        "max_active_loans",
        "requires_resident_of_city",
        "requires_no_smartphone",
        "classes_to_attend",
        "is_active",
    )
    list_filter = ("is_active",)


class LoanCheckInInline(ranged.TabularInline):
    model = LoanCheckIn
    extra = 0
    can_delete = False
    fields = ("on", "channel", "functions_used", "difficulties", "satisfaction", "created_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Loan)
class LoanAdmin(ranged.ModelAdmin):
    inlines = [LoanCheckInInline]
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
        # Who signed goes through the loan page, which checks a proxy's name and relationship.
        "agreement_signed",
        "signed_by",
        "proxy_signer_name",
        "proxy_signer_relation",
        "unsigned_reason",
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


@admin.register(LoanApplication)
class LoanApplicationAdmin(ranged.ModelAdmin):
    list_display = (
        "resident",
        "policy",
        "status",
        "priority",
        "draw_position",
        "waitlist_position",
        "applied_at",
    )
    list_filter = ("status", "priority", "policy")
    search_fields = ("resident__name", "resident__name_kana")
    list_select_related = ("resident", "policy")
    # The lottery sets these; changing them by hand would make the draw unexplainable.
    readonly_fields = ("status", "priority", "lottery", "draw_position", "waitlist_position")


@admin.register(LoanLottery)
class LoanLotteryAdmin(ranged.ModelAdmin):
    list_display = ("policy", "held_at", "places", "seed", "held_by")
    readonly_fields = ("policy", "seed", "places", "result", "held_at", "held_by")

    def has_add_permission(self, request) -> bool:
        return False
