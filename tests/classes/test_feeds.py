"""Calendar feeds, read back with vobject (an iCalendar parser independent of the icalendar
package that writes them) and checked against the sessions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.urls import reverse
from django.utils import timezone

from classes.models import Session
from kernel.models import Role
from tests.factories import (
    AssignmentFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    SupporterFactory,
    make_user,
)
from volunteers.models import Assignment, Supporter

TOKYO = ZoneInfo("Asia/Tokyo")


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode("utf-8")
    cal = vobject.readOne(text)
    return cal, text


def _events(cal) -> dict[str, object]:
    return {ev.uid.value: ev for ev in getattr(cal, "vevent_list", [])}


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    base = timezone.localtime().date() + timedelta(days=days)
    return datetime(base.year, base.month, base.day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def venue_sessions(venue, other_venue):
    first = SessionFactory(
        venue=venue,
        title="はじめてのスマホ",
        starts_at=_at(3, 10),
        ends_at=_at(3, 11, 30),
        seats=10,
    )
    second = SessionFactory(
        venue=venue,
        kind=Session.Kind.SALON,
        title="スマホサロン",
        starts_at=_at(10, 13, 30),
        ends_at=_at(10, 15),
        seats=None,
    )
    cancelled = SessionFactory(
        venue=venue,
        title="LINE教室",
        starts_at=_at(5, 14),
        ends_at=_at(5, 15),
        status=Session.Status.CANCELLED,
    )
    SessionFactory(venue=other_venue, title="よその会場の教室", starts_at=_at(4, 10))
    return first, second, cancelled


def test_venue_feed_lists_every_session_of_the_venue_at_its_jst_times(
    client, venue, venue_sessions
):
    cal, text = _parse(client.get(reverse("classes:venue_feed", args=[venue.pk])))
    events = _events(cal)
    assert set(events) == {f"session-{s.pk}@digisupport" for s in venue_sessions}
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Tokyo" in text
    for session in venue_sessions:
        ev = events[f"session-{session.pk}@digisupport"]
        assert ev.dtstart.value == session.starts_at
        assert ev.dtend.value == session.ends_at
        assert ev.dtstart.value.utcoffset() == timedelta(hours=9)
        assert ev.dtstamp.value is not None
    first = events[f"session-{venue_sessions[0].pk}@digisupport"]
    assert first.dtstart.value.hour == 10
    assert first.summary.value == "はじめてのスマホ"
    assert venue.name in first.location.value
    assert "Seats left: 10" in first.description.value
    assert "よその会場の教室" not in text


def test_cancelled_session_stays_in_the_feed_as_cancelled(client, venue, venue_sessions):
    cal, _ = _parse(client.get(reverse("classes:venue_feed", args=[venue.pk])))
    events = _events(cal)
    cancelled = events[f"session-{venue_sessions[2].pk}@digisupport"]
    assert cancelled.status.value == "CANCELLED"
    scheduled = events[f"session-{venue_sessions[0].pk}@digisupport"]
    assert not hasattr(scheduled, "status")


def test_uids_are_stable_and_sequence_grows_when_the_time_changes(client, venue, venue_sessions):
    url = reverse("classes:venue_feed", args=[venue.pk])
    before = _events(_parse(client.get(url))[0])
    again = _events(_parse(client.get(url))[0])
    assert set(before) == set(again)

    session = venue_sessions[0]
    session.starts_at += timedelta(hours=1)
    session.ends_at += timedelta(hours=1)
    session.save()
    after = _events(_parse(client.get(url))[0])
    uid = f"session-{session.pk}@digisupport"
    assert set(after) == set(before)
    assert int(after[uid].sequence.value) > int(before[uid].sequence.value)
    assert after[uid].dtstart.value.hour == 11
    # Untouched sessions keep their revision.
    other = f"session-{venue_sessions[1].pk}@digisupport"
    assert after[other].sequence.value == before[other].sequence.value


def test_sequence_grows_when_the_session_is_cancelled_through_the_service(
    client, venue, venue_sessions
):
    from classes.services import session_cancel

    url = reverse("classes:venue_feed", args=[venue.pk])
    session = venue_sessions[0]
    uid = f"session-{session.pk}@digisupport"
    before = _events(_parse(client.get(url))[0])[uid]
    session_cancel(session=session)
    after = _events(_parse(client.get(url))[0])[uid]
    assert after.status.value == "CANCELLED"
    assert int(after.sequence.value) > int(before.sequence.value)


def test_a_notes_only_edit_does_not_change_the_sequence(venue, venue_sessions):
    session = venue_sessions[0]
    session.notes = "鍵は事務室"
    session.save()
    session.refresh_from_db()
    assert session.sequence == 0


def test_public_venue_feed_shows_no_resident_or_supporter_names(client, venue, venue_sessions):
    session = venue_sessions[0]
    resident = ResidentFactory(name="山田 花子", name_kana="やまだ はなこ")
    RegistrationFactory(session=session, resident=resident)
    AssignmentFactory(session=session, supporter=SupporterFactory(name="学生 次郎"))
    session.notes = "山田さんは補聴器"
    session.save()
    _, text = _parse(client.get(reverse("classes:venue_feed", args=[venue.pk])))
    for private in ("山田", "はなこ", "学生 次郎", "補聴器"):
        assert private not in text
    assert "Seats left: 9" in text


def test_unknown_or_inactive_venue_feed_is_404(client, venue):
    venue.is_active = False
    venue.save()
    assert client.get(reverse("classes:venue_feed", args=[venue.pk])).status_code == 404
    assert client.get(reverse("classes:venue_feed", args=[99999])).status_code == 404


# --- supporter feed ----------------------------------------------------------------------------


@pytest.fixture
def supporter_with_sessions(venue):
    supporter = SupporterFactory(name="学生 三郎", user=make_user(Role.SUPPORTER, username="s3"))
    confirmed = AssignmentFactory(
        supporter=supporter,
        session=SessionFactory(
            venue=venue, title="地図アプリ", starts_at=_at(2, 9), ends_at=_at(2, 10)
        ),
    )
    proposed = AssignmentFactory(
        supporter=supporter,
        status=Assignment.Status.PROPOSED,
        session=SessionFactory(
            venue=venue, title="カメラ", starts_at=_at(6, 14), ends_at=_at(6, 16)
        ),
    )
    AssignmentFactory(
        supporter=supporter,
        status=Assignment.Status.DECLINED,
        session=SessionFactory(venue=venue, title="断った回", starts_at=_at(7, 10)),
    )
    SessionFactory(venue=venue, title="担当外の回", starts_at=_at(8, 10))
    return supporter, confirmed, proposed


def _feed_url(client, supporter_user_client_path="volunteers:my_calendar_link"):
    page = client.get(reverse(supporter_user_client_path))
    assert page.status_code == 200
    return page.context["feed_url"]


def test_supporter_feed_lists_only_their_active_assignments(client, supporter_with_sessions):
    supporter, confirmed, proposed = supporter_with_sessions
    client.force_login(supporter.user)
    feed_url = _feed_url(client)
    client.logout()  # calendar apps fetch without a login

    cal, text = _parse(client.get(feed_url))
    events = list(getattr(cal, "vevent_list", []))
    assert sorted(ev.summary.value for ev in events) == ["カメラ", "地図アプリ"]
    by_title = {ev.summary.value: ev for ev in events}
    assert by_title["地図アプリ"].status.value == "CONFIRMED"
    assert by_title["カメラ"].status.value == "TENTATIVE"
    assert by_title["地図アプリ"].dtstart.value == confirmed.session.starts_at
    assert by_title["カメラ"].dtend.value == proposed.session.ends_at
    assert "BEGIN:VTIMEZONE" in text
    assert response_is_private(client.get(feed_url))


def response_is_private(response) -> bool:
    return "no-store" in response["Cache-Control"]


def test_supporter_feed_needs_the_right_token(client, supporter_with_sessions):
    supporter, *_ = supporter_with_sessions
    assert client.get(reverse("volunteers:supporter_feed", args=["wrong-token"])).status_code == 404
    # No link made yet: an empty or missing key must not match a supporter without one.
    assert Supporter.objects.get(pk=supporter.pk).feed_token is None
    assert client.get("/sessions/feeds/supporters/.ics").status_code == 404


def test_a_calendar_subscribed_at_the_earlier_address_keeps_getting_the_feed(
    client, supporter_with_sessions
):
    supporter, *_ = supporter_with_sessions
    client.force_login(supporter.user)
    token = _feed_url(client).rsplit("/", 1)[1].removesuffix(".ics")
    client.logout()
    now = client.get(reverse("volunteers:supporter_feed", args=[token]))
    earlier = client.get(f"/sessions/feeds/supporters/{token}.ics")
    assert earlier.status_code == 200 and response_is_private(earlier)

    def events(body: bytes) -> list[bytes]:  # DTSTAMP is the time of the request
        return [line for line in body.splitlines() if not line.startswith(b"DTSTAMP")]

    assert events(earlier.content) == events(now.content) and b"BEGIN:VEVENT" in earlier.content
    assert client.get("/sessions/feeds/supporters/wrong-token.ics").status_code == 404


def test_resetting_the_link_revokes_the_old_one(client, supporter_with_sessions):
    supporter, *_ = supporter_with_sessions
    client.force_login(supporter.user)
    old_url = _feed_url(client)
    assert client.get(old_url).status_code == 200

    response = client.post(reverse("volunteers:my_calendar_link"), follow=True)
    assert "A new calendar link was made" in response.content.decode()
    new_url = response.context["feed_url"]
    assert new_url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_coordinator_can_reset_a_supporters_link_but_others_cannot(
    client, coordinator_client, supporter_with_sessions, staff_user, supporter_user
):
    supporter, *_ = supporter_with_sessions
    url = reverse("volunteers:supporter_calendar_link", args=[supporter.pk])
    first = coordinator_client.get(url).context["feed_url"]
    coordinator_client.post(url)
    second = coordinator_client.get(url).context["feed_url"]
    assert first != second
    assert coordinator_client.get(first).status_code == 404

    client.force_login(staff_user)
    assert client.get(url).status_code == 403
    client.force_login(supporter_user)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Supporter.objects.get(pk=supporter.pk).feed_token == second.rsplit("/", 1)[1][:-4]


def test_inactive_supporter_feed_is_404(client, supporter_with_sessions):
    supporter, *_ = supporter_with_sessions
    client.force_login(supporter.user)
    feed_url = _feed_url(client)
    Supporter.objects.filter(pk=supporter.pk).update(is_active=False)
    assert client.get(feed_url).status_code == 404


def test_calendar_index_lists_venue_feeds_for_office_roles(staff_client, venue):
    response = staff_client.get(reverse("classes:calendar_index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert venue.name in body
    assert reverse("classes:venue_feed", args=[venue.pk]) in body


def test_supporter_pages_link_to_the_calendar_link(
    client, coordinator_client, supporter_with_sessions
):
    supporter, *_ = supporter_with_sessions
    detail = coordinator_client.get(reverse("volunteers:supporter_detail", args=[supporter.pk]))
    assert (
        reverse("volunteers:supporter_calendar_link", args=[supporter.pk])
        in detail.content.decode()
    )
    client.force_login(supporter.user)
    mine = client.get(reverse("volunteers:my_assignments"))
    assert reverse("volunteers:my_calendar_link") in mine.content.decode()


def test_series_feed_lists_only_the_series_sessions(client, venue):
    from datetime import time

    from classes.models import Series

    series = Series.objects.create(
        title="初心者コース",
        venue=venue,
        start_time=time(10),
        end_time=time(11, 30),
        weekdays="1",
        first_date=_at(1, 0).date(),
        last_date=_at(30, 0).date(),
    )
    in_series = [
        SessionFactory(venue=venue, series=series, title="初心者コース", starts_at=_at(d, 10))
        for d in (2, 9, 16)
    ]
    in_series[1].status = Session.Status.CANCELLED
    in_series[1].save()
    SessionFactory(venue=venue, title="単発の教室", starts_at=_at(3, 10))

    cal, text = _parse(client.get(reverse("classes:series_feed", args=[series.pk])))
    events = _events(cal)
    assert set(events) == {f"session-{s.pk}@digisupport" for s in in_series}
    assert events[f"session-{in_series[1].pk}@digisupport"].status.value == "CANCELLED"
    assert events[f"session-{in_series[0].pk}@digisupport"].dtstart.value == in_series[0].starts_at
    assert "単発の教室" not in text
    assert client.get(reverse("classes:series_feed", args=[99999])).status_code == 404
