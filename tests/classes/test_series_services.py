"""Series services: create with skipped dates, edit "this and the following", whole course."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from classes.models import Registration, SeatOffer, Series, Session, VenueClosure
from classes.recurrence import MONTHLY, WEEKLY, Rule
from classes.services_series import (
    series_create,
    series_register_course,
    series_update_following,
)
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory, TopicFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")
MON, TUE, THU = 0, 1, 3


def _local(dt):
    return timezone.localtime(dt).replace(tzinfo=None)


def _make(venue, rule, **kw):
    kw.setdefault("seats", 10)
    return series_create(
        venue=venue,
        rule=rule,
        start_time=time(10, 0),
        end_time=time(11, 30),
        topic=TopicFactory(),
        **kw,
    )


@time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False)
def test_create_makes_sessions_in_jst_and_skips_holiday_and_closure(venue):
    VenueClosure.objects.create(venue=venue, date=date(2027, 1, 25), reason="館内点検")
    series, plan = _make(venue, Rule(WEEKLY, (MON,), date(2027, 1, 1), date(2027, 1, 31)))
    starts = [_local(s.starts_at) for s in series.sessions.order_by("starts_at")]
    assert starts == [datetime(2027, 1, 4, 10, 0), datetime(2027, 1, 18, 10, 0)]
    assert all(
        _local(s.ends_at).time() == time(11, 30) and s.seats == 10 for s in series.sessions.all()
    )
    assert [(s.day, s.reason) for s in plan.skipped] == [
        (date(2027, 1, 11), "Public holiday: 成人の日"),
        (date(2027, 1, 25), "Venue closed: 館内点検"),
    ]


def test_closure_of_another_venue_is_not_skipped(venue, other_venue):
    VenueClosure.objects.create(venue=other_venue, date=date(2027, 2, 2), reason="休館")
    series, plan = _make(venue, Rule(MONTHLY, (TUE,), date(2027, 2, 1), date(2027, 2, 28), nth=1))
    assert [timezone.localdate(s.starts_at) for s in series.sessions.all()] == [date(2027, 2, 2)]
    assert plan.skipped == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"rule": Rule(WEEKLY, (), date(2027, 1, 1), date(2027, 1, 31))},
            "Choose at least one weekday.",
        ),
        (
            {"rule": Rule(WEEKLY, (MON,), date(2027, 1, 31), date(2027, 1, 1))},
            "The last date must be on or after the first date.",
        ),
        (
            {"rule": Rule(WEEKLY, (MON,), date(2027, 1, 11), date(2027, 1, 11))},
            "This rule gives no date to hold a session on. Check the weekdays and the dates.",
        ),
        (
            {
                "rule": Rule(WEEKLY, (MON,), date(2027, 1, 1), date(2027, 1, 31)),
                "seats": None,
            },
            "A class needs a number of seats.",
        ),
    ],
)
def test_bad_input_saves_nothing(venue, kwargs, message):
    with pytest.raises(ValidationError) as exc:
        _make(venue, **kwargs)
    assert message in exc.value.messages
    assert Series.objects.count() == 0
    assert Session.objects.count() == 0


def test_end_time_before_start_time_saves_nothing(venue):
    with pytest.raises(ValidationError, match="end time must be after"):
        series_create(
            venue=venue,
            rule=Rule(WEEKLY, (MON,), date(2027, 1, 1), date(2027, 1, 31)),
            start_time=time(11),
            end_time=time(10),
            seats=5,
        )
    assert Session.objects.count() == 0


def _weekly_series(venue):
    series, _ = _make(venue, Rule(WEEKLY, (THU,), date(2026, 12, 3), date(2026, 12, 24)))
    return series, list(series.sessions.order_by("starts_at"))


def test_this_and_following_leaves_past_sessions_untouched(venue):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False):
        series, sessions = _weekly_series(venue)  # 12/3, 12/10, 12/17, 12/24
    # It is now 12/11: 12/3 and 12/10 are over. Editing from 12/17 on.
    with time_machine.travel(datetime(2026, 12, 11, 9, 0, tzinfo=JST), tick=False):
        count = series_update_following(
            session=sessions[2],
            start_time=time(13, 0),
            end_time=time(15, 0),
            seats=12,
            supporters_needed=3,
            what_to_bring="ご自分のスマホ",
        )
    assert count == 2
    fresh = list(series.sessions.order_by("starts_at"))
    assert [_local(s.starts_at).hour for s in fresh] == [10, 10, 13, 13]
    assert [s.seats for s in fresh] == [10, 10, 12, 12]
    assert [_local(s.ends_at) for s in fresh[2:]] == [
        datetime(2026, 12, 17, 15, 0),
        datetime(2026, 12, 24, 15, 0),
    ]
    series.refresh_from_db()
    assert series.start_time == time(13, 0) and series.seats == 12


def test_this_and_following_from_a_started_session_is_refused(venue):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False):
        series, sessions = _weekly_series(venue)
    with time_machine.travel(datetime(2026, 12, 3, 10, 30, tzinfo=JST), tick=False):
        with pytest.raises(ValidationError, match="already started"):
            series_update_following(
                session=sessions[0],
                start_time=time(13),
                end_time=time(14),
                seats=10,
                supporters_needed=0,
                what_to_bring="",
            )
    assert {_local(s.starts_at).hour for s in series.sessions.all()} == {10}


@time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False)
def test_fewer_seats_than_registered_changes_nothing(venue):
    series, sessions = _weekly_series(venue)
    for _ in range(3):
        RegistrationFactory(session=sessions[3])
    with pytest.raises(ValidationError, match="3 residents are registered, more than 2 seats"):
        series_update_following(
            session=sessions[0],
            start_time=time(13),
            end_time=time(14),
            seats=2,
            supporters_needed=0,
            what_to_bring="",
        )
    assert {s.seats for s in series.sessions.all()} == {10}
    assert {_local(s.starts_at).hour for s in series.sessions.all()} == {10}


@time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False)
def test_more_seats_are_offered_to_the_waitlist(venue):
    series, sessions = _weekly_series(venue)
    Session.objects.filter(series=series).update(seats=1)
    RegistrationFactory(session=sessions[0])
    waiting = RegistrationFactory(session=sessions[0], status=Registration.Status.WAITLISTED)
    # A later date with two waiting for one new seat: only the first in line is offered it.
    RegistrationFactory(session=sessions[2])
    first, second = (
        RegistrationFactory(session=sessions[2], status=Registration.Status.WAITLISTED)
        for _ in range(2)
    )
    series_update_following(
        session=sessions[0],
        start_time=time(10),
        end_time=time(11, 30),
        seats=2,
        supporters_needed=0,
        what_to_bring="",
    )
    for reg in (waiting, first, second):
        reg.refresh_from_db()
    # Nobody moves without a yes: each new seat is held by an offer to the first in line.
    assert {waiting.status, first.status, second.status} == {Registration.Status.WAITLISTED}
    offers = SeatOffer.objects.filter(status=SeatOffer.Status.OPEN)
    assert {o.registration_id for o in offers} == {waiting.pk, first.pk}
    assert Session.objects.get(pk=sessions[2].pk).seats_left == 0  # held: not free for others


def test_dropping_the_seat_limit_gives_everyone_waiting_a_place(venue):
    series, sessions = _weekly_series(venue)
    Session.objects.filter(series=series).update(seats=1)
    RegistrationFactory(session=sessions[1])
    waiting = [
        RegistrationFactory(session=sessions[1], status=Registration.Status.WAITLISTED)
        for _ in range(2)
    ]
    series_update_following(
        session=sessions[0],
        start_time=time(10),
        end_time=time(11, 30),
        seats=None,
        supporters_needed=0,
        what_to_bring="",
    )
    # Everyone waiting is asked (no limit: a place for each), none moved without a yes.
    for reg in waiting:
        reg.refresh_from_db()
        assert reg.status == Registration.Status.WAITLISTED
    offers = SeatOffer.objects.filter(status=SeatOffer.Status.OPEN)
    assert {o.registration_id for o in offers} == {r.pk for r in waiting}


def test_whole_course_registers_future_sessions_and_reports_each(venue):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False):
        series, sessions = _weekly_series(venue)
    resident = ResidentFactory()
    # 12/17 is full (waitlist); on 12/24 the resident is in another class at the same time.
    Session.objects.filter(pk=sessions[2].pk).update(seats=1)
    RegistrationFactory(session=sessions[2])
    clash = SessionFactory(starts_at=sessions[3].starts_at, ends_at=sessions[3].ends_at)
    RegistrationFactory(session=clash, resident=resident)
    with time_machine.travel(datetime(2026, 12, 5, 9, 0, tzinfo=JST), tick=False):
        results = series_register_course(series=series, resident=resident)
    # 12/3 is over and not offered.
    assert [r.session.pk for r in results] == [s.pk for s in sessions[1:]]
    assert [r.outcome for r in results] == ["registered", "waitlisted", "refused"]
    assert "overlaps this session" in results[2].message
    statuses = dict(
        Registration.objects.filter(resident=resident, session__series=series).values_list(
            "session_id", "status"
        )
    )
    assert statuses == {sessions[1].pk: "registered", sessions[2].pk: "waitlisted"}


def test_whole_course_twice_refuses_each_without_duplicates(venue):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False):
        series, sessions = _weekly_series(venue)
        resident = ResidentFactory()
        series_register_course(series=series, resident=resident)
        again = series_register_course(series=series, resident=resident)
    assert {r.outcome for r in again} == {"refused"}
    assert Registration.objects.filter(resident=resident).count() == 4


def test_whole_course_of_a_finished_series_is_refused(venue):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=JST), tick=False):
        series, _ = _weekly_series(venue)
    with time_machine.travel(datetime(2027, 1, 5, 9, 0, tzinfo=JST), tick=False):
        with pytest.raises(ValidationError, match="no future session"):
            series_register_course(series=series, resident=ResidentFactory())
