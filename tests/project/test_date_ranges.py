"""Dates years away are refused where they come in, with the range in the message.

0001-01-01 and 9999-12-31 were accepted for sessions and loans and then gave 500s (OverflowError)
on the session list, the call lists and their PDF, the audit filter, supporter assignment,
replacements and matching. Today is fixed at 2026-06-15 (JST): program dates run from 2021-06-15
to 2031-06-15, record dates (reports, audit) from 2000-01-01, birth dates 1900-01-01 to today.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from classes.models import Session
from kernel.models import Role
from residents.models import Resident
from tests.factories import (
    LoanFactory,
    SessionFactory,
    SupporterFactory,
    make_user,
)
from volunteers.models import MatchRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today_is_15_june_2026():
    with time_machine.travel(
        datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False
    ):
        yield


PROGRAM_RANGE = "Enter a date from 2021-06-15 to 2031-06-15."
RECORD_RANGE = "Enter a date from 2000-01-01 to 2031-06-15."
EXTREMES = ["0001-01-01", "9999-12-31"]


def _session_data(venue, day: str) -> dict:
    return {
        "kind": "class",
        "title": "スマホ教室",
        "venue": venue.pk,
        "date": day,
        "start_time": "10:00",
        "end_time": "11:30",
        "seats": 10,
        "supporters_needed": 1,
        "residents_per_supporter": 3,
    }


@pytest.mark.parametrize("day", [*EXTREMES, "2021-06-14", "2031-06-16"])
def test_a_session_years_away_is_refused_with_the_range(staff_client, venue, day):
    response = staff_client.post(reverse("classes:session_create"), _session_data(venue, day))

    assert response.status_code == 200
    assert PROGRAM_RANGE in response.content.decode()
    assert not Session.objects.exists()


@pytest.mark.parametrize("day", ["2021-06-15", "2031-06-15"])
def test_a_session_on_the_last_days_of_the_range_is_saved(staff_client, venue, day):
    response = staff_client.post(reverse("classes:session_create"), _session_data(venue, day))

    assert response.status_code == 302
    assert Session.objects.get().starts_at.date().isoformat() == day


def test_moving_a_session_to_9999_is_refused_and_its_supporter_pages_still_open(
    admin_client_, venue
):
    session = SessionFactory(venue=venue)
    before = session.starts_at
    response = admin_client_.post(
        reverse("classes:session_edit", args=[session.pk]), _session_data(venue, "9999-12-31")
    )
    assert PROGRAM_RANGE in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at == before
    assert admin_client_.get(reverse("volunteers:assign", args=[session.pk])).status_code == 200
    replacements = reverse("volunteers:replacements", args=[session.pk])
    assert admin_client_.get(replacements).status_code == 200


@pytest.mark.parametrize("day", EXTREMES)
def test_the_session_list_filter_answers_a_page_with_the_range(staff_client, day):
    response = staff_client.get(reverse("classes:session_list"), {"start": day})

    assert response.status_code == 200
    assert PROGRAM_RANGE in response.content.decode()


@pytest.mark.parametrize("day", EXTREMES)
def test_the_call_list_answers_tomorrows_list_with_the_range(staff_client, venue, day):
    response = staff_client.get(reverse("classes:call_list"), {"day": day}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert PROGRAM_RANGE in page
    assert 'value="2026-06-16"' in page  # the day field shows tomorrow's list


@pytest.mark.parametrize("day", EXTREMES)
def test_the_call_list_pdf_is_tomorrows_list(staff_client, venue, day):
    response = staff_client.get(reverse("classes:call_list_pdf"), {"day": day})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    # The message waits for the next page the member of staff opens.
    assert PROGRAM_RANGE in staff_client.get(reverse("classes:call_list")).content.decode()


@pytest.mark.parametrize("day", EXTREMES)
def test_the_audit_filter_answers_a_page_with_the_range(admin_client_, day):
    response = admin_client_.get(reverse("audit_list"), {"date_from": day, "date_to": day})

    assert response.status_code == 200
    assert RECORD_RANGE in response.content.decode()


def test_the_audit_filter_still_looks_back_to_2000(admin_client_):
    response = admin_client_.get(
        reverse("audit_list"), {"date_from": "2000-01-01", "date_to": "2026-06-15"}
    )
    assert response.status_code == 200
    assert "Enter a date from" not in response.content.decode()


@pytest.mark.parametrize("day", EXTREMES)
def test_a_matching_run_years_away_is_refused_with_the_range(coordinator_client, day):
    response = coordinator_client.post(
        reverse("volunteers:matching"), {"date_from": day, "date_to": day}
    )

    assert response.status_code == 200
    assert PROGRAM_RANGE in response.content.decode()
    assert not MatchRun.objects.exists()


@pytest.mark.parametrize("day", EXTREMES)
def test_a_loan_check_in_years_away_is_refused_with_the_range(admin_client_, day):
    loan = LoanFactory()
    response = admin_client_.post(
        reverse("loans:check_in", args=[loan.pk]),
        {"on": day, "channel": "phone", "satisfaction": "4"},
    )

    assert response.status_code == 400  # the loan page again, with the form's errors
    assert PROGRAM_RANGE in response.content.decode()
    assert not loan.check_ins.exists()


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
def test_a_supporters_month_of_hours_years_away_shows_this_month(client, month):
    user = make_user(Role.SUPPORTER, username="supp-hours")
    SupporterFactory(user=user)
    client.force_login(user)
    response = client.get(reverse("volunteers:my_hours"), {"month": month})

    assert response.status_code == 200
    page = response.content.decode()
    assert PROGRAM_RANGE in page
    assert "June 2026" in page  # the heading: this month


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1899/12/31", "Enter a birth date from 1900-01-01 to today."),
        ("明治32年12月31日", "Enter a birth date from 1900-01-01 to today."),
        ("2026/6/16", "is in the future"),
    ],
)
def test_a_birth_date_before_1900_or_tomorrow_is_refused(staff_client, typed, message):
    response = staff_client.post(
        reverse("residents:create"),
        {"name": "山田 花子", "birth_date": typed, "own_device": "none"},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    ("typed", "expected"), [("明治33年1月1日", "1900-01-01"), ("R8.6.15", "2026-06-15")]
)
def test_a_birth_date_from_1900_to_today_is_saved_in_any_era(staff_client, typed, expected):
    response = staff_client.post(
        reverse("residents:create"),
        {"name": "山田 花子", "birth_date": typed, "own_device": "none"},
    )

    assert response.status_code == 302
    assert Resident.objects.get().birth_date.isoformat() == expected


def test_a_fiscal_year_report_may_go_back_to_2000_but_not_beyond_five_years_ahead(
    admin_client_,
):
    url = reverse("reports:kpi_targets")
    assert admin_client_.get(url, {"year": "2000"}).context["year"] == 2000
    assert admin_client_.get(url, {"year": "2031"}).context["year"] == 2031
    # Further ahead: this fiscal year's page.
    assert admin_client_.get(url, {"year": "2100"}).context["year"] == 2026


def test_the_session_list_may_show_92_days_from_the_last_day_of_the_range(staff_client):
    response = staff_client.get(
        reverse("classes:session_list"), {"start": "2031-06-15", "days": 92}
    )
    assert response.status_code == 200
    assert response.context["end_day"] == datetime(2031, 6, 15).date() + timedelta(days=91)
