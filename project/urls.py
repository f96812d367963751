from django.contrib import admin
from django.urls import include, path
from django.utils.translation import pgettext_lazy

from dashboard import views
from kernel import views_audit, views_health
from volunteers import views_feeds as supporter_feeds

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views_health.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("residents/", include("privacy.urls")),
    # Supporters' calendar apps subscribed to this address before the feed moved to /supporters/:
    # it keeps answering, so nobody's calendar goes quiet.
    path(
        "sessions/feeds/supporters/<str:token>.ics",
        supporter_feeds.supporter_feed,
        name="supporter_feed_earlier_address",
    ),
    path("sessions/", include("classes.urls")),
    path("loans/", include("loans.urls")),
    path("supporters/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", views_audit.audit_list, name="audit_list"),
]
# Nothing under MEDIA_ROOT (uploaded resident lists, generated reports) has a URL, not even with
# DEBUG on: files go out only through views that check the user's rights (reports:report_download).

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "dashboard": pgettext_lazy("audit page", "Dashboard"),
    "healthz": pgettext_lazy("audit page", "Health check"),
    "set_language": pgettext_lazy("audit page", "Language choice"),
    "account_login": pgettext_lazy("audit page", "Log-in"),
    "account_change_password": pgettext_lazy("audit page", "Password change"),
    "account_reset_password": pgettext_lazy("audit page", "Password reset"),
    "supporter_feed_earlier_address": pgettext_lazy(
        "audit page", "Supporter's calendar feed (earlier address)"
    ),
    "audit_list": pgettext_lazy("audit page", "Audit trail"),
    "mfa_index": pgettext_lazy("audit page", "Two-factor authentication"),
}
