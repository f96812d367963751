"""Japanese is the default language; English can be chosen on any page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def japanese_default(settings):
    # Production default; the test settings switch to English so that other tests read English.
    settings.LANGUAGE_CODE = "ja"


def test_login_page_is_japanese_by_default(client, japanese_default):
    response = client.get(reverse("account_login"))

    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "<h1>ログイン</h1>" in html
    assert "デジタル活用支援事業" in html  # the site name in the header
    assert "パスワード" in html  # the password label (allauth's translation)


def test_browser_asking_for_japanese_gets_japanese(client):
    response = client.get(reverse("account_login"), headers={"accept-language": "ja"})

    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "<h1>ログイン</h1>" in html


def test_choosing_english_switches_the_pages_to_english(client, japanese_default):
    login_url = reverse("account_login")

    response = client.post(reverse("set_language"), {"language": "en", "next": login_url})

    assert response.status_code == 302
    assert response.url == login_url
    html = client.get(login_url).content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert '<label for="id_password">Password</label>' in html
    assert "ログイン" not in html


def test_choosing_japanese_again_switches_back(client, japanese_default):
    client.post(reverse("set_language"), {"language": "en"})
    client.post(reverse("set_language"), {"language": "ja"})

    html = client.get(reverse("account_login")).content.decode()
    assert '<html lang="ja">' in html
    assert "<h1>ログイン</h1>" in html


def test_language_switcher_is_a_labelled_form_on_every_page(client):
    html = client.get(reverse("account_login")).content.decode()

    assert f'action="{reverse("set_language")}"' in html
    assert '<label for="lang-select"' in html
    assert "日本語" in html
    assert "English" in html
