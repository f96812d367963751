"""Content Security Policy and CSRF: every page says where scripts may come from, our pages carry
no inline script or style, and no view takes a POST without a CSRF token."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kernel.confirm import CONFIRM_FIELD, CONFIRM_VALUE
from loans.models import Device
from tests.factories import DeviceFactory, LoanPolicyFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password

# An executable <script> written into the page: no src, and not a JSON data block (allowed by CSP).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I
)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)


def _directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in header.split(";")
        if part.strip()
    }


def _assert_no_inline_code(html: str, where: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> in {where}"
    assert not EVENT_HANDLER.search(html), f"inline event handler in {where}"
    assert not STYLE_ATTRIBUTE.search(html), f"style= attribute in {where}"
    assert not STYLE_ELEMENT.search(html), f"<style> element in {where}"


@pytest.fixture
def key_pages(staff_user, venue):
    session = SessionFactory(venue=venue)
    LoanPolicyFactory()
    DeviceFactory(home_venue=venue, status=Device.Status.AVAILABLE)
    return {
        "dashboard": reverse("dashboard"),
        "phone registration": reverse("classes:phone"),
        "session detail": reverse("classes:session_detail", args=[session.pk]),
        "loan checkout": reverse("loans:checkout"),
        "device list": reverse("loans:device_list"),
        "resident list": reverse("residents:list"),
        "supporter list": reverse("volunteers:supporter_list"),
        "security page": reverse("mfa_index"),
        "password change": reverse("account_change_password"),
    }


def test_key_pages_send_the_policy_and_carry_no_inline_script_or_style(client, key_pages):
    client.post(reverse("account_login"), {"login": "staff1", "password": PASSWORD})

    for name, url in key_pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        directives = _directives(response)
        assert directives["default-src"] == "'self'", name
        assert directives["script-src"] == "'self'", name
        assert directives["style-src"] == "'self'", name
        assert directives["img-src"] == "'self' data:", name
        assert directives["frame-ancestors"] == "'none'", name
        assert directives["form-action"] == "'self'", name
        assert directives["object-src"] == "'none'", name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        _assert_no_inline_code(response.content.decode(), name)


def test_login_and_two_factor_setup_pages_carry_no_inline_script_or_style(client, staff_user):
    cache.clear()
    login = client.get(reverse("account_login"))
    assert "Content-Security-Policy" in login.headers
    _assert_no_inline_code(login.content.decode(), "login")

    client.post(reverse("account_login"), {"login": "staff1", "password": PASSWORD})
    reauth = client.get(reverse("account_reauthenticate"))
    _assert_no_inline_code(reauth.content.decode(), "reauthenticate")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    assert "Content-Security-Policy" in setup.headers
    html = setup.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, allowed by img-src data:
    _assert_no_inline_code(html, "two-factor setup")
    cache.clear()


def test_no_template_of_ours_has_inline_script_or_style():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern.search(text).group(0)}")
    assert offenders == []


def _all_url_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _all_url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_view_is_exempt_from_csrf():
    routes = list(_all_url_patterns())
    exempt = [route for route, view in routes if getattr(view, "csrf_exempt", False)]

    assert len(routes) > 100  # the walk reached every app
    assert exempt == []


def test_a_post_without_the_csrf_token_is_refused(staff_user, venue):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    session = SessionFactory(venue=venue)

    response = browser.post(
        reverse("classes:session_cancel", args=[session.pk]), {"reason": "rain"}
    )

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status != "cancelled"

    # The same POST from the confirmation page's own form (token included) goes through.
    browser.get(reverse("classes:session_cancel", args=[session.pk]))
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        reverse("classes:session_cancel", args=[session.pk]),
        {"csrfmiddlewaretoken": token, CONFIRM_FIELD: CONFIRM_VALUE},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "cancelled"

    logout = browser.post(reverse("account_logout"))
    assert logout.status_code == 403
    assert browser.get(reverse("dashboard")).status_code == 200  # still logged in


def test_the_login_form_needs_its_csrf_token(staff_user):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("account_login"), {"login": "staff1", "password": PASSWORD})

    assert response.status_code == 403
    assert browser.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_pages_with_residents_are_not_stored_by_the_browser(staff_client, venue):
    resident = ResidentFactory(name="山田 花子")
    for url in (
        reverse("residents:list") + "?q=やまだ",
        reverse("residents:detail", args=[resident.pk]),
        reverse("classes:phone") + "?q=やまだ",
        reverse("dashboard"),
    ):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


@pytest.mark.django_db
def test_the_public_venue_feed_keeps_its_own_caching(client, venue):
    response = client.get(reverse("classes:venue_feed", args=[venue.pk]))
    assert response["Cache-Control"] == "public, max-age=900"
