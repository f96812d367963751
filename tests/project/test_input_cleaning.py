"""NUL characters never reach the database (PostgreSQL refuses them with an error, a 500)."""

import pytest
from django.urls import reverse

from tests.factories import LoanPolicyFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_a_search_with_a_nul_character_answers_with_results(admin_client_):
    LoanPolicyFactory()
    ResidentFactory(name="山田 花子", name_kana="やまだ はなこ")
    response = admin_client_.get(reverse("loans:applications"), {"q": "山田\x00"})
    assert response.status_code == 200
    assert "山田 花子" in response.content.decode()


def test_nul_characters_are_dropped_from_keys_and_every_value():
    from django.http import QueryDict

    from kernel.input_cleaning import _without_nul

    data = QueryDict(mutable=True)
    data.setlist("na\x00me", ["山田\x00花子", "x"])
    data["plain"] = "ok"
    cleaned = _without_nul(data)
    assert cleaned.getlist("name") == ["山田花子", "x"] and cleaned["plain"] == "ok"
    assert _without_nul(QueryDict("a=1&b=2")) is None  # nothing to do: the request is untouched
