from django.urls import path
from django.utils.translation import pgettext_lazy

from reports import views, views_calendar, views_certificate, views_loan_register

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
    path("national/", views.national_export, name="national_export"),
    # Asked for from the loan list; made in the background like the reports.
    path("loan-register/", views_loan_register.loan_register, name="loan_register"),
]

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "attendance_sheet": pgettext_lazy("audit page", "Attendance sheet (PDF)"),
    "venue_calendar": pgettext_lazy("audit page", "Venue calendar (PDF)"),
    "activity_certificate": pgettext_lazy("audit page", "Activity certificate"),
    "report_list": pgettext_lazy("audit page", "Reports"),
    "report_download": pgettext_lazy("audit page", "Report download"),
    "report_retry": pgettext_lazy("audit page", "Report: try again"),
    "venue_month_attendance": pgettext_lazy("audit page", "Venue attendance of the month (PDF)"),
    "kpi_targets": pgettext_lazy("audit page", "KPI targets"),
    "national_export": pgettext_lazy("audit page", "National program units"),
    "loan_register": pgettext_lazy("audit page", "Loan register: make the file"),
}
