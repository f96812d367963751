from django.urls import path
from django.utils.translation import pgettext_lazy

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

# A supporter's calendar link and secret feed (volunteers/views_feeds.py).
from volunteers import views_feeds  # noqa: E402

urlpatterns += [
    path("mine/calendar/", views_feeds.my_calendar_link, name="my_calendar_link"),
    path("<int:pk>/calendar/", views_feeds.supporter_calendar_link, name="supporter_calendar_link"),
    path("feeds/<str:token>.ics", views_feeds.supporter_feed, name="supporter_feed"),
]

# Supporters' answers and hours (volunteers/views_replies.py, volunteers/views_hours.py).
from volunteers import views_hours, views_replies  # noqa: E402

urlpatterns += [
    path(
        "mine/<int:pk>/cancel/", views_replies.my_assignment_withdraw, name="my_assignment_withdraw"
    ),
    path("mine/hours/", views_hours.my_hours, name="my_hours"),
    path("replies/", views_replies.withdrawal_list, name="withdrawals"),
    path(
        "sessions/<int:session_pk>/replacements/",
        views_replies.replacements,
        name="replacements",
    ),
    path(
        "sessions/<int:session_pk>/check-in/",
        views_hours.session_check_in,
        name="session_check_in",
    ),
    path("assignments/<int:pk>/check/", views_hours.assignment_check, name="assignment_check"),
    path("hours/", views_hours.hours_approval, name="hours_approval"),
]

# Matching and availability (volunteers/views_matching.py).
from volunteers import views_matching  # noqa: E402

urlpatterns += [
    path("matching/", views_matching.matching_home, name="matching"),
    path("matching/<int:pk>/", views_matching.match_run_detail, name="match_run_detail"),
    path("matching/<int:pk>/rerun/", views_matching.match_run_rerun, name="match_run_rerun"),
    path("matching/<int:pk>/publish/", views_matching.match_run_publish, name="match_run_publish"),
    path(
        "matching/proposals/<int:pk>/<slug:action>/",
        views_matching.match_proposal_action,
        name="match_proposal_action",
    ),
    path("mine/availability/", views_matching.my_availability, name="my_availability"),
    path(
        "<int:pk>/availability/",
        views_matching.supporter_availability,
        name="supporter_availability",
    ),
]

# The pages' names in words, for the audit trail (kernel.audit_display): URL name -> name.
PAGE_NAMES = {
    "supporter_list": pgettext_lazy("audit page", "Supporters"),
    "supporter_create": pgettext_lazy("audit page", "New supporter"),
    "supporter_detail": pgettext_lazy("audit page", "Supporter"),
    "supporter_edit": pgettext_lazy("audit page", "Supporter: edit"),
    "assign": pgettext_lazy("audit page", "Assign supporters"),
    "assignment_cancel": pgettext_lazy("audit page", "Assignment: cancel"),
    "assignment_respond": pgettext_lazy("audit page", "Assignment: answer"),
    "my_assignments": pgettext_lazy("audit page", "My assignments"),
    "my_assignment_detail": pgettext_lazy("audit page", "My assignment"),
    "my_calendar_link": pgettext_lazy("audit page", "My calendar link"),
    "supporter_calendar_link": pgettext_lazy("audit page", "Supporter's calendar link"),
    "supporter_feed": pgettext_lazy("audit page", "Supporter's calendar feed"),
    "my_assignment_withdraw": pgettext_lazy("audit page", "My assignment: withdraw"),
    "my_hours": pgettext_lazy("audit page", "My hours"),
    "withdrawals": pgettext_lazy("audit page", "Withdrawals and declines"),
    "replacements": pgettext_lazy("audit page", "Replacements"),
    "session_check_in": pgettext_lazy("audit page", "Supporters' check-in"),
    "assignment_check": pgettext_lazy("audit page", "Supporter: check in or out"),
    "hours_approval": pgettext_lazy("audit page", "Hours approval"),
    "matching": pgettext_lazy("audit page", "Matching"),
    "match_run_detail": pgettext_lazy("audit page", "Matching proposal"),
    "match_run_rerun": pgettext_lazy("audit page", "Matching proposal: run again"),
    "match_run_publish": pgettext_lazy("audit page", "Matching proposal: publish"),
    "match_proposal_action": pgettext_lazy("audit page", "Matching proposal: change a pairing"),
    "my_availability": pgettext_lazy("audit page", "My availability"),
    "supporter_availability": pgettext_lazy("audit page", "Supporter's availability"),
}
