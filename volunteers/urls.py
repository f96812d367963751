from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.supporter_list, name="supporter_list"),
    path("new/", views.supporter_create, name="supporter_create"),
    path("<int:pk>/", views.supporter_detail, name="supporter_detail"),
    path("<int:pk>/edit/", views.supporter_edit, name="supporter_edit"),
    path("assign/<int:session_pk>/", views.assign, name="assign"),
    path("assignments/<int:pk>/cancel/", views.assignment_cancel, name="assignment_cancel"),
    path("assignments/<int:pk>/respond/", views.assignment_respond, name="assignment_respond"),
    path("mine/", views.my_assignments, name="my_assignments"),
    path("mine/<int:pk>/", views.my_assignment_detail, name="my_assignment_detail"),
]
