from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from project import views, views_audit

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("sessions/", include("classes.urls")),
    path("loans/", include("loans.urls")),
    path("supporters/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", views_audit.audit_list, name="audit_list"),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
