"""The activity certificate (活動証明書): totals of approved hours only, and who may print it."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reports.activity_certificate import ActivityCertificateRenderer, minutes_text
from tests.factories import AssignmentFactory, SessionFactory, SupporterFactory, TopicFactory
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text
from tests.volunteers.helpers import jst
from volunteers.selectors_hours import approved_hours_rows

pytestmark = pytest.mark.django_db


def worked(supporter, start, minutes, approved_minutes=None, by=None, **session_kwargs):
    """A checked-out assignment; approved with ``approved_minutes`` when given."""
    session = SessionFactory(
        starts_at=start, ends_at=start + timedelta(minutes=120), **session_kwargs
    )
    return AssignmentFactory(
        session=session,
        supporter=supporter,
        checked_in_at=start,
        checked_out_at=start + timedelta(minutes=minutes),
        approved_minutes=approved_minutes,
        hours_approved_at=timezone.now() if approved_minutes is not None else None,
        hours_approved_by=by,
    )


@pytest.fixture
def student(db):
    return SupporterFactory(
        name="鈴木 さくら",
        kind="student",
        organisation="いわき明星大学",
        phone="080-1234-5678",
    )


@pytest.fixture
def year_of_work(student, coordinator_user, venue):
    """Approved: 90 + 150 + 45 + 600 minutes in FY2026; one unapproved, one outside the period,
    one of another supporter."""
    approved_minutes = [90, 150, 45, 600]
    starts = [jst(2026, 4, 11), jst(2026, 7, 4, 13), jst(2026, 12, 5), jst(2027, 3, 20)]
    topic = TopicFactory(code="B03", title="LINEで写真を送る")
    for start, minutes in zip(starts, approved_minutes, strict=True):
        worked(student, start, minutes, minutes, coordinator_user, venue=venue, topic=topic)
    worked(student, jst(2026, 8, 1), 200)  # checked out, never approved
    worked(student, jst(2027, 4, 2), 60, 60, coordinator_user)  # next fiscal year
    worked(SupporterFactory(), jst(2026, 5, 1), 300, 300, coordinator_user)
    return sum(approved_minutes)


def test_minutes_text():
    assert [minutes_text(m) for m in (0, 45, 60, 90, 885)] == [
        "0分",
        "45分",
        "1時間",
        "1時間30分",
        "14時間45分",
    ]


def test_certificate_totals_equal_the_approved_minutes(student, year_of_work):
    rows = approved_hours_rows(
        supporter=student, date_from=date(2026, 4, 1), date_to=date(2027, 3, 31)
    )
    pdf = ActivityCertificateRenderer(
        student, date(2026, 4, 1), date(2027, 3, 31), rows, issued_on=date(2027, 4, 10)
    ).render()

    text = "\n".join(pdf_pages_text(pdf))
    assert year_of_work == 885
    assert "14時間45分（885分）" in text
    assert "4回" in text
    for needle in (
        "活動証明書",
        "鈴木 さくら",
        "学生",
        "いわき明星大学",
        "2026年4月1日〜2027年3月31日",
        "2027年4月10日",
        "いわき市中央公民館",
        "LINEで写真を送る",
        "2026年7月4日",
        "2時間30分",
        "10時間",
        "印",
    ):
        assert needle in text, needle
    assert "2026年8月1日" not in text  # not approved
    assert "2027年4月2日" not in text  # outside the period
    assert "080-1234-5678" not in text
    reader = PdfReader(BytesIO(pdf))
    assert "1 / 1" in reader.pages[0].extract_text()
    assert_only_embedded_ipaex(pdf)


def test_a_long_certificate_numbers_its_pages(student, coordinator_user):
    for day in range(60):
        worked(student, jst(2026, 5, 1) + timedelta(days=day), 60, 60, coordinator_user)
    rows = approved_hours_rows(
        supporter=student, date_from=date(2026, 5, 1), date_to=date(2026, 6, 30)
    )
    pages = pdf_pages_text(
        ActivityCertificateRenderer(student, date(2026, 5, 1), date(2026, 6, 30), rows).render()
    )
    assert len(pages) >= 2
    assert f"1 / {len(pages)}" in pages[0] and f"{len(pages)} / {len(pages)}" in pages[-1]
    assert "60時間（3600分）" in "\n".join(pages)


def cert_url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reports:activity_certificate") + (f"?{query}" if query else "")


def test_coordinator_downloads_a_certificate(coordinator_client, student, year_of_work):
    assert coordinator_client.get(cert_url()).status_code == 200
    response = coordinator_client.get(
        cert_url(supporter=student.pk, date_from="2026-04-01", date_to="2027-03-31")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "885分" in "\n".join(pdf_pages_text(response.content))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "on or after the start date"),
        ({"date_from": "2025-04-01", "date_to": "2026-04-01"}, "at most one year"),
        ({"date_from": "2026-13-01", "date_to": "2026-04-01"}, "Enter a valid date"),
        ({"date_from": "2030-01-01", "date_to": "2030-02-01"}, "no approved hours"),
    ],
)
def test_bad_periods_are_explained_on_the_form(coordinator_client, student, params, message):
    response = coordinator_client.get(cert_url(supporter=student.pk, **params))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_unknown_supporter_is_explained(coordinator_client):
    response = coordinator_client.get(
        cert_url(supporter=999999, date_from="2026-04-01", date_to="2026-05-01")
    )
    assert response.status_code == 400
    assert "Choose a supporter from the list." in response.content.decode()


def test_a_supporter_downloads_only_their_own(client, supporter_user, coordinator_user, student):
    client.force_login(supporter_user)
    mine = supporter_user.supporter
    worked(mine, jst(2026, 6, 6), 120, 110, coordinator_user)
    worked(student, jst(2026, 6, 6), 120, 120, coordinator_user)
    form = client.get(cert_url()).content.decode()
    assert mine.name in form
    response = client.get(
        cert_url(supporter=student.pk, date_from="2026-04-01", date_to="2026-06-30")
    )
    assert response.status_code == 200
    text = "\n".join(pdf_pages_text(response.content))
    assert mine.name in text and "110分" in text
    assert student.name not in text


def test_staff_cannot_print_certificates(staff_client, student):
    response = staff_client.get(
        cert_url(supporter=student.pk, date_from="2026-04-01", date_to="2026-06-30")
    )
    assert response.status_code == 403
