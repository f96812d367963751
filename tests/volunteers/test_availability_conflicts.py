"""A supporter's availability: overlapping weekly windows are joined, and a day off over pending
or accepted requests lists them and declines them the way a supporter's own cancellation does."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kernel.models import Role
from tests.factories import AssignmentFactory, SupporterFactory, make_user
from tests.volunteers.helpers import jst, session_at, texts
from volunteers.models import Assignment, Availability, AvailabilityException
from volunteers.services import supporter_update

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
TODAY = datetime(2027, 1, 4, 9, 0, tzinfo=JST)
URL = reverse("volunteers:my_availability")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def weekly_post(*windows):
    data = {
        "action": "weekly",
        "availability-TOTAL_FORMS": str(len(windows)),
        "availability-INITIAL_FORMS": "0",
    }
    for i, (weekday, start, end) in enumerate(windows):
        data[f"availability-{i}-weekday"] = str(weekday)
        data[f"availability-{i}-start_time"] = start
        data[f"availability-{i}-end_time"] = end
    return data


def windows(supporter):
    return list(
        Availability.objects.filter(supporter=supporter)
        .order_by("weekday", "start_time")
        .values_list("weekday", "start_time", "end_time")
    )


def test_overlapping_weekly_windows_are_saved_as_one_and_said_so(supporter_client, supporter_user):
    response = supporter_client.post(
        URL,
        weekly_post((0, "09:00", "12:00"), (0, "11:00", "15:00"), (2, "13:00", "17:00")),
        follow=True,
    )

    assert windows(supporter_user.supporter) == [(0, time(9), time(15)), (2, time(13), time(17))]
    assert (
        "Monday: the times you entered overlap or follow on, so they were saved as one window, "
        "09:00–15:00."
    ) in texts(response)


def test_windows_that_follow_on_are_joined_so_a_session_across_noon_fits(supporter_user):
    supporter = supporter_user.supporter
    supporter_update(
        supporter=supporter,
        weekly=[(4, time(9), time(12)), (4, time(12), time(16)), (4, time(10), time(11))],
    )
    assert windows(supporter) == [(4, time(9), time(16))]


def test_the_message_is_in_japanese(supporter_client, supporter_user, settings):
    settings.LANGUAGE_CODE = "ja"
    response = supporter_client.post(
        URL, weekly_post((5, "10:00", "12:00"), (5, "10:00", "12:00")), follow=True
    )
    assert windows(supporter_user.supporter) == [(5, time(10), time(12))]
    assert any(t.startswith("土曜日：") and "10:00〜12:00" in t for t in texts(response))


def add_day_off(client, url, date_from, date_to, **extra):
    data = {
        "action": "add_exception",
        "exception-date_from": date_from,
        "exception-date_to": date_to,
        "exception-available": "0",
        "exception-reason": "期末試験",
    }
    data.update({f"exception-{k}": v for k, v in extra.items()})
    return client.post(url, data, follow=True)


@pytest.fixture
def booked(supporter_user):
    """The supporter asked for 1/18 (not answered), booked on 1/19, asked for 1/25."""
    me = supporter_user.supporter
    asked = AssignmentFactory(
        supporter=me, session=session_at(jst(2027, 1, 18, 10)), status=Assignment.Status.PROPOSED
    )
    accepted = AssignmentFactory(
        supporter=me, session=session_at(jst(2027, 1, 19, 14)), status=Assignment.Status.CONFIRMED
    )
    later = AssignmentFactory(
        supporter=me, session=session_at(jst(2027, 1, 25, 10)), status=Assignment.Status.PROPOSED
    )
    return asked, accepted, later


def test_a_day_off_over_requests_lists_them_and_declines_them(
    supporter_client, booked, coordinator_user
):
    asked, accepted, later = booked
    response = add_day_off(supporter_client, URL, "2027-01-18", "2027-01-22")

    assert any("fall on 2 requests or accepted sessions" in t for t in texts(response))
    page = response.content.decode()
    exception = AvailabilityException.objects.get()
    assert "2 sessions on these days" in page
    for a in (asked, accepted):
        assert f'id="decline-{exception.pk}-{a.pk}" checked' in page
    assert f'name="assignment" value="{later.pk}"' not in page
    assert "asked, not answered yet" in page and "(accepted)" in page

    coordinator = Client()
    coordinator.force_login(coordinator_user)
    declines_url = reverse("volunteers:withdrawals")
    assert asked.supporter.name not in coordinator.get(declines_url).content.decode()

    response = supporter_client.post(
        URL,
        {
            "action": "decline_conflicts",
            "exception": exception.pk,
            "assignment": [asked.pk, accepted.pk],
        },
        follow=True,
    )

    assert "Declined 2 sessions. The coordinator sees them among the declines." in texts(response)
    asked.refresh_from_db()
    accepted.refresh_from_db()
    later.refresh_from_db()
    assert asked.status == Assignment.Status.DECLINED
    # The supporter's own cancellation, as assignment_withdraw records it.
    assert accepted.status == Assignment.Status.CANCELLED
    assert accepted.cancelled_at == accepted.responded_at
    assert later.status == Assignment.Status.PROPOSED
    assert "sessions on these days" not in response.content.decode()
    # The coordinator's list of declines that left a session short shows both.
    declines = coordinator.get(declines_url).content.decode()
    assert declines.count(asked.supporter.name) >= 2


def test_only_the_ticked_sessions_are_declined(supporter_client, booked):
    asked, accepted, _ = booked
    add_day_off(supporter_client, URL, "2027-01-18", "2027-01-19")
    exception = AvailabilityException.objects.get()
    supporter_client.post(
        URL, {"action": "decline_conflicts", "exception": exception.pk, "assignment": [asked.pk]}
    )
    asked.refresh_from_db()
    accepted.refresh_from_db()
    assert (asked.status, accepted.status) == ("declined", "confirmed")

    response = supporter_client.post(
        URL, {"action": "decline_conflicts", "exception": exception.pk}, follow=True
    )
    assert "Tick at least one of the requests on these days to decline it." in texts(response)


def test_a_day_off_with_times_lists_only_the_sessions_it_overlaps(supporter_client, booked):
    asked, accepted, _ = booked  # 1/18 10:00-11:30, 1/19 14:00-15:30
    response = add_day_off(
        supporter_client, URL, "2027-01-18", "2027-01-19", start_time="11:30", end_time="18:00"
    )
    page = response.content.decode()
    assert "1 session on these days" in page
    assert f'name="assignment" value="{accepted.pk}"' in page
    assert f'name="assignment" value="{asked.pk}"' not in page


def test_an_extra_available_day_warns_of_nothing(supporter_client, booked):
    response = add_day_off(
        supporter_client,
        URL,
        "2027-01-18",
        "2027-01-19",
        available="1",
        start_time="09:00",
        end_time="18:00",
    )
    assert AvailabilityException.objects.get().available
    assert "on these days" not in response.content.decode()
    assert not any("fall on" in t for t in texts(response))


def test_ids_of_someone_elses_sessions_are_ignored(supporter_client, booked):
    other = AssignmentFactory(
        supporter=SupporterFactory(),
        session=session_at(jst(2027, 1, 18, 13)),
        status=Assignment.Status.PROPOSED,
    )
    add_day_off(supporter_client, URL, "2027-01-18", "2027-01-18")
    exception = AvailabilityException.objects.get()
    response = supporter_client.post(
        URL,
        {"action": "decline_conflicts", "exception": exception.pk, "assignment": [other.pk]},
        follow=True,
    )
    other.refresh_from_db()
    assert other.status == Assignment.Status.PROPOSED
    assert "Tick at least one" in " ".join(texts(response))


def test_a_late_cancellation_through_a_day_off_alerts_the_coordinators(
    supporter_client, supporter_user, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator = make_user(Role.COORDINATOR, username="coord-mail")
    coordinator.email = "coord@example.jp"
    coordinator.save(update_fields=["email"])
    accepted = AssignmentFactory(
        supporter=supporter_user.supporter,
        session=session_at(jst(2027, 1, 5, 10)),
        status=Assignment.Status.CONFIRMED,
    )
    add_day_off(supporter_client, URL, "2027-01-05", "2027-01-05")
    exception = AvailabilityException.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = supporter_client.post(
            URL,
            {"action": "decline_conflicts", "exception": exception.pk, "assignment": [accepted.pk]},
            follow=True,
        )
    assert any("the coordinator has been alerted" in t for t in texts(response))
    assert [m.to for m in mailoutbox] == [["coord@example.jp"]]
    assert "期末試験" in mailoutbox[0].body


def test_the_coordinator_declines_for_a_supporter(coordinator_client, booked):
    asked, accepted, _ = booked
    url = reverse("volunteers:supporter_availability", args=[asked.supporter_id])
    response = add_day_off(coordinator_client, url, "2027-01-18", "2027-01-18")
    assert "The supporter is still asked or booked" in response.content.decode()
    exception = AvailabilityException.objects.get()
    coordinator_client.post(
        url, {"action": "decline_conflicts", "exception": exception.pk, "assignment": [asked.pk]}
    )
    asked.refresh_from_db()
    assert asked.status == Assignment.Status.DECLINED
    assert date(2027, 1, 18) == exception.date_from
    assert timedelta(0) == exception.date_to - exception.date_from
