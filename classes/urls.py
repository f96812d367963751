from django.urls import path
from django.utils.translation import pgettext_lazy

from classes import views, views_phone, views_series

app_name = "classes"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_create, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("<int:pk>/attendance/", views.attendance_take, name="attendance_take"),
    path("<int:pk>/walk-in/", views.walk_in_add, name="walk_in_add"),
    path("phone/", views_phone.phone_registration, name="phone"),
    path("registrations/new/", views_phone.registration_create, name="register"),
    path("registrations/<int:pk>/", views_phone.registration_readback, name="readback"),
    path(
        "registrations/<int:pk>/cancel/",
        views_phone.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "registrations/<int:pk>/restore/",
        views_phone.registration_restore,
        name="registration_restore",
    ),
]

# Public calendar feeds (classes/views_feeds.py); supporters' own feeds are in volunteers.
from classes import views_feeds  # noqa: E402

urlpatterns += [
    path("calendar/", views_feeds.calendar_index, name="calendar_index"),
    path("venues/<int:pk>/calendar.ics", views_feeds.venue_feed, name="venue_feed"),
    path("series/<int:pk>/calendar.ics", views_feeds.series_feed, name="series_feed"),
]

from classes import views_calls  # noqa: E402 - the call lists, appended by their own module

urlpatterns += [
    path("calls/", views_calls.call_list, name="call_list"),
    path("calls/pdf/", views_calls.call_list_pdf, name="call_list_pdf"),
    path("calls/<int:pk>/", views_calls.call_entry_update, name="call_entry_update"),
]

urlpatterns += [
    path("series/", views_series.series_list, name="series_list"),
    path("series/new/", views_series.series_create, name="series_create"),
    path("series/<int:pk>/", views_series.series_detail, name="series_detail"),
    path(
        "series/<int:pk>/course/",
        views_series.series_register_course,
        name="series_register_course",
    ),
    path(
        "<int:pk>/edit-following/", views_series.series_edit_following, name="series_edit_following"
    ),
]

urlpatterns += [
    path("registrations/<int:pk>/move/", views_phone.registration_move, name="registration_move"),
]

from classes import views_consult  # noqa: E402 - consultation desk slots and salon walk-ins

urlpatterns += [
    path("<int:pk>/consultations/", views_consult.consult_slots, name="consult_slots"),
    path("<int:pk>/consultations/book/", views_consult.consult_book, name="consult_book"),
    path("consultations/<int:pk>/record/", views_consult.consult_record, name="consult_record"),
    path("consultations/<int:pk>/cancel/", views_consult.consult_cancel, name="consult_cancel"),
    path("<int:pk>/salon/", views_consult.salon_count, name="salon_count"),
]

from classes import views_offers  # noqa: E402 - seat offers: staff answers and the mail link

urlpatterns += [
    path("offers/<int:pk>/answer/", views_offers.offer_answer, name="offer_answer"),
    path("offer/<str:token>/", views_offers.offer_page, name="offer_page"),
]

from classes import views_caravan  # noqa: E402 - caravan mode (offline page, its sync)

urlpatterns += [
    # The service worker sits at the top of the caravan pages so that its scope covers them all.
    path("caravan/sw.js", views_caravan.caravan_service_worker, name="caravan_sw"),
    path("caravan/<int:pk>/", views_caravan.caravan_page, name="caravan"),
    path("caravan/<int:pk>/data/", views_caravan.caravan_data, name="caravan_data"),
    path("caravan/<int:pk>/token/", views_caravan.caravan_token, name="caravan_token"),
    path("caravan/<int:pk>/sync/", views_caravan.caravan_sync, name="caravan_sync"),
]

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "session_list": pgettext_lazy("audit page", "Sessions"),
    "session_create": pgettext_lazy("audit page", "New session"),
    "session_detail": pgettext_lazy("audit page", "Session"),
    "session_edit": pgettext_lazy("audit page", "Session: edit"),
    "session_cancel": pgettext_lazy("audit page", "Session: cancel"),
    "attendance_take": pgettext_lazy("audit page", "Attendance"),
    "walk_in_add": pgettext_lazy("audit page", "Walk-in"),
    "phone": pgettext_lazy("audit page", "Phone registration"),
    "register": pgettext_lazy("audit page", "Registration"),
    "readback": pgettext_lazy("audit page", "Registration read-back"),
    "registration_cancel": pgettext_lazy("audit page", "Registration: cancel"),
    "registration_restore": pgettext_lazy("audit page", "Registration: restore"),
    "calendar_index": pgettext_lazy("audit page", "Calendar feeds"),
    "venue_feed": pgettext_lazy("audit page", "Venue calendar feed"),
    "series_feed": pgettext_lazy("audit page", "Series calendar feed"),
    "call_list": pgettext_lazy("audit page", "Call list"),
    "call_list_pdf": pgettext_lazy("audit page", "Call list (PDF)"),
    "call_entry_update": pgettext_lazy("audit page", "Call list: record a call"),
    "series_list": pgettext_lazy("audit page", "Series"),
    "series_create": pgettext_lazy("audit page", "New series"),
    "series_detail": pgettext_lazy("audit page", "Series: detail"),
    "series_register_course": pgettext_lazy("audit page", "Series: register for the course"),
    "series_edit_following": pgettext_lazy("audit page", "Series: edit the following sessions"),
    "registration_move": pgettext_lazy("audit page", "Registration: move"),
    "consult_slots": pgettext_lazy("audit page", "Consultation slots"),
    "consult_book": pgettext_lazy("audit page", "Consultation: book"),
    "consult_record": pgettext_lazy("audit page", "Consultation: record"),
    "consult_cancel": pgettext_lazy("audit page", "Consultation: cancel"),
    "salon_count": pgettext_lazy("audit page", "Salon visitors"),
    "offer_answer": pgettext_lazy("audit page", "Seat offer: record the answer"),
    "offer_page": pgettext_lazy("audit page", "Seat offer (email link)"),
    "caravan_sw": pgettext_lazy("audit page", "Caravan mode: offline script"),
    "caravan": pgettext_lazy("audit page", "Caravan mode"),
    "caravan_data": pgettext_lazy("audit page", "Caravan mode: stored on a device"),
    "caravan_token": pgettext_lazy("audit page", "Caravan mode: new log-in token"),
    "caravan_sync": pgettext_lazy("audit page", "Caravan mode: records sent"),
}
