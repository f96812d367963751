from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_create, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("<int:pk>/attendance/", views.attendance_take, name="attendance_take"),
    path("<int:pk>/walk-in/", views.walk_in_add, name="walk_in_add"),
    path("phone/", views.phone_registration, name="phone"),
    path("registrations/new/", views.registration_create, name="register"),
    path("registrations/<int:pk>/", views.registration_readback, name="readback"),
    path("registrations/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
]
