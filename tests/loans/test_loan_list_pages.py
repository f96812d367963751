"""The loan list shows a page of loans at a time, soonest due first: a prefecture has tens of
thousands of active loans, and the whole list took seconds to render."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from loans.view_helpers import LOAN_PAGE_SIZE
from tests.factories import LoanFactory


def _due_dates(response) -> list:
    return [loan.due_date for loan in response.context["loans"]]


def test_loan_list_pages_through_the_active_loans_soonest_due_first(staff_client, venue, policy):
    today = timezone.localdate()
    total = LOAN_PAGE_SIZE + 5
    for n in range(total):
        LoanFactory(
            venue=venue, policy=policy, start_date=today, due_date=today + timedelta(days=30 + n)
        )

    first = staff_client.get(reverse("loans:loan_list"))
    assert first.status_code == 200
    assert _due_dates(first) == [today + timedelta(days=30 + n) for n in range(LOAN_PAGE_SIZE)]
    content = first.content.decode()
    assert f"({total})" in content  # the count beside "On loan" is every active loan
    assert "?show=active&amp;page=2" in content

    second = staff_client.get(reverse("loans:loan_list"), {"show": "active", "page": 2})
    assert _due_dates(second) == [
        today + timedelta(days=30 + n) for n in range(LOAN_PAGE_SIZE, total)
    ]
    # A page number past the end shows the last page, not an error.
    assert _due_dates(staff_client.get(reverse("loans:loan_list"), {"page": 99})) == (
        _due_dates(second)
    )


def test_overdue_list_pages_keep_the_filter(staff_client, venue, policy):
    today = timezone.localdate()
    for n in range(LOAN_PAGE_SIZE + 1):
        LoanFactory(
            venue=venue,
            policy=policy,
            start_date=today - timedelta(days=200),
            due_date=today - timedelta(days=1 + n),
        )
    LoanFactory(venue=venue, policy=policy, start_date=today, due_date=today + timedelta(days=90))

    response = staff_client.get(reverse("loans:loan_list"), {"show": "overdue"})
    assert len(response.context["loans"]) == LOAN_PAGE_SIZE
    assert "?show=overdue&amp;page=2" in response.content.decode()
    page_two = staff_client.get(reverse("loans:loan_list"), {"show": "overdue", "page": 2})
    # Longest overdue first: the one due yesterday is left for the second page.
    assert [loan.due_date for loan in page_two.context["loans"]] == [today - timedelta(days=1)]
