"""The busiest staff pages (phone registration, session page) and the counts behind them.

Their session counts are correlated subqueries (classes.selectors): these tests pin what a
user sees in the tables (escaping, badges, waitlist text, the forms of each row) and the
numbers, so that neither the templates nor the queries change them unnoticed.
"""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration, Series, Session
from classes.selectors import session_list, sessions_to_offer
from tests.factories import (
    AssignmentFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
)
from volunteers.models import Assignment
from volunteers.selectors import sessions_understaffed

pytestmark = pytest.mark.django_db


def _tomorrow_at(hour: int):
    return (timezone.localtime() + timedelta(days=1)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def busy_session(venue):
    """3 registered (one present), 2 waitlisted, 1 cancelled who had come; 2 active supporters
    and one who declined."""
    session = SessionFactory(venue=venue, seats=3, supporters_needed=3)
    regs = [RegistrationFactory(session=session) for _ in range(3)]
    regs[0].attendance = Registration.Attendance.ATTENDED
    regs[0].save()
    for _ in range(2):
        RegistrationFactory(session=session, status=Registration.Status.WAITLISTED)
    RegistrationFactory(
        session=session,
        status=Registration.Status.CANCELLED,
        attendance=Registration.Attendance.ATTENDED,
    )
    AssignmentFactory(session=session, is_lead=True)
    AssignmentFactory(session=session, status=Assignment.Status.PROPOSED)
    AssignmentFactory(session=session, status=Assignment.Status.DECLINED)
    return session


def test_session_list_counts_each_registration_and_supporter_once(busy_session):
    s = session_list().get(pk=busy_session.pk)
    assert (s.registered_count, s.waitlisted_count, s.attended_count, s.supporter_count) == (
        3,
        2,
        2,  # attendance counts whatever the status, as before
        2,
    )
    assert s.seats_left == 0


def test_session_list_counts_are_zero_for_an_empty_session(venue):
    s = session_list().get(pk=SessionFactory(venue=venue).pk)
    assert (s.registered_count, s.waitlisted_count, s.attended_count, s.supporter_count) == (
        0,
        0,
        0,
        0,
    )


def test_understaffed_filters_on_the_supporter_count_also_inside_another_query(busy_session, venue):
    staffed = SessionFactory(venue=venue, supporters_needed=1)
    AssignmentFactory(session=staffed)
    start = timezone.now() - timedelta(days=1)
    end = timezone.now() + timedelta(days=30)
    understaffed = sessions_understaffed(start=start, end=end)
    assert list(understaffed.values_list("pk", flat=True)) == [busy_session.pk]
    # Nested as a subquery the counts still refer to the outer session rows.
    nested = Session.objects.filter(
        pk__in=session_list().filter(supporters_needed__gt=F("supporter_count")).values("pk")
    )
    assert list(nested.values_list("pk", flat=True)) == [busy_session.pk]


def test_sessions_to_offer_are_scheduled_sessions_of_the_venues_in_time_order(
    venue, other_venue, busy_session
):
    late = SessionFactory(venue=venue, starts_at=_tomorrow_at(15), ends_at=_tomorrow_at(16))
    early = SessionFactory(venue=venue, starts_at=_tomorrow_at(9), ends_at=_tomorrow_at(10))
    SessionFactory(venue=venue, status=Session.Status.CANCELLED)
    SessionFactory(venue=other_venue)
    now = timezone.now()
    offered = list(
        sessions_to_offer(
            start=now, end=now + timedelta(days=62), venue_ids={venue.pk}, exclude_ids={late.pk}
        )
    )
    assert [s.pk for s in offered] == [early.pk, busy_session.pk]
    assert (offered[1].registered_count, offered[1].waitlisted_count) == (3, 2)


def test_phone_rows_show_badges_waitlist_and_escape_what_staff_typed(staff_client, venue):
    session = SessionFactory(venue=venue, title="LINE <入門>", seats=1)
    RegistrationFactory(session=session)
    first = ResidentFactory(name="山田 <一郎>", name_kana="ヤマダ イチロウ", phone="")
    twin = ResidentFactory(name="山田 一郎", name_kana="ヤマダ イチロウ")
    twin.possible_duplicate_of = first
    twin.accessibility_needs = "車いす & 補聴器"
    twin.save()
    RegistrationFactory(session=session, resident=twin, status=Registration.Status.WAITLISTED)

    body = staff_client.get(reverse("classes:phone"), {"q": "やまだ"}).content.decode()

    assert "山田 &lt;一郎&gt;" in body and "<一郎>" not in body
    assert "Possible duplicate: to be checked" in body
    assert '<span class="badge">車いす &amp; 補聴器</span>' in body
    assert "LINE &lt;入門&gt; (waitlist)<br>" in body
    assert f"?q=%E3%82%84%E3%81%BE%E3%81%A0&amp;resident={first.pk}" in body


def test_register_rows_offer_the_waitlist_when_full_and_post_a_companion(staff_client, venue):
    caller = ResidentFactory()
    full = SessionFactory(venue=venue, seats=1, starts_at=_tomorrow_at(10))
    RegistrationFactory(session=full)
    RegistrationFactory(session=full, status=Registration.Status.WAITLISTED)
    SessionFactory(venue=venue, seats=None, kind=Session.Kind.SALON, starts_at=_tomorrow_at(13))

    body = staff_client.get(reverse("classes:phone"), {"resident": caller.pk}).content.decode()

    assert '0 / 1<br><span class="muted">1 waiting</span>' in body
    assert "Add to waitlist" in body and "Drop-in" in body
    assert body.count('name="csrfmiddlewaretoken"') >= 2
    assert f'<input type="hidden" name="resident" value="{caller.pk}">' in body
    assert f'id="companion-{full.pk}"' in body
    response = staff_client.post(
        reverse("classes:register"),
        {"session": full.pk, "resident": caller.pk, "companion": "娘"},
    )
    assert response.status_code == 302
    reg = Registration.objects.get(session=full, resident=caller)
    assert (reg.status, reg.companion) == (Registration.Status.WAITLISTED, "娘")


def test_session_page_rows_show_attendance_notes_and_actions(staff_client, venue, time_machine):
    series = Series.objects.create(
        venue=venue,
        start_time="10:00",
        end_time="11:30",
        weekdays="0",
        first_date=timezone.localdate(),
        last_date=timezone.localdate() + timedelta(days=30),
    )
    session = SessionFactory(venue=venue, series=series)
    came = RegistrationFactory(session=session, attendance=Registration.Attendance.ATTENDED)
    RegistrationFactory(
        session=session,
        attendance=Registration.Attendance.ABSENT,
        companion="夫 <同伴>",
        resident=ResidentFactory(name="佐藤 花子", accessibility_needs="車いす"),
    )
    walk_in = RegistrationFactory(session=session, is_walk_in=True)
    url = reverse("classes:session_detail", args=[session.pk])

    before = staff_client.get(url).content.decode()
    assert 'name="attended"' not in before  # attendance opens on the day
    assert "Not yet taken" in before

    time_machine.move_to(session.starts_at + timedelta(minutes=5))
    body = staff_client.get(url).content.decode()
    assert f'name="attended" value="{came.pk}" checked>' in body
    assert "佐藤 花子 is present" in body
    assert '<span class="badge warn">Absent</span>' in body
    assert "車いす Companion: 夫 &lt;同伴&gt;" in body
    assert '<span class="badge">walk-in</span>' in body
    # Cancelling is a link to the page that asks first, never a button that cancels at once.
    assert f'href="{reverse("classes:registration_cancel", args=[walk_in.pk])}"' in body
    assert reverse("classes:registration_move", args=[walk_in.pk]) in body
    assert reverse("residents:detail", args=[walk_in.resident_id]) in body


def test_coordinator_sees_the_session_rows_without_actions(coordinator_client, venue):
    session = SessionFactory(venue=venue)
    reg = RegistrationFactory(session=session)
    body = coordinator_client.get(
        reverse("classes:session_detail", args=[session.pk])
    ).content.decode()
    assert reg.resident.name in body
    assert 'name="attended"' not in body
    assert f"cancel-{reg.pk}" not in body


@pytest.mark.parametrize("rows", [5, 40])
def test_register_form_query_count_does_not_grow(
    staff_client, venue, rows, django_assert_max_num_queries
):
    caller = ResidentFactory(name_kana="ヤマダ ハナコ")
    for i in range(rows):
        session = SessionFactory(venue=venue, starts_at=_tomorrow_at(9) + timedelta(days=i))
        RegistrationFactory(session=session, resident=ResidentFactory(name_kana=f"ヤマダ {i}"))
        if i % 3 == 0:
            RegistrationFactory(session=session, resident=caller)
    # session, user, profile, venues, search, upcoming registrations of everyone, sessions;
    # the audit trail (the read limit's look at the user's recent reads, the page's event)
    with django_assert_max_num_queries(9):
        response = staff_client.get(
            reverse("classes:phone"), {"q": "やまだ", "resident": caller.pk}
        )
    assert response.status_code == 200
