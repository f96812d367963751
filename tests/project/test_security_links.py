"""Secret links: supporters' calendar-feed URLs and invitation (set-password) mails.

Both are unguessable; a feed link is revoked by making a new one; an invitation link works once
and expires after settings.PASSWORD_RESET_TIMEOUT.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from kernel.models import Role
from tests.factories import SupporterFactory, make_user
from tests.project.admin_forms import user_add_data
from volunteers import feeds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_clear_cache")]

JST = ZoneInfo("Asia/Tokyo")
PASSWORD = "pass-1234-word"
NEW_PASSWORD = "Kouminkan-desk-2026"
BAD_LINK = "The password reset link was invalid"


@pytest.fixture
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


# --- calendar feeds -----------------------------------------------------------------------------


def test_feed_keys_are_long_random_and_distinct():
    supporters = [SupporterFactory() for _ in range(20)]
    keys = [feeds.supporter_feed_token_ensure(supporter=s) for s in supporters]

    assert len(set(keys)) == 20
    # token_urlsafe(32): 32 random bytes = 256 bits, 43 URL-safe characters.
    assert all(len(key) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", key) for key in keys)


def test_a_new_feed_link_revokes_the_old_one(client):
    supporter = SupporterFactory()
    old = feeds.supporter_feed_token_ensure(supporter=supporter)
    old_url = reverse("volunteers:supporter_feed", args=[old])
    response = client.get(old_url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"

    new = feeds.supporter_feed_token_reset(supporter=supporter)

    assert new != old
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("volunteers:supporter_feed", args=[new])).status_code == 200


def test_a_wrong_or_truncated_feed_key_is_404(client):
    supporter = SupporterFactory()
    key = feeds.supporter_feed_token_ensure(supporter=supporter)

    for guess in (key[:-1], key[:-1] + ("A" if key[-1] != "A" else "B"), "x" * 43):
        assert client.get(reverse("volunteers:supporter_feed", args=[guess])).status_code == 404


# --- invitations --------------------------------------------------------------------------------


@pytest.fixture
def invitee(db, venue):
    user = make_user(Role.STAFF, venues=[venue], username="newdesk")
    user.email = "newdesk@example.jp"
    user.first_name = "花子"
    user.last_name = "鈴木"
    user.set_unusable_password()  # the administrator chose "password-based login: disabled"
    user.save()
    return user


@pytest.fixture
def root_client(client):
    root = get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD)
    client.force_login(root)
    return client


def _invite(root_client, *users) -> None:
    response = root_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "send_invitation", "_selected_action": [str(u.pk) for u in users]},
        follow=True,
    )
    assert response.status_code == 200
    return response


def _link_from_mail(message) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def _set_password(client, link: str, password: str = NEW_PASSWORD):
    """Open the link as the invitee would and choose a password; return the last response."""
    response = client.get(link, follow=True)
    if BAD_LINK in response.content.decode():
        return response
    form_url = response.redirect_chain[-1][0]
    return client.post(form_url, {"password1": password, "password2": password}, follow=True)


def test_administrator_invites_and_the_link_sets_the_password_once(root_client, invitee):
    response = _invite(root_client, invitee)
    assert "Invitations sent: 1." in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newdesk@example.jp"]
    assert "newdesk" in message.body  # the user name to log in with
    assert "3 days" in message.body
    link = _link_from_mail(message)
    root_client.logout()

    response = _set_password(root_client, link)

    assert response.status_code == 200
    assert BAD_LINK not in response.content.decode()
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)
    login = root_client.post(
        reverse("account_login"), {"login": "newdesk", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert login.url == reverse("dashboard")
    root_client.post(reverse("account_logout"))

    # Used once: the same link no longer opens the form, and cannot set another password.
    again = _set_password(root_client, link, password="Another-pass-2026")
    assert BAD_LINK in again.content.decode()
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)


def test_invitation_link_expires_after_three_days(root_client, invitee):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        _invite(root_client, invitee)
        link = _link_from_mail(mail.outbox[0])
        root_client.logout()

        traveller.shift(timedelta(days=3, hours=1))
        response = _set_password(root_client, link)

    assert BAD_LINK in response.content.decode()
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


def test_invitation_link_still_works_on_the_second_day(root_client, invitee):
    start = datetime(2026, 6, 1, 9, 0, tzinfo=JST)
    with time_machine.travel(start, tick=False) as traveller:
        _invite(root_client, invitee)
        link = _link_from_mail(mail.outbox[0])
        root_client.logout()

        traveller.shift(timedelta(days=2))
        _set_password(root_client, link)

    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)


def test_a_tampered_invitation_link_fails(root_client, invitee, staff_user):
    _invite(root_client, invitee)
    link = _link_from_mail(mail.outbox[0])
    root_client.logout()
    uid, key = re.search(r"/key/([0-9a-z]+)-(.+)/$", link).groups()
    other_uid = link.replace(f"/key/{uid}-", f"/key/{int(uid, 36) + 1:x}-")
    last = key[-1]
    edited_key = link.replace(f"-{key}/", f"-{key[:-1]}{'a' if last != 'a' else 'b'}/")

    for bad in (edited_key, other_uid, link.replace(f"-{key}/", "-set-password/")):
        response = _set_password(root_client, bad)
        assert BAD_LINK in response.content.decode(), bad

    invitee.refresh_from_db()
    staff_user.refresh_from_db()
    assert not invitee.has_usable_password()
    assert staff_user.check_password(PASSWORD)


def test_the_set_password_page_applies_the_password_rules(root_client, invitee):
    _invite(root_client, invitee)
    link = _link_from_mail(mail.outbox[0])
    root_client.logout()

    response = _set_password(root_client, link, password="short-1")

    assert "This password is too short" in response.content.decode()
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


def test_inviting_an_account_without_email_says_what_to_do(root_client, invitee):
    invitee.email = ""
    invitee.save(update_fields=["email"])

    response = _invite(root_client, invitee)

    assert (
        "The account newdesk has no e-mail address: add one to the account"
        in response.content.decode()
    )
    assert mail.outbox == []


def test_inviting_an_inactive_account_is_refused(root_client, invitee):
    invitee.is_active = False
    invitee.save(update_fields=["is_active"])

    response = _invite(root_client, invitee)

    assert "The account newdesk is not active" in response.content.decode()
    assert mail.outbox == []


def test_administrator_can_create_an_account_without_a_password_then_invite(root_client, venue):
    response = root_client.post(
        reverse("admin:auth_user_add"),
        user_add_data(
            username="tanaka",
            venue=venue,
            email="tanaka@example.jp",
            usable_password="false",
            password1="",
            password2="",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = get_user_model().objects.get(username="tanaka")
    assert not user.has_usable_password()

    _invite(root_client, user)

    assert mail.outbox[0].to == ["tanaka@example.jp"]


def test_no_file_under_media_root_has_a_url_even_with_debug_on(settings):
    """Generated reports and uploaded lists go out only through views that check rights."""
    import importlib

    from django.urls import Resolver404, clear_url_caches, resolve

    import project.urls

    settings.DEBUG = True
    try:
        importlib.reload(project.urls)
        clear_url_caches()
        for path in ("/media/reports/2026/report-1.pdf", "/media/imports/list.csv"):
            with pytest.raises(Resolver404):
                resolve(path, urlconf=project.urls)
    finally:
        settings.DEBUG = False
        importlib.reload(project.urls)
        clear_url_caches()
