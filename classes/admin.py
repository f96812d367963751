from django.contrib import admin

from classes.models import (
    CallListEntry,
    Organiser,
    Registration,
    Series,
    Session,
    Topic,
    Venue,
    VenueClosure,
)
from kernel import admin_dates as ranged


@admin.register(Venue)
class VenueAdmin(ranged.ModelAdmin):
    list_display = ("code", "name", "district", "kind", "default_seats", "phone", "is_active")
    search_fields = ("code", "name", "name_kana", "district", "address")
    # What staff read back on the phone (address, access, phone) sits with the name.
    fields = (
        ("code", "is_active"),
        ("name", "name_kana"),
        ("district", "kind", "default_seats"),
        "address",
        "access",
        "phone",
        "offer_window_hours",
    )
    list_filter = ("kind", "district", "is_active")


@admin.register(Topic)
class TopicAdmin(ranged.ModelAdmin):
    list_display = ("code", "title", "level", "minutes")
    search_fields = ("code", "title", "title_en")
    list_filter = ("level",)


@admin.register(Organiser)
class OrganiserAdmin(ranged.ModelAdmin):
    list_display = ("name", "kind")


class RegistrationInline(ranged.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ("resident",)
    readonly_fields = ("created_at", "created_by")


@admin.register(Session)
class SessionAdmin(ranged.ModelAdmin):
    list_display = ("starts_at", "kind", "title", "topic", "venue", "seats", "status")
    list_filter = ("kind", "status", "venue")
    search_fields = ("title", "topic__title", "venue__name", "place")
    date_hierarchy = "starts_at"
    list_select_related = ("topic", "venue")
    inlines = [RegistrationInline]


@admin.register(Registration)
class RegistrationAdmin(ranged.ModelAdmin):
    list_display = ("session", "resident", "status", "attendance", "created_at")
    list_filter = ("status", "attendance")
    raw_id_fields = ("session", "resident")
    list_select_related = ("session", "resident", "session__topic", "session__venue")


@admin.register(VenueClosure)
class VenueClosureAdmin(ranged.ModelAdmin):
    list_display = ("venue", "date", "reason")
    list_filter = ("venue",)
    date_hierarchy = "date"


@admin.register(Series)
class SeriesAdmin(ranged.ModelAdmin):
    list_display = ("__str__", "venue", "kind")
    list_filter = ("kind", "venue")


@admin.register(CallListEntry)
class CallListEntryAdmin(ranged.ModelAdmin):
    list_display = ("registration", "reason", "status", "called_at", "sent_at", "last_error")
    list_filter = ("reason", "status")
    raw_id_fields = ("registration",)
    list_select_related = ("registration__resident", "registration__session")


from classes.models import Consultation  # noqa: E402 - appended with the consultation desk


@admin.register(Consultation)
class ConsultationAdmin(ranged.ModelAdmin):
    list_display = ("slot_start", "session", "resident", "category", "resolved")
    list_filter = ("category", "resolved")
    raw_id_fields = ("session", "resident")
    list_select_related = ("session", "session__topic", "resident")
    date_hierarchy = "slot_start"
