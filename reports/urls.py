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

# The activity certificate (活動証明書) of a supporter (reports/views_certificate.py).
from reports import views_certificate  # noqa: E402

urlpatterns += [
    path(
        "supporters/certificate/",
        views_certificate.activity_certificate,
        name="activity_certificate",
    ),
]

urlpatterns += [
    path("", views.report_list, name="report_list"),
    path("<int:pk>/download", views.report_download, name="report_download"),
    path("venue-attendance.pdf", views.venue_month_attendance_pdf, name="venue_month_attendance"),
    path("kpi-targets/", views.kpi_targets, name="kpi_targets"),
]
