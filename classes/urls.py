from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("phone/", views.phone_registration, name="phone"),
]
