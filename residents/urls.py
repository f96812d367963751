from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("new/", views.resident_create, name="create"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/edit/", views.resident_edit, name="edit"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/report", views.import_report_download, name="import_report"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/<int:pk>/resolve/", views.duplicate_resolve, name="duplicate_resolve"),
]
