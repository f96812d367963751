from django.urls import path

from reports import views

app_name = "reports"

urlpatterns: list = [
    path("sessions/<int:pk>/attendance.pdf", views.attendance_sheet, name="attendance_sheet"),
]
