"""Logging in and out. Accounts are made by the administrator; nobody can sign up."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kernel.models import Profile, Role
from tests.project.admin_forms import user_add_data

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234-word"  # tests.factories.UserFactory's password


def test_login_page_shows_a_labelled_form_in_our_layout(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "css/app.css" in html  # our base.html, not allauth's bare layout
    assert '<label for="id_login">' in html
    assert '<label for="id_password">' in html
    assert "<h1>Log in</h1>" in html
    assert "sign up" not in html.lower()


def test_login_with_username_and_password_lands_on_the_dashboard(client, staff_user):
    response = client.post(
        reverse("account_login"), {"login": "staff1", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.status_code == 200
    assert response.context["user"] == staff_user


def test_wrong_password_shows_an_error_and_does_not_log_in(client, staff_user):
    response = client.post(reverse("account_login"), {"login": "staff1", "password": "wrong"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert client.get(reverse("dashboard")).status_code == 302


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_signup_is_closed(client):
    response = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in response.content.decode()

    response = client.post(
        reverse("account_signup"),
        {"username": "intruder", "password1": "a-Long-pass-9876", "password2": "a-Long-pass-9876"},
    )

    assert "Sign Up Closed" in response.content.decode()
    assert not get_user_model().objects.filter(username="intruder").exists()
    assert not response.wsgi_request.user.is_authenticated


def test_logout_needs_a_post_and_ends_the_session(staff_client):
    # A GET only asks for confirmation: a link or an image cannot log a person out.
    response = staff_client.get(reverse("account_logout"))
    assert response.status_code == 200
    assert staff_client.get(reverse("dashboard")).status_code == 200

    response = staff_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert staff_client.get(reverse("dashboard")).status_code == 302


def test_administrator_creates_an_account_with_role_and_venues_in_the_admin(
    client, venue, other_venue
):
    superuser = get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD)
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_add"),
        user_add_data(
            username="tanaka",
            venue=venue,
            password1="Kouminkan-2024!",
            password2="Kouminkan-2024!",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    profile = Profile.objects.get(user__username="tanaka")
    assert profile.role == Role.STAFF
    assert list(profile.venues.all()) == [venue]

    # The new account can log in with the password the administrator set.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "tanaka", "password": "Kouminkan-2024!"}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_user_list_in_the_admin_shows_roles(client, staff_user, coordinator_user):
    superuser = get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD)
    client.force_login(superuser)

    response = client.get(reverse("admin:auth_user_changelist"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Center staff" in html
    assert "Volunteer coordinator" in html
