from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from project import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("sessions/", include("classes.urls")),
    path("loans/", include("loans.urls")),
    path("supporters/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
