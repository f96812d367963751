"""The administrator sets the lender and rewrites agreement clauses per policy in the admin."""

import pytest
from django.urls import reverse

from loans.models import LoanPolicy
from tests.factories import LoanPolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.jp", "pw-Secret-123")
    client.force_login(user)
    return client


def _form_data(policy: LoanPolicy, **changes) -> dict:
    data = {
        "name": policy.name,
        "term_days": policy.term_days,
        "max_renewals": policy.max_renewals,
        "min_age": policy.min_age,
        "max_active_loans": policy.max_active_loans,
        "classes_to_attend": policy.classes_to_attend,
        "is_active": "on",
        "lender_name": "",
    }
    data.update(changes)
    return data


def test_admin_sets_the_lender_and_overrides_one_clause(superuser_client):
    policy = LoanPolicyFactory()
    url = reverse("admin:loans_loanpolicy_change", args=[policy.pk])
    page = superuser_client.get(url).content.decode()
    assert 'name="clause_charges"' in page and 'name="lender_name"' in page

    response = superuser_client.post(
        url,
        _form_data(
            policy,
            lender_name="いわき市 デジタル推進課",
            clause_charges="通話料は{lender}が負担します。",
            clause_use="",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.lender_name == "いわき市 デジタル推進課"
    assert policy.clause_texts == {"charges": "通話料は{lender}が負担します。"}
    again = superuser_client.get(url).content.decode()
    assert "通話料は{lender}が負担します。</textarea>" in again


def test_admin_refuses_an_unknown_placeholder(superuser_client):
    policy = LoanPolicyFactory()
    url = reverse("admin:loans_loanpolicy_change", args=[policy.pk])
    response = superuser_client.post(url, _form_data(policy, clause_charges="{price}円です。"))
    assert response.status_code == 200
    assert "Unknown placeholder: {price}." in response.content.decode()
    policy.refresh_from_db()
    assert policy.clause_texts == {}
