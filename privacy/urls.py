"""Disclosure and erasure pages (administrator only), under /residents/<pk>/ beside the record."""

from django.urls import path
from django.utils.translation import pgettext_lazy

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("<int:pk>/disclosure.<str:fmt>", views.disclosure_export, name="disclosure"),
    path("<int:pk>/erase/", views.erase, name="erase"),
]

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "disclosure": pgettext_lazy("audit page", "Disclosure of personal data"),
    "erase": pgettext_lazy("audit page", "Erasure of personal data"),
}
