"""``reports:attendance_sheet``: who may print a session's attendance sheet."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AssignmentFactory, RegistrationFactory, ResidentFactory
from tests.reports.pdf_helpers import pdf_pages_text
from tests.reports.test_attendance_sheet import make_session


@pytest.fixture
def session(venue):
    session = make_session(venue)
    RegistrationFactory(
        session=session, resident=ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ")
    )
    return session


def url(session) -> str:
    return reverse("reports:attendance_sheet", kwargs={"pk": session.pk})


def test_url_name_and_path():
    assert (
        reverse("reports:attendance_sheet", kwargs={"pk": 7})
        == "/reports/sessions/7/attendance.pdf"
    )


@pytest.mark.django_db
def test_staff_of_the_venue_gets_the_pdf_inline(staff_client, session):
    response = staff_client.get(url(session))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'inline; filename="attendance-2026-12-03-{session.pk}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    text = pdf_pages_text(response.content)[0]
    assert "山田 太郎" in text and "いわき市中央公民館" in text


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["admin_user", "coordinator_user"])
def test_administrator_and_coordinator_may_print_any_venue(client, request, persona, session):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(url(session))

    assert response.status_code == 200
    assert "山田 太郎" in pdf_pages_text(response.content)[0]


@pytest.mark.django_db
def test_staff_of_another_venue_gets_404(client, other_staff_user, session):
    client.force_login(other_staff_user)

    response = client.get(url(session))

    assert response.status_code == 404
    assert b"%PDF" not in response.content


@pytest.mark.django_db
def test_staff_do_not_see_a_caravan_away_from_their_venues(staff_client, db):
    caravan = make_session(None, kind="caravan", place="草野団地集会所")

    assert staff_client.get(url(caravan)).status_code == 404


@pytest.mark.django_db
def test_supporter_gets_403(client, supporter_user, session):
    client.force_login(supporter_user)

    assert client.get(url(session)).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, session):
    response = client.get(url(session))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_unknown_session_is_404(admin_client_):
    assert admin_client_.get("/reports/sessions/999999/attendance.pdf").status_code == 404


def _count_queries(client, session) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(session)).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_registrants(staff_client, venue):
    few = make_session(venue)
    many = make_session(venue)
    for session, count in ((few, 5), (many, 50)):
        RegistrationFactory.create_batch(count, session=session)
        AssignmentFactory.create_batch(2, session=session)

    few_queries = _count_queries(staff_client, few)
    assert few_queries == _count_queries(staff_client, many)
    # session auth, user, role, venues, then the session and its two lists
    assert few_queries <= 8  # including the audit-trail row for the export
