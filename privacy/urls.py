"""Disclosure and erasure pages (administrator only), under /residents/<pk>/ beside the record."""

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("<int:pk>/disclosure.<str:fmt>", views.disclosure_export, name="disclosure"),
    path("<int:pk>/erase/", views.erase, name="erase"),
]
