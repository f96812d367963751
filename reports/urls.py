from django.urls import path

from reports import views

app_name = "reports"

urlpatterns: list = [
    path("sessions/<int:pk>/attendance.pdf", views.attendance_sheet, name="attendance_sheet"),
]

# Printable monthly calendar of a venue (reports/views_calendar.py).
from reports import views_calendar  # noqa: E402

urlpatterns += [
    path(
        "venues/<int:pk>/calendar/<int:year>/<int:month>.pdf",
        views_calendar.venue_calendar,
        name="venue_calendar",
    ),
]
