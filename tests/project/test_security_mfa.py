"""Two-factor authentication: offered to everyone on the security page, required for
administrators (kernel.middleware, kernel.mfa)."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from kernel.mfa import ENCRYPTED_PREFIX, decrypt_secret, encrypt_secret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_clear_cache")]

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password
mfa_required = override_settings(MFA_REQUIRED_FOR_ADMINISTRATORS=True)


@pytest.fixture
def _clear_cache():
    # Rate-limit counters and "code already used" marks live in the cache.
    cache.clear()
    yield
    cache.clear()


def _code(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def _log_in(client, username: str):
    return client.post(reverse("account_login"), {"login": username, "password": PASSWORD})


def _reauthenticate(client) -> None:
    # allauth asks for the password again before two-factor settings change, even right after login.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


def _activate_totp(client) -> str:
    """Open the activation page, read the secret the QR code holds, confirm a code from it."""
    _reauthenticate(client)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = response.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


@mfa_required
def test_administrator_without_authenticator_app_is_sent_to_set_one_up(client, admin_user):
    response = _log_in(client, "admin1")
    assert response.status_code == 302

    for page in (reverse("dashboard"), reverse("residents:list"), reverse("admin:index")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == reverse("mfa_activate_totp")

    # The activation page first asks for the password again, in our layout.
    response = client.get(reverse("mfa_activate_totp"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "css/app.css" in response.content.decode()
    assert '<label for="id_password"' in response.content.decode()
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    html = response.content.decode()
    assert response.status_code == 200
    assert "css/app.css" in html  # our layout
    assert "Administrators must protect their login with an authenticator app" in html
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code
    assert response.context["form"].secret in html  # the key to type in by hand


@mfa_required
def test_administrator_can_still_log_out_and_switch_language_before_setting_up(client, admin_user):
    _log_in(client, "admin1")

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"

    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert client.get(reverse("dashboard")).url.startswith(reverse("account_login"))


@mfa_required
def test_administrator_activates_an_app_gets_recovery_codes_and_reaches_the_dashboard(
    client, admin_user
):
    _log_in(client, "admin1")
    _reauthenticate(client)
    response = client.get(reverse("mfa_activate_totp"))
    secret = response.context["form"].secret

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302

    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("mfa_view_recovery_codes")
    assert "Recovery Codes" in html
    codes = Authenticator.objects.get(user=admin_user, type="recovery_codes")
    unused = codes.wrap().get_unused_codes()
    assert len(unused) == 10
    assert unused[0] in html
    assert client.get(reverse("dashboard")).status_code == 200


@mfa_required
def test_next_login_asks_for_the_authenticator_code(client, admin_user):
    _log_in(client, "admin1")
    secret = _activate_totp(client)
    client.post(reverse("account_logout"))
    cache.clear()  # the code used to activate may be reused in the same 30 s for this test

    response = _log_in(client, "admin1")
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert client.get(reverse("dashboard")).status_code == 302  # not logged in yet

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


@mfa_required
def test_a_recovery_code_logs_in_once(client, admin_user):
    _log_in(client, "admin1")
    _activate_totp(client)
    code = Authenticator.objects.get(user=admin_user, type="recovery_codes").wrap()
    recovery = code.get_unused_codes()[0]
    client.post(reverse("account_logout"))

    _log_in(client, "admin1")
    response = client.post(reverse("mfa_authenticate"), {"code": recovery})
    assert response.url == reverse("dashboard")
    client.post(reverse("account_logout"))

    _log_in(client, "admin1")
    response = client.post(reverse("mfa_authenticate"), {"code": recovery})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()


@mfa_required
def test_administrator_cannot_switch_the_app_off(client, admin_user):
    _log_in(client, "admin1")
    _activate_totp(client)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 200
    assert "You cannot deactivate two-factor authentication" in response.content.decode()
    assert Authenticator.objects.filter(user=admin_user, type="totp").exists()


@mfa_required
def test_admin_site_login_form_cannot_skip_the_second_factor(client, admin_user):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))

    # A POST to the admin's own login form does not log in either.
    client.post(reverse("admin:login"), {"username": "admin1", "password": PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 302
    assert not client.session.get("_auth_user_id")


@mfa_required
def test_superuser_is_an_administrator_for_the_rule(client):
    get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD)
    _log_in(client, "root")

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


@mfa_required
def test_staff_is_offered_two_factor_but_not_forced(client, staff_user):
    _log_in(client, "staff1")

    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert f'href="{reverse("mfa_index")}"' in dashboard.content.decode()  # header link

    page = client.get(reverse("mfa_index"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "css/app.css" in html
    assert "An authenticator app is not active." in html
    assert f'href="{reverse("mfa_activate_totp")}"' in html
    assert f'href="{reverse("account_change_password")}"' in html

    secret = _activate_totp(client)
    assert Authenticator.objects.filter(user=staff_user, type="totp").exists()
    # Staff may switch it off again (no rule requires it of them).
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=staff_user, type="totp").exists()
    assert secret


def test_rule_off_lets_administrators_in_without_an_app(client, admin_user):
    # project.settings_test turns the rule off; production keeps it on (see test_security_deploy).
    _log_in(client, "admin1")

    assert client.get(reverse("dashboard")).status_code == 200


@mfa_required
def test_security_page_in_japanese(client, staff_user):
    _log_in(client, "staff1")
    client.cookies["django_language"] = "ja"

    html = client.get(reverse("mfa_index")).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    assert "多要素認証" in html  # allauth's Japanese
    assert '<html lang="ja">' in html
    assert '<html lang="ja">' in dashboard


def test_authenticator_secrets_are_stored_encrypted(client, admin_user):
    _log_in(client, "admin1")
    secret = _activate_totp(client)
    stored = {a.type: a.data for a in Authenticator.objects.filter(user=admin_user)}
    # Neither the app's key nor the recovery-code seed is readable from the database row.
    assert secret not in str(stored["totp"])
    assert stored["totp"]["secret"].startswith(ENCRYPTED_PREFIX)
    assert stored["recovery_codes"]["seed"].startswith(ENCRYPTED_PREFIX)
    assert decrypt_secret(stored["totp"]["secret"]) == secret


def test_a_secret_encrypted_before_a_key_change_decrypts_with_the_fallback():
    with override_settings(SECRET_KEY="old-key-" + "o" * 50):
        stored = encrypt_secret("JBSWY3DPEHPK3PXP")
    with override_settings(SECRET_KEY="new-key-" + "n" * 50):
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
            decrypt_secret(stored)
    with override_settings(
        SECRET_KEY="new-key-" + "n" * 50, SECRET_KEY_FALLBACKS=["old-key-" + "o" * 50]
    ):
        assert decrypt_secret(stored) == "JBSWY3DPEHPK3PXP"


def test_an_app_activated_before_encryption_still_logs_in(client, admin_user):
    # Rows written before secrets were encrypted hold the key in the clear.
    secret = "JBSWY3DPEHPK3PXP"
    Authenticator.objects.create(user=admin_user, type="totp", data={"secret": secret})
    response = _log_in(client, "admin1")
    assert response.url == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert response.url == reverse("dashboard")
