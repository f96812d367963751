"""Least privilege, written down: what each role gets on a GET of every URL of the project.

``tests/project/test_url_permissions.py`` walks every named URL pattern (``django.urls``
resolver, recursively, admin and allauth included) and requests it as each persona. A URL name
missing from ``URLS`` fails that test: adding a page means adding its line here.

How to add a line: ``"app:name": E(OBJECT, admin, staff, other_staff, coordinator, supporter,
anonymous),`` where OBJECT is the key in the ``world`` fixture of the test for the URL's arguments (None when it
has none) and each answer is one of the codes below. "staff" is staff of the venue the object
belongs to; "other_staff" is staff of another venue, who must get 404 for a venue-scoped object.

Django admin (``admin:*``) follows a rule instead of lines (see ``admin_expected``): the admin
site is for superusers (``is_staff``); none of the six personas is one, so every admin page
answers them with a redirect to the admin login, except the few listed in ``ADMIN_EXCEPTIONS``.
A separate test walks the admin as a superuser (no 500, audit trail read-only).
"""

from dataclasses import dataclass

OK = 200
LOGIN = "login"  # 302 to the login page (account_login)
ADMIN_LOGIN = "admin_login"  # 302 to the admin site's login page
REDIRECT = "redirect"  # 302 somewhere else (e.g. a supporter's dashboard → their assignments)
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405  # POST-only view

PERSONAS = ("administrator", "staff", "other_staff", "coordinator", "supporter", "anonymous")


@dataclass(frozen=True)
class E:
    """Expected answers of one URL: the object its arguments point at, then one code per persona
    in ``PERSONAS`` order."""

    obj: str | None
    administrator: object
    staff: object
    other_staff: object
    coordinator: object
    supporter: object
    anonymous: object

    def for_persona(self, persona: str) -> object:
        return getattr(self, persona)


@dataclass(frozen=True)
class P:
    """Expected answers of one URL to a POST: the key of the body in the test's
    ``world["post"]`` (None: an empty POST, a form sent blank), then one code per persona in
    ``PERSONAS`` order. With a body, staff of this venue must change something."""

    data: str | None
    administrator: object
    staff: object
    other_staff: object
    coordinator: object
    supporter: object
    anonymous: object

    def for_persona(self, persona: str) -> object:
        return getattr(self, persona)


def _all(obj, code) -> E:
    return E(obj, code, code, code, code, code, code)


# One line per URL name (formatter off so that each stays one line).
# fmt: off
URLS: dict[str, E] = {
    # --- Project pages (no namespace)
    "audit_list": E(None, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "dashboard": E(None, OK, OK, OK, OK, REDIRECT, LOGIN),
    "healthz": E(None, OK, OK, OK, OK, OK, OK),
    "supporter_feed_earlier_address": E("feed_token", OK, OK, OK, OK, OK, OK),
    "set_language": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
    # --- Accounts (allauth; mfa_* from allauth.mfa)
    "account_change_password": E(None, OK, OK, OK, OK, OK, LOGIN),
    "account_confirm_email": E("email_key", OK, OK, OK, OK, OK, OK),
    "account_confirm_login_code": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "account_confirm_reauthentication_code": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "account_email": E(None, OK, OK, OK, OK, OK, LOGIN),
    "account_email_verification_sent": E(None, OK, OK, OK, OK, OK, OK),
    "account_inactive": E(None, OK, OK, OK, OK, OK, OK),
    "account_login": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, OK),
    "account_logout": E(None, OK, OK, OK, OK, OK, LOGIN),
    "account_reauthenticate": E(None, OK, OK, OK, OK, OK, LOGIN),
    "account_request_reauthentication_code": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "account_reset_password": E(None, OK, OK, OK, OK, OK, OK),
    "account_reset_password_done": E(None, OK, OK, OK, OK, OK, OK),
    "account_reset_password_from_key": E("reset_key", OK, OK, OK, OK, OK, OK),
    "account_reset_password_from_key_done": E(None, OK, OK, OK, OK, OK, OK),
    "account_set_password": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "account_signup": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, OK),
    "mfa_activate_totp": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "mfa_authenticate": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "mfa_deactivate_totp": E(None, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN),
    "mfa_download_recovery_codes": E(None, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN),
    "mfa_generate_recovery_codes": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "mfa_index": E(None, OK, OK, OK, OK, OK, LOGIN),
    "mfa_reauthenticate": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, LOGIN),
    "mfa_view_recovery_codes": E(None, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN),
    # --- Residents
    "residents:create": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:detail": E("resident", OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "privacy:disclosure": E("resident_csv", OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:duplicate_resolve": E("duplicate", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "residents:duplicates": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:edit": E("resident", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "privacy:erase": E("resident", OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:import": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:import_detail": E("resident_import", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:import_confirm": E("resident_import", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "residents:import_report": E("resident_import", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:list": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "residents:skills_form": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:skills_form_named": E("resident", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:skills_new": E("resident", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:skills_edit": E("skill_assessment", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    # The confirmation page (kernel.confirm): nothing is deleted by a GET.
    "residents:skills_delete": E("skill_assessment", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    # --- Sessions, registrations, calls, consultations, feeds
    "classes:attendance_take": E("session", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:calendar_index": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "classes:call_entry_update": E("call_entry", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:call_list": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:call_list_pdf": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:consult_book": E(
        "consult_session",
        NOT_ALLOWED,
        NOT_ALLOWED,
        NOT_ALLOWED,
        NOT_ALLOWED,
        NOT_ALLOWED,
        NOT_ALLOWED,
    ),
    "classes:consult_cancel": E("consultation", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:consult_record": E("consultation", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:consult_slots": E("consult_session", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "volunteers:my_calendar_link": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "classes:offer_answer": E("seat_offer", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    # The seat offer mail's link: no login, the signed token is the key (GET shows, POST decides).
    "classes:offer_page": E("offer_token", OK, OK, OK, OK, OK, OK),
    "classes:phone": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:readback": E("registration", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:register": E(None, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:registration_cancel": E("registration", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:registration_restore": E("registration", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:registration_move": E("registration", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:salon_count": E("salon_session", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    # Caravan mode: the JSON endpoints answer an expired login with 403 JSON, never a redirect;
    # the service worker script holds no data and is public.
    "classes:caravan": E("caravan_session", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:caravan_data": E("caravan_session", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "classes:caravan_token": E("caravan_session", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "classes:caravan_sync": E("caravan_session", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:caravan_sw": E(None, OK, OK, OK, OK, OK, OK),
    "classes:series_create": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:series_detail": E("series", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "classes:series_edit_following": E("session", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:series_feed": E("series", OK, OK, OK, OK, OK, OK),
    "classes:series_list": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "classes:series_register_course": E("series", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "classes:session_cancel": E("session", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:session_create": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:session_detail": E("session", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "classes:session_edit": E("session", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:session_list": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_calendar_link": E("supporter", OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_feed": E("feed_token", OK, OK, OK, OK, OK, OK),
    "classes:venue_feed": E("venue", OK, OK, OK, OK, OK, OK),
    "classes:walk_in_add": E("session", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    # --- Device loans
    "loans:agreement_draft": E(None, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:agreement_pdf": E("loan", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:agreement_signed": E("loan", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:application_add": E(None, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:applications": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:check_in": E("loan", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:checkout": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:device_detail": E("device", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:device_list": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:follow_up": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:loan_detail": E("loan", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:loan_list": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:lottery_detail": E("lottery", OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:lottery_draw": E(None, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:mark_lost": E("loan", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:renew": E("loan", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:reservation_cancel": E("device", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "loans:reserve": E(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:return": E("loan", OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:return_receipt_pdf": E("loan", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    # --- Supporters
    "volunteers:assign": E("session_pk", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "volunteers:assignment_cancel": E("assignment", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "volunteers:assignment_check": E("assignment", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "volunteers:assignment_respond": E("assignment", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "volunteers:hours_approval": E(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:my_assignment_detail": E("assignment", FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:my_assignment_withdraw": E("assignment", FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:my_assignments": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:my_hours": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:replacements": E("session_pk", OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:session_check_in": E("session_pk", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_create": E(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_detail": E("supporter", OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_edit": E("supporter", OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_list": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "volunteers:withdrawals": E(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:match_proposal_action": E("match_proposal", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "volunteers:match_run_detail": E("match_run", OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:match_run_publish": E("match_run", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "volunteers:match_run_rerun": E("match_run", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "volunteers:matching": E(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:my_availability": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:supporter_availability": E("supporter", OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    # --- Reports
    "reports:activity_certificate": E(None, OK, FORBIDDEN, FORBIDDEN, OK, OK, LOGIN),
    "reports:attendance_sheet": E("session", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "reports:kpi_targets": E(None, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "reports:loan_register": E(None, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "reports:national_export": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "reports:report_download": E("report", OK, OK, NOT_FOUND, OK, FORBIDDEN, LOGIN),
    "reports:report_list": E(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "reports:report_retry": E("report", NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED),
    "reports:venue_calendar": E("venue_month", OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "reports:venue_month_attendance": E(None, REDIRECT, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, LOGIN),
}
# fmt: on

# Admin pages that do not follow the admin rule (see ``admin_expected``).
ADMIN_EXCEPTIONS: dict[str, E] = {
    # allauth guards the admin login (project/admin.py): a logged-in user who is not staff is
    # refused, an anonymous one is sent to the site's own login page.
    "admin:login": E(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "admin:logout": _all(None, REDIRECT),
}


def admin_expected(name: str, persona: str) -> object:
    """The admin rule: every admin page redirects the six personas to the admin login."""
    if name in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[name].for_persona(persona)
    return ADMIN_LOGIN


# What a POST gets, for every project URL that takes one (allauth's and the admin's forms are
# theirs). "staff" is staff of the venue the object belongs to: their POST succeeds (REDIRECT)
# or shows the form with its errors (OK, or 400); "other_staff" must get 404 (or 403) and
# change nothing. The data key names a real submission (see the ``world`` fixture).
# fmt: off
POSTS: dict[str, P] = {
    "classes:attendance_take": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    # A form body is no JSON list of records: 400 with a message, nothing saved.
    "classes:caravan_sync": P(None, 400, 400, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "classes:call_entry_update": P("call_done", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:consult_book": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:consult_cancel": P("confirmed", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:consult_record": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:offer_answer": P("offer_accept", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:register": P("register", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:registration_cancel": P("confirmed", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:registration_restore": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:registration_move": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:salon_count": P(None, OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:series_create": P(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:series_edit_following": P(None, OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:series_register_course": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:session_cancel": P("confirmed", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:session_create": P(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:session_edit": P(None, OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "classes:walk_in_add": P("walk_in", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:agreement_signed": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:application_add": P("application", REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:check_in": P("check_in", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:checkout": P(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:lottery_draw": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:mark_lost": P("mark_lost", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:renew": P(None, REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:reservation_cancel": P("reservation_cancel", REDIRECT, REDIRECT, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:reserve": P(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "loans:return": P(None, OK, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, LOGIN),
    "privacy:erase": P(None, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "reports:kpi_targets": P(None, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN),
    "reports:loan_register": P(None, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "reports:national_export": P(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "reports:report_retry": P(None, REDIRECT, REDIRECT, NOT_FOUND, REDIRECT, FORBIDDEN, LOGIN),
    "reports:report_list": P(None, OK, OK, OK, OK, FORBIDDEN, LOGIN),
    "residents:create": P(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:duplicate_resolve": P(None, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:edit": P("edit_resident", REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:import": P(None, OK, OK, OK, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:import_confirm": P(None, REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    # A blank form is answered with the form and its messages (400).
    "residents:skills_new": P("skills", REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:skills_edit": P("skills", REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "residents:skills_delete": P("confirmed", REDIRECT, REDIRECT, REDIRECT, FORBIDDEN, FORBIDDEN, LOGIN),
    "volunteers:assign": P(None, REDIRECT, FORBIDDEN, NOT_FOUND, REDIRECT, FORBIDDEN, LOGIN),
    # Without ``confirmed`` (no data here: staff may not cancel, so no staff submission) it asks.
    "volunteers:assignment_cancel": P(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:assignment_check": P(None, REDIRECT, REDIRECT, NOT_FOUND, REDIRECT, REDIRECT, LOGIN),
    "volunteers:assignment_respond": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, REDIRECT, REDIRECT, LOGIN),
    "volunteers:hours_approval": P(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:match_proposal_action": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, REDIRECT, FORBIDDEN, LOGIN),
    "volunteers:match_run_publish": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, REDIRECT, FORBIDDEN, LOGIN),
    "volunteers:match_run_rerun": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, REDIRECT, FORBIDDEN, LOGIN),
    "volunteers:matching": P(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:my_assignment_withdraw": P(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:my_availability": P(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN),
    "volunteers:my_calendar_link": P(None, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, REDIRECT, LOGIN),
    "volunteers:replacements": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, REDIRECT, FORBIDDEN, LOGIN),
    "volunteers:supporter_availability": P(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_calendar_link": P(None, REDIRECT, FORBIDDEN, FORBIDDEN, REDIRECT, FORBIDDEN, LOGIN),
    "volunteers:supporter_create": P(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
    "volunteers:supporter_edit": P(None, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, LOGIN),
}
# fmt: on

# Objects every venue shares (residents are the people served by all): staff of another venue
# may change them, so their POST lines are not held to "other_staff changes nothing".
SHARED = frozenset(
    {
        "residents:create",
        "residents:edit",
        "residents:import",
        "residents:import_confirm",
        "residents:duplicate_resolve",
        "residents:skills_new",
        "residents:skills_edit",
        "residents:skills_delete",
    }
)
