from django.urls import path
from django.utils.translation import pgettext_lazy

from residents import views, views_skills

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
    path("<int:pk>/skills/new/", views_skills.skills_new, name="skills_new"),
    path(
        "<int:pk>/skills/<int:assessment_pk>/edit/",
        views_skills.skills_edit,
        name="skills_edit",
    ),
    path(
        "<int:pk>/skills/<int:assessment_pk>/delete/",
        views_skills.skills_delete,
        name="skills_delete",
    ),
    path(
        "<int:pk>/skills/form.pdf", views_skills.skills_form_resident_pdf, name="skills_form_named"
    ),
    path("skills/form.pdf", views_skills.skills_form_pdf, name="skills_form"),
]

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "list": pgettext_lazy("audit page", "Resident list"),
    "create": pgettext_lazy("audit page", "New resident"),
    "detail": pgettext_lazy("audit page", "Resident's record"),
    "edit": pgettext_lazy("audit page", "Resident's record: edit"),
    "import": pgettext_lazy("audit page", "Resident list import"),
    "import_detail": pgettext_lazy("audit page", "Resident list import: result"),
    "import_confirm": pgettext_lazy("audit page", "Resident list import: confirmation"),
    "import_report": pgettext_lazy("audit page", "Resident list import: report download"),
    "duplicates": pgettext_lazy("audit page", "Possible duplicates"),
    "duplicate_resolve": pgettext_lazy("audit page", "Possible duplicate: resolve"),
    "skills_new": pgettext_lazy("audit page", "Self-assessment: enter answers"),
    "skills_edit": pgettext_lazy("audit page", "Self-assessment: correct answers"),
    "skills_delete": pgettext_lazy("audit page", "Self-assessment: delete"),
    "skills_form_named": pgettext_lazy("audit page", "Self-assessment paper form with name"),
    "skills_form": pgettext_lazy("audit page", "Self-assessment paper form (blank)"),
}
