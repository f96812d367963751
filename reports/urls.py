from django.urls import path

from reports import views, views_calendar, views_certificate

app_name = "reports"

urlpatterns: list = [
    path("sessions/<int:pk>/attendance.pdf", views.attendance_sheet, name="attendance_sheet"),
    # Printable monthly calendar of a venue.
    path(
        "venues/<int:pk>/calendar/<int:year>/<int:month>.pdf",
        views_calendar.venue_calendar,
        name="venue_calendar",
    ),
    # The activity certificate (活動証明書) of a supporter.
    path(
        "supporters/certificate/",
        views_certificate.activity_certificate,
        name="activity_certificate",
    ),
    path("", views.report_list, name="report_list"),
    path("<int:pk>/download", views.report_download, name="report_download"),
    path("<int:pk>/retry", views.report_retry_view, name="report_retry"),
    path("venue-attendance.pdf", views.venue_month_attendance_pdf, name="venue_month_attendance"),
    path("kpi-targets/", views.kpi_targets, name="kpi_targets"),
]
