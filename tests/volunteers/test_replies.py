"""Supporters' answers: withdrawing (decline / cancel), late-cancellation alerts, replacement
suggestions least-recently-asked first, and the one-click "Ask"."""

from datetime import date, time, timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from kernel.models import Role
from tests.factories import (
    AssignmentFactory,
    AvailabilityFactory,
    SkillFactory,
    SupporterFactory,
    VenueFactory,
    make_user,
)
from tests.volunteers import helpers
from tests.volunteers.helpers import jst, texts
from volunteers import selectors_replies, services_replies
from volunteers.models import Assignment, DistrictTravel, Supporter

pytestmark = pytest.mark.django_db

# Monday 2026-12-07 10:00-11:30 JST; "now" in most tests is a few days before.
SESSION_START = jst(2026, 12, 7, 10)


def session_at(start=SESSION_START, minutes=90, **kwargs):
    return helpers.session_at(start, minutes, **kwargs)


def eligible_supporter(**kwargs) -> Supporter:
    """A supporter who fits a Monday-morning session in December 2026."""
    defaults = {
        "training_completed_on": date(2026, 4, 1),
        "insurance_valid_until": date(2027, 3, 31),
        "email": "",
    }
    defaults.update(kwargs)
    supporter = SupporterFactory(**defaults)
    AvailabilityFactory(supporter=supporter, weekday=0, start_time=time(9), end_time=time(17))
    return supporter


@pytest.fixture
def coordinator_with_email(db):
    user = make_user(Role.COORDINATOR, username="coord-mail")
    user.email = "coordinator@example.jp"
    user.save()
    return user


# --- withdrawing -------------------------------------------------------------------------------


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_decline_puts_the_slot_back_and_the_session_shows_it_unfilled():
    session = session_at(supporters_needed=1)
    assignment = AssignmentFactory(session=session, status=Assignment.Status.PROPOSED)
    assert selectors_replies.open_withdrawals() == []

    result = services_replies.assignment_withdraw(assignment=assignment, by=None)

    assert result.status == Assignment.Status.DECLINED
    assert result.responded_at is not None
    open_slots = selectors_replies.open_withdrawals()
    assert [a.pk for a in open_slots] == [assignment.pk]
    assert open_slots[0].active_count == 0
    assert not result.is_late


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_cancelling_a_confirmed_assignment_early_sends_no_alert(
    coordinator_with_email, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=True):
        result = services_replies.assignment_withdraw(assignment=assignment, by=None)
    assert result.status == Assignment.Status.CANCELLED
    assert result.cancelled_at == result.responded_at
    assert not result.is_late
    assert mail.outbox == []
    assert list(selectors_replies.late_cancellations()) == []


def test_late_cancellation_alerts_coordinators_once_with_the_reason(
    coordinator_with_email, django_capture_on_commit_callbacks
):
    make_user(Role.COORDINATOR, username="coord-no-mail")  # no address: not a recipient
    staff = make_user(Role.STAFF, username="staff-mail")
    staff.email = "staff@example.jp"
    staff.save()
    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)

    # 47 hours before the start: late.
    with time_machine.travel(SESSION_START - timedelta(hours=47), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            result = services_replies.assignment_withdraw(
                assignment=assignment, by=None, reason="体調不良のため"
            )
    assert result.is_late
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["coordinator@example.jp"]
    assert assignment.supporter.name in message.subject
    assert "体調不良のため" in message.body
    assert reverse("volunteers:replacements", args=[assignment.session_id]) in message.body

    with time_machine.travel(SESSION_START - timedelta(hours=40), tick=False):
        late = list(selectors_replies.late_cancellations())
    assert [a.pk for a in late] == [assignment.pk]

    # Cancelling again is refused and sends nothing more.
    with time_machine.travel(SESSION_START - timedelta(hours=46), tick=False):
        with pytest.raises(ValidationError, match="already cancelled or declined"):
            with django_capture_on_commit_callbacks(execute=True):
                services_replies.assignment_withdraw(assignment=assignment, by=None)
    assert len(mail.outbox) == 1


def test_a_late_cancellation_alert_delivered_twice_is_emailed_once(
    coordinator_with_email, django_capture_on_commit_callbacks, monkeypatch
):
    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)
    with time_machine.travel(SESSION_START - timedelta(hours=30), tick=False):
        # The mail server refuses the first attempt: the claim is released for the retry.
        def refuse(*args, **kwargs):
            raise ConnectionRefusedError("smtp down")

        monkeypatch.setattr(services_replies, "send_mail", refuse)
        # (The task asks Celery to retry it later.)
        with pytest.raises(Retry):
            with django_capture_on_commit_callbacks(execute=True):
                services_replies.assignment_withdraw(assignment=assignment, by=None)
        assert mail.outbox == []
        monkeypatch.undo()

        # The retry sends it; the same task delivered again (Redis redelivery) sends nothing.
        assert services_replies.late_cancellation_alert_send(assignment_id=assignment.pk)
        assert not services_replies.late_cancellation_alert_send(assignment_id=assignment.pk)
    assert len(mail.outbox) == 1

    # Asked again, accepted and cancelled late once more: that is a new alert.
    Assignment.objects.filter(pk=assignment.pk).update(
        status=Assignment.Status.CONFIRMED, cancelled_at=None
    )
    assignment.refresh_from_db()
    with time_machine.travel(SESSION_START - timedelta(hours=10), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services_replies.assignment_withdraw(assignment=assignment, by=None)
        assert not services_replies.late_cancellation_alert_send(assignment_id=assignment.pk)
    assert len(mail.outbox) == 2


def test_cancellation_49_hours_before_is_not_late(
    coordinator_with_email, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)
    with time_machine.travel(SESSION_START - timedelta(hours=49), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            result = services_replies.assignment_withdraw(assignment=assignment, by=None)
        assert list(selectors_replies.late_cancellations()) == []
    assert not result.is_late
    assert mail.outbox == []


def test_late_decline_of_a_mere_proposal_sends_no_alert(
    coordinator_with_email, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.PROPOSED)
    with time_machine.travel(SESSION_START - timedelta(hours=5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            result = services_replies.assignment_withdraw(assignment=assignment, by=None)
    assert result.status == Assignment.Status.DECLINED
    assert mail.outbox == []


def test_coordinator_cancelling_late_is_not_a_supporter_late_cancellation():
    from volunteers import services

    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)
    with time_machine.travel(SESSION_START - timedelta(hours=3), tick=False):
        services.assignment_cancel(assignment=assignment, by=None)
        assert list(selectors_replies.late_cancellations()) == []


@pytest.mark.parametrize(
    ("status", "session_status", "now", "message"),
    [
        (Assignment.Status.DECLINED, "scheduled", jst(2026, 12, 1), "already cancelled"),
        (Assignment.Status.CANCELLED, "scheduled", jst(2026, 12, 1), "already cancelled"),
        (Assignment.Status.CONFIRMED, "cancelled", jst(2026, 12, 1), "session was cancelled"),
        (Assignment.Status.CONFIRMED, "scheduled", jst(2026, 12, 7, 10, 5), "already started"),
    ],
)
def test_withdrawing_is_refused_with_a_reason(status, session_status, now, message):
    assignment = AssignmentFactory(session=session_at(status=session_status), status=status)
    with time_machine.travel(now, tick=False):
        with pytest.raises(ValidationError, match=message):
            services_replies.assignment_withdraw(assignment=assignment, by=None)
    assignment.refresh_from_db()
    assert assignment.status == status


def test_a_too_long_reason_is_refused_and_nothing_changes():
    assignment = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)
    with time_machine.travel(jst(2026, 12, 1), tick=False):
        with pytest.raises(ValidationError, match="under 300 characters"):
            services_replies.assignment_withdraw(assignment=assignment, by=None, reason="あ" * 301)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFIRMED


# --- the supporter's cancel page ---------------------------------------------------------------


def test_supporter_cancels_own_confirmed_assignment_with_a_reason_late(
    supporter_client, supporter_user, coordinator_with_email, django_capture_on_commit_callbacks
):
    mine = supporter_user.supporter
    assignment = AssignmentFactory(
        session=session_at(), supporter=mine, status=Assignment.Status.CONFIRMED
    )
    url = reverse("volunteers:my_assignment_withdraw", args=[assignment.pk])
    with time_machine.travel(SESSION_START - timedelta(hours=20), tick=False):
        page = supporter_client.get(url).content.decode()
        assert "Less than 48 hours to go" in page
        with django_capture_on_commit_callbacks(execute=True):
            response = supporter_client.post(url, {"reason": "電車が止まりました"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("volunteers:my_assignments")
    assert any("less than 48 hours" in t for t in texts(response))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED
    assert len(mail.outbox) == 1 and "電車が止まりました" in mail.outbox[0].body


def test_supporter_cannot_cancel_someone_elses_assignment(supporter_client):
    other = AssignmentFactory(session=session_at(), status=Assignment.Status.CONFIRMED)
    url = reverse("volunteers:my_assignment_withdraw", args=[other.pk])
    with time_machine.travel(jst(2026, 12, 1), tick=False):
        assert supporter_client.get(url).status_code == 404
        assert supporter_client.post(url, {"reason": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.status == Assignment.Status.CONFIRMED


def test_supporter_sees_a_clear_message_when_cancelling_twice(supporter_client, supporter_user):
    assignment = AssignmentFactory(
        session=session_at(),
        supporter=supporter_user.supporter,
        status=Assignment.Status.DECLINED,
    )
    url = reverse("volunteers:my_assignment_withdraw", args=[assignment.pk])
    with time_machine.travel(jst(2026, 12, 1), tick=False):
        response = supporter_client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "already cancelled or declined" in response.content.decode()


# --- replacement suggestions -------------------------------------------------------------------


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_replacements_are_least_recently_asked_first_never_asked_first():
    session = session_at()
    never = eligible_supporter(name="一度も 頼まれず", name_kana="あ")
    long_ago = eligible_supporter(name="昔 頼まれた", name_kana="い")
    recently = eligible_supporter(name="最近 頼まれた", name_kana="う")
    for supporter, asked in ((long_ago, jst(2026, 9, 1)), (recently, jst(2026, 11, 30))):
        old = AssignmentFactory(
            supporter=supporter,
            session=session_at(jst(2026, 10, 5)),
            status=Assignment.Status.DECLINED,
        )
        Assignment.objects.filter(pk=old.pk).update(notified_at=asked)

    order = [c.supporter.pk for c in selectors_replies.replacement_candidates(session=session)]

    assert order == [never.pk, long_ago.pk, recently.pk]


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_replacements_leave_out_whoever_does_not_fit():
    skill = SkillFactory(code="iphone", name="iPhone")
    session = session_at()
    session.required_skills.add(skill)
    fits = eligible_supporter(name="適任 さん")
    fits.skills.add(skill)

    eligible_supporter()  # fits in every way but lacks the iPhone skill
    untrained = eligible_supporter(training_completed_on=None)
    uninsured = eligible_supporter(insurance_valid_until=date(2026, 11, 30))
    not_monday = SupporterFactory(
        training_completed_on=date(2026, 4, 1), insurance_valid_until=date(2027, 3, 31)
    )
    AvailabilityFactory(supporter=not_monday, weekday=1)
    busy = eligible_supporter()
    AssignmentFactory(supporter=busy, session=session_at(jst(2026, 12, 7, 11)))
    at_max = eligible_supporter(max_sessions_per_month=1)
    AssignmentFactory(supporter=at_max, session=session_at(jst(2026, 12, 20, 14)))
    declined_this = eligible_supporter()
    AssignmentFactory(supporter=declined_this, session=session, status="declined")
    inactive = eligible_supporter(is_active=False)
    on_leave = eligible_supporter()
    if hasattr(on_leave, "availability_exceptions"):
        on_leave.availability_exceptions.create(
            date_from=date(2026, 12, 5), date_to=date(2026, 12, 8), reason="試験"
        )
    for s in (untrained, uninsured, not_monday, busy, at_max, declined_this, inactive, on_leave):
        s.skills.add(skill)

    names = [c.supporter.pk for c in selectors_replies.replacement_candidates(session=session)]

    assert names == [fits.pk]


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_replacements_keep_the_travel_time_between_districts():
    """The same rule as the matching: a session elsewhere must end a travel time before."""
    DistrictTravel.objects.create(from_district="小名浜", to_district="平", minutes=40)
    session = session_at(venue=VenueFactory(district="平"))
    far = VenueFactory(district="小名浜")
    # Both earlier sessions end at 9:40, twenty minutes before the 10:00 start.
    too_far = eligible_supporter(name="遠く から")
    AssignmentFactory(
        supporter=too_far, session=session_at(jst(2026, 12, 7, 8, 40), minutes=60, venue=far)
    )
    nearby = eligible_supporter(name="近く から")
    AssignmentFactory(
        supporter=nearby,
        session=session_at(jst(2026, 12, 7, 8, 40), minutes=60, venue=VenueFactory(district="平")),
    )

    names = [c.supporter.name for c in selectors_replies.replacement_candidates(session=session)]

    assert names == ["近く から"]


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_when_only_the_lead_is_missing_only_leads_are_suggested_and_asked_as_lead(
    coordinator_client,
):
    lead_skill = SkillFactory(code="lead", name="Lead")
    session = session_at(supporters_needed=2, lead_needed=True)
    AssignmentFactory(session=session, supporter=eligible_supporter(name="補助 さん"))
    can_lead = eligible_supporter(name="講師 できる")
    can_lead.skills.add(lead_skill)
    eligible_supporter(name="講師 できない")

    names = [c.supporter.name for c in selectors_replies.replacement_candidates(session=session)]
    assert names == ["講師 できる"]

    url = reverse("volunteers:replacements", args=[session.pk])
    coordinator_client.post(url, {"supporter": can_lead.pk})
    assert Assignment.objects.get(session=session, supporter=can_lead).is_lead is True


@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_with_other_positions_open_anyone_fitting_is_suggested_and_asked_as_helper():
    session = session_at(supporters_needed=3, lead_needed=True)
    helper = eligible_supporter(name="補助 のみ")

    assert [c.supporter.pk for c in selectors_replies.replacement_candidates(session=session)] == [
        helper.pk
    ]
    asked = services_replies.replacement_ask(session=session, supporter=helper, by=None)
    assert asked.is_lead is False


def test_coordinator_asks_a_replacement_in_one_click_email_sent_once(
    coordinator_client, django_capture_on_commit_callbacks
):
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        session = session_at(supporters_needed=1)
        gone = AssignmentFactory(session=session, status=Assignment.Status.DECLINED)
        helper = eligible_supporter(name="代わり 花子", email="hanako@example.jp")
        url = reverse("volunteers:replacements", args=[session.pk])

        page = coordinator_client.get(url).content.decode()
        assert gone.supporter.name in page
        assert "Ask 代わり 花子" in page

        with django_capture_on_commit_callbacks(execute=True):
            response = coordinator_client.post(url, {"supporter": helper.pk}, follow=True)
        assert any("was asked by email" in t for t in texts(response))
        # A second click (double submit) is refused: still one assignment and one email.
        with django_capture_on_commit_callbacks(execute=True):
            again = coordinator_client.post(url, {"supporter": helper.pk}, follow=True)
        assert any("already assigned to this session" in t for t in texts(again))

    asked = Assignment.objects.get(session=session, supporter=helper)
    assert asked.status == Assignment.Status.PROPOSED
    assert asked.notified_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@example.jp"]
    assert session.display_title in mail.outbox[0].body


def test_asking_someone_without_email_says_to_phone(
    coordinator_client, django_capture_on_commit_callbacks
):
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        session = session_at()
        helper = eligible_supporter(email="")
        url = reverse("volunteers:replacements", args=[session.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = coordinator_client.post(url, {"supporter": helper.pk}, follow=True)
    assert any("please also phone them" in t for t in texts(response))
    assert mail.outbox == []
    assert Assignment.objects.filter(session=session, supporter=helper).exists()


def test_ask_with_a_bad_supporter_id_changes_nothing(coordinator_client):
    session = session_at()
    url = reverse("volunteers:replacements", args=[session.pk])
    response = coordinator_client.post(url, {"supporter": "999999"}, follow=True)
    assert any("Choose a supporter" in t for t in texts(response))
    assert not Assignment.objects.filter(session=session).exists()


def test_the_request_email_task_sends_nothing_once_answered():
    assignment = AssignmentFactory(
        session=session_at(),
        supporter=SupporterFactory(email="x@example.jp"),
        status=Assignment.Status.CONFIRMED,
    )
    assert services_replies.assignment_request_email_send(assignment_id=assignment.pk) is False
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff_client", 403), ("supporter_client", 403), ("client", 302)],
)
def test_only_coordinators_reach_replacements_and_the_withdrawal_list(request, persona, status):
    client = request.getfixturevalue(persona)
    session = session_at()
    for url in (
        reverse("volunteers:replacements", args=[session.pk]),
        reverse("volunteers:withdrawals"),
    ):
        assert client.get(url).status_code == status, url


def test_withdrawal_list_and_dashboard_show_late_cancellations(
    coordinator_client, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(
        session=session_at(supporters_needed=1), status=Assignment.Status.CONFIRMED
    )
    with time_machine.travel(SESSION_START - timedelta(hours=10), tick=False):
        services_replies.assignment_withdraw(assignment=assignment, by=None)
        page = coordinator_client.get(reverse("volunteers:withdrawals")).content.decode()
        dashboard = coordinator_client.get(reverse("dashboard")).content.decode()
    for html in (page, dashboard):
        assert "Late cancellations" in html
        assert assignment.supporter.name in html
        assert reverse("volunteers:replacements", args=[assignment.session_id]) in html


def test_withdrawal_and_replacement_pages_make_a_fixed_number_of_queries(
    coordinator_client, django_assert_max_num_queries
):
    session = session_at(supporters_needed=3)
    shorts: list[int] = []

    def add_rows(n):
        for _ in range(n):
            other = session_at(SESSION_START + timedelta(days=len(shorts) + 1), supporters_needed=1)
            AssignmentFactory(session=other, status=Assignment.Status.DECLINED)
            shorts.append(other.pk)
            eligible_supporter()

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        for n in (5, 45):
            add_rows(n)
            with django_assert_max_num_queries(12):
                page = coordinator_client.get(reverse("volunteers:withdrawals")).content.decode()
            # Every short session is listed, not just counted.
            for pk in shorts:
                assert reverse("volunteers:replacements", args=[pk]) in page
            url = reverse("volunteers:replacements", args=[session.pk])
            with django_assert_max_num_queries(16):
                page = coordinator_client.get(url).content.decode()
            assert page.count('name="supporter"') == len(shorts)  # one "Ask" per eligible person


def test_request_email_links_to_the_site_when_site_url_is_set(
    settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://digi.example.jp/"
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        session = session_at()
        helper = eligible_supporter(email="x@example.jp")
        with django_capture_on_commit_callbacks(execute=True):
            services_replies.replacement_ask(session=session, supporter=helper, by=None)
    link = "https://digi.example.jp" + reverse("volunteers:my_assignments")
    assert link in mail.outbox[0].body


def test_my_assignments_links_to_the_calendar_link_and_my_hours(supporter_client):
    page = supporter_client.get(reverse("volunteers:my_assignments")).content.decode()
    assert reverse("volunteers:my_calendar_link") in page
    assert reverse("volunteers:my_hours") in page
    link_page = supporter_client.get(reverse("volunteers:my_calendar_link")).content.decode()
    assert "Reset my calendar link" in link_page


def test_the_request_email_task_run_twice_sends_once_and_marks_the_ask():
    assignment = AssignmentFactory(
        session=session_at(),
        supporter=SupporterFactory(email="twice@example.jp"),
        status=Assignment.Status.PROPOSED,
    )
    first = services_replies.assignment_request_email_send(assignment_id=assignment.pk)
    second = services_replies.assignment_request_email_send(assignment_id=assignment.pk)
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assignment.refresh_from_db()
    assert assignment.notified_at is not None


def test_a_failed_send_releases_the_claim_so_a_retry_sends(monkeypatch):
    assignment = AssignmentFactory(
        session=session_at(),
        supporter=SupporterFactory(email="retry@example.jp"),
        status=Assignment.Status.PROPOSED,
    )

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services_replies, "send_mail", broken)
    with pytest.raises(OSError):
        services_replies.assignment_request_email_send(assignment_id=assignment.pk)
    assignment.refresh_from_db()
    assert assignment.notified_at is None
    monkeypatch.undo()
    assert services_replies.assignment_request_email_send(assignment_id=assignment.pk) is True
    assert len(mail.outbox) == 1
