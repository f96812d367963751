"""Series pages: preview then create, detail, edit "this and the following", whole course;
access by persona."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration, Series, Session
from classes.recurrence import WEEKLY, Rule
from classes.services_series import series_create
from tests.factories import RegistrationFactory, ResidentFactory, TopicFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _post_data(venue, **overrides):
    data = {
        "kind": "class",
        "title": "はじめてのスマホ教室",
        "venue": venue.pk,
        "start_time": "10:00",
        "end_time": "11:30",
        "seats": "8",
        "supporters_needed": "2",
        "what_to_bring": "",
        "frequency": "weekly",
        "weekdays": ["0"],
        "interval": "1",
        "nth": "1",
        "first_date": "2027-01-01",
        "last_date": "2027-01-31",
        "action": "preview",
    }
    data.update(overrides)
    return data


def _series(venue):
    series, _ = series_create(
        venue=venue,
        rule=Rule(WEEKLY, (3,), date(2026, 12, 3), date(2026, 12, 24)),
        start_time=time(10),
        end_time=time(11, 30),
        seats=10,
        topic=TopicFactory(),
    )
    return series


def test_preview_lists_dates_and_skipped_holiday_and_saves_nothing(staff_client, venue):
    response = staff_client.post(reverse("classes:series_create"), _post_data(venue))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 sessions will be created" in html
    assert "Mon 4 Jan 2027" in html and "Mon 25 Jan 2027" in html
    assert "Mon 11 Jan 2027" in html and "Public holiday: 成人の日" in html
    assert Series.objects.count() == 0 and Session.objects.count() == 0


def test_save_creates_the_series_and_its_sessions(staff_client, venue):
    response = staff_client.post(reverse("classes:series_create"), _post_data(venue, action="save"))
    series = Series.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("classes:series_detail", args=[series.pk])
    assert [timezone.localdate(s.starts_at) for s in series.sessions.order_by("starts_at")] == [
        date(2027, 1, 4),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]
    page = staff_client.get(response.url).content.decode()
    assert "はじめてのスマホ教室" in page and "成人の日" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weekdays": []}, "Choose at least one weekday."),
        ({"last_date": "2026-12-01"}, "The last date must be on or after the first date."),
        ({"last_date": "2028-01-31"}, "A series can span at most one year."),
        (
            {"first_date": "2027-01-11", "last_date": "2027-01-11"},
            "This rule gives no date to hold a session on.",
        ),
        ({"end_time": "09:00"}, "The end time must be after the start time."),
    ],
)
def test_bad_input_shows_a_message_and_saves_nothing(staff_client, venue, overrides, message):
    response = staff_client.post(
        reverse("classes:series_create"), _post_data(venue, action="save", **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Series.objects.count() == 0 and Session.objects.count() == 0


def test_staff_cannot_create_a_series_at_another_venue(staff_client, other_venue):
    response = staff_client.post(
        reverse("classes:series_create"), _post_data(other_venue, action="save")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Series.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("staff_user", 200),
        ("other_staff_user", 404),
        ("coordinator_user", 200),
        ("admin_user", 200),
        ("supporter_user", 403),
    ],
)
def test_series_detail_access_by_persona(client, request, venue, persona, expected):
    series = _series(venue)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("classes:series_detail", args=[series.pk])).status_code == expected


def test_anonymous_is_sent_to_login(client, venue):
    series = _series(venue)
    response = client.get(reverse("classes:series_detail", args=[series.pk]))
    assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("other_staff_user", 404), ("coordinator_user", 403), ("supporter_user", 403)],
)
def test_edit_following_refused_for_others(client, request, venue, persona, expected):
    series = _series(venue)
    first = series.sessions.order_by("starts_at").first()
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("classes:series_edit_following", args=[first.pk]),
        {"start_time": "13:00", "end_time": "14:00", "seats": "5", "supporters_needed": "0"},
    )
    assert response.status_code == expected
    assert {timezone.localtime(s.starts_at).hour for s in series.sessions.all()} == {10}


def test_edit_following_from_the_second_session(staff_client, venue):
    series = _series(venue)
    sessions = list(series.sessions.order_by("starts_at"))
    response = staff_client.post(
        reverse("classes:series_edit_following", args=[sessions[1].pk]),
        {"start_time": "13:00", "end_time": "14:30", "seats": "6", "supporters_needed": "1"},
    )
    assert response.status_code == 302
    hours = [timezone.localtime(s.starts_at).hour for s in series.sessions.order_by("starts_at")]
    assert hours == [10, 13, 13, 13]
    page = staff_client.get(response.url).content.decode()
    assert "3 sessions of the series were changed." in page


def test_edit_following_bad_times_shows_message(staff_client, venue):
    series = _series(venue)
    first = series.sessions.order_by("starts_at").first()
    response = staff_client.post(
        reverse("classes:series_edit_following", args=[first.pk]),
        {"start_time": "13:00", "end_time": "12:00", "seats": "6", "supporters_needed": "1"},
    )
    assert response.status_code == 200
    assert "The end time must be after the start time." in response.content.decode()


def test_edit_following_with_too_few_seats_shows_why_above_the_form(staff_client, venue):
    series = _series(venue)
    first, *_, last = series.sessions.order_by("starts_at")
    for _ in range(3):
        RegistrationFactory(session=last)
    response = staff_client.post(
        reverse("classes:series_edit_following", args=[first.pk]),
        {"start_time": "13:00", "end_time": "14:00", "seats": "2", "supporters_needed": "0"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "On Thu 24 Dec 2026 3 residents are registered, more than 2 seats. "
        "Cancel registrations first or choose more seats."
    ]
    assert '<div role="alert"><ul class="errorlist nonfield"><li>On Thu 24 Dec 2026' in (
        response.content.decode()
    )
    assert {s.seats for s in series.sessions.all()} == {10}


def test_whole_course_page_reports_each_session(staff_client, venue):
    series = _series(venue)
    resident = ResidentFactory(name="山田 花子")
    response = staff_client.post(
        reverse("classes:series_register_course", args=[series.pk]), {"resident": resident.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('badge ok">Registered') == 4 and "Thu 24 Dec 2026" in html
    assert Registration.objects.filter(resident=resident, status="registered").count() == 4


def test_whole_course_by_staff_of_another_venue_is_404(client, other_staff_user, venue):
    series = _series(venue)
    client.force_login(other_staff_user)
    response = client.post(
        reverse("classes:series_register_course", args=[series.pk]),
        {"resident": ResidentFactory().pk},
    )
    assert response.status_code == 404
    assert Registration.objects.count() == 0


def test_whole_course_unknown_resident_message(staff_client, venue):
    series = _series(venue)
    response = staff_client.post(
        reverse("classes:series_register_course", args=[series.pk]), {"resident": "x"}, follow=True
    )
    assert "That resident was not found." in response.content.decode()


def test_series_list_shows_only_own_venues(client, staff_user, venue, other_venue):
    mine = _series(venue)
    theirs = _series(other_venue)
    theirs.title = "よその教室"
    theirs.save()
    client.force_login(staff_user)
    html = client.get(reverse("classes:series_list")).content.decode()
    assert mine.display_title in html and "よその教室" not in html


def test_create_form_has_a_label_for_every_rule_field(staff_client):
    html = staff_client.get(reverse("classes:series_create")).content.decode()
    for text in ("Weekdays", "Tuesday", "Every other week", "Monthly: which weekday", "Last date"):
        assert text in html
    assert 'value="save"' not in html  # the create button comes only after a preview


def test_detail_finds_a_resident_for_the_whole_course(staff_client, venue):
    series = _series(venue)
    ResidentFactory(name="佐藤 一郎", name_kana="さとう いちろう")
    url = reverse("classes:series_detail", args=[series.pk])
    html = staff_client.get(url, {"q": "サトウ"}).content.decode()
    assert "佐藤 一郎" in html and "Register for all future sessions" in html
