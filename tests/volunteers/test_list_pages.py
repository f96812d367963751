"""The supporter list and the hours approval show 50 rows a page: a prefecture has 10,000
supporters and thousands of checked-out assignments a month, and the whole lists took 9-11 s to
render. Each pager keeps the page's filters; approval works on the rows of the page shown."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.factories import AssignmentFactory, SupporterFactory
from tests.volunteers.helpers import jst, session_at
from volunteers.models import Supporter
from volunteers.view_helpers import PAGE_SIZE

pytestmark = pytest.mark.django_db

LIST = reverse("volunteers:supporter_list")


def _names(response) -> list[str]:
    return [s.name for s in response.context["supporters"]]


def test_supporter_list_pages_in_kana_order_and_keeps_the_filter(coordinator_client):
    total = PAGE_SIZE + 3
    for n in range(total):
        SupporterFactory(name=f"学生{n:03d}", name_kana=f"ガクセイ{n:03d}", kind="student")
    for n in range(4):  # filtered out: not on either page, not in the count
        SupporterFactory(name=f"支援員{n}", name_kana=f"アシエン{n}", kind="supporter")

    first = coordinator_client.get(LIST, {"kind": "student", "active": "active"})
    assert first.status_code == 200
    assert _names(first) == [f"学生{n:03d}" for n in range(PAGE_SIZE)]
    content = first.content.decode()
    assert f"({total})" in content  # the whole filtered list is counted
    assert "kind=student&amp;active=active&amp;page=2" in content

    second = coordinator_client.get(LIST, {"kind": "student", "active": "active", "page": 2})
    assert _names(second) == [f"学生{n:03d}" for n in range(PAGE_SIZE, total)]
    assert "Page 2 of 2" in second.content.decode()
    # A page past the end shows the last page, not an error.
    past = coordinator_client.get(LIST, {"kind": "student", "active": "active", "page": 99})
    assert _names(past) == _names(second)


def test_supporter_list_without_filters_counts_every_active_supporter(coordinator_client):
    for n in range(PAGE_SIZE + 1):
        SupporterFactory(name_kana=f"ア{n:03d}")
    SupporterFactory(name_kana="ン", is_active=False)
    page = coordinator_client.get(LIST)
    assert len(page.context["supporters"]) == PAGE_SIZE
    assert page.context["page"].paginator.count == PAGE_SIZE + 1
    assert Supporter.objects.count() == PAGE_SIZE + 2


def _approval(client, page=None, **data):
    params = {"date_from": "2026-12-01", "date_to": "2026-12-31"}
    if page:
        params["page"] = page
    return client.get(reverse("volunteers:hours_approval"), params, **data)


def _checked_out(n: int):
    start = jst(2026, 12, 1, 9) + timedelta(hours=n)
    return AssignmentFactory(
        session=session_at(start, 60),
        checked_in_at=start,
        checked_out_at=start + timedelta(minutes=60),
    )


def test_hours_approval_pages_through_the_period_oldest_first(coordinator_client):
    total = PAGE_SIZE + 2
    rows = [_checked_out(n) for n in range(total)]
    outside = AssignmentFactory(
        session=session_at(jst(2027, 1, 5, 10), 60),
        checked_in_at=jst(2027, 1, 5, 10),
        checked_out_at=jst(2027, 1, 5, 11),
    )

    first = _approval(coordinator_client)
    assert [a.pk for a in first.context["rows"]] == [a.pk for a in rows[:PAGE_SIZE]]
    content = first.content.decode()
    assert f"{total} assignments wait for approval." in content
    assert "date_from=2026-12-01&amp;date_to=2026-12-31&amp;page=2" in content

    second = _approval(coordinator_client, page=2)
    assert [a.pk for a in second.context["rows"]] == [a.pk for a in rows[PAGE_SIZE:]]
    assert outside.pk not in {a.pk for a in second.context["rows"]}


def test_hours_approval_approves_the_ticked_rows_of_the_page_shown(coordinator_client):
    rows = [_checked_out(n) for n in range(PAGE_SIZE + 2)]
    url = reverse("volunteers:hours_approval") + "?date_from=2026-12-01&date_to=2026-12-31&page=2"
    # A row of page 1 sent with page 2's form is not on the page: nothing is approved.
    refused = coordinator_client.post(url, {"approve": [rows[0].pk, rows[-1].pk]})
    assert "no longer waiting for approval" in refused.content.decode()
    rows[-1].refresh_from_db()
    assert rows[-1].hours_approved_at is None

    done = coordinator_client.post(url, {"approve": [r.pk for r in rows[PAGE_SIZE:]]}, follow=True)
    assert any("Approved the hours of 2 rows" in str(m) for m in done.context["messages"])
    # Back on the same address: page 2 no longer exists, the last page (page 1) is shown.
    assert done.context["page"].paginator.count == PAGE_SIZE
    assert [a.pk for a in done.context["rows"]] == [a.pk for a in rows[:PAGE_SIZE]]
