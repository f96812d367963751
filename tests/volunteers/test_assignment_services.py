from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from classes.models import Session
from kernel.models import Role
from tests.factories import (
    AssignmentFactory,
    SessionFactory,
    SupporterFactory,
    make_user,
)
from tests.volunteers.helpers import jst, session_at
from volunteers.models import Assignment, Skill
from volunteers.services import (
    assignment_cancel,
    assignment_check_in,
    assignment_check_out,
    assignment_create,
    assignment_respond,
    skill_seed_standard,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(db):
    return make_user(Role.COORDINATOR, username="coord-svc")


def test_assign_proposes_the_supporter_and_counts_toward_staffing(coordinator):
    session = session_at(jst(2031, 6, 10, 10))
    supporter = SupporterFactory(name="山田 花子", insurance_valid_until=date(2032, 3, 31))

    assignment = assignment_create(
        session=session, supporter=supporter, by=coordinator, is_lead=True
    )

    assert assignment.status == Assignment.Status.PROPOSED
    assert assignment.is_lead is True
    assert assignment.created_by == coordinator
    assert assignment.warnings == []
    assert list(session.assignments.values_list("supporter__name", flat=True)) == ["山田 花子"]


def test_assign_rejects_an_inactive_supporter(coordinator):
    session = session_at(jst(2031, 6, 10, 10))
    supporter = SupporterFactory(name="退会 太郎", is_active=False)

    with pytest.raises(ValidationError, match="退会 太郎 is no longer active"):
        assignment_create(session=session, supporter=supporter, by=coordinator)
    assert not Assignment.objects.exists()


def test_assign_rejects_a_cancelled_session(coordinator):
    session = session_at(jst(2031, 6, 10, 10), status=Session.Status.CANCELLED)

    with pytest.raises(ValidationError, match="This session is cancelled"):
        assignment_create(session=session, supporter=SupporterFactory(), by=coordinator)
    assert not Assignment.objects.exists()


def test_assign_rejects_a_supporter_already_on_the_session(coordinator):
    session = session_at(jst(2031, 6, 10, 10))
    supporter = SupporterFactory(name="重複 一郎")
    assignment_create(session=session, supporter=supporter, by=coordinator)

    with pytest.raises(ValidationError, match="重複 一郎 is already assigned to this session"):
        assignment_create(session=session, supporter=supporter, by=coordinator)
    assert Assignment.objects.count() == 1


def test_a_cancelled_assignment_does_not_stop_assigning_again(coordinator):
    session = session_at(jst(2031, 6, 10, 10))
    supporter = SupporterFactory()
    first = assignment_create(session=session, supporter=supporter, by=coordinator)
    assignment_cancel(assignment=first, by=coordinator)

    again = assignment_create(session=session, supporter=supporter, by=coordinator)

    assert again.pk != first.pk
    assert again.status == Assignment.Status.PROPOSED


def test_assign_rejects_an_overlapping_session(coordinator):
    morning = session_at(jst(2031, 6, 10, 10), minutes=90, title="スマホ教室 午前")  # 10:00-11:30
    clashing = session_at(jst(2031, 6, 10, 11), minutes=60)  # 11:00-12:00
    supporter = SupporterFactory(name="多忙 次郎")
    assignment_create(session=morning, supporter=supporter, by=coordinator)

    with pytest.raises(ValidationError) as exc:
        assignment_create(session=clashing, supporter=supporter, by=coordinator)

    message = " ".join(exc.value.messages)
    assert "多忙 次郎 is already assigned to another session at that time" in message
    assert "Tue 10 Jun 2031 10:00 スマホ教室 午前" in message
    assert not clashing.assignments.exists()


def test_a_session_starting_exactly_when_another_ends_is_not_an_overlap(coordinator):
    morning = session_at(jst(2031, 6, 10, 10), minutes=90)  # 10:00-11:30
    next_one = session_at(jst(2031, 6, 10, 11, 30), minutes=60)  # 11:30-12:30
    supporter = SupporterFactory()
    assignment_create(session=morning, supporter=supporter, by=coordinator)

    assignment = assignment_create(session=next_one, supporter=supporter, by=coordinator)

    assert assignment.session == next_one


def test_an_overlap_with_a_cancelled_or_declined_assignment_is_allowed(coordinator):
    supporter = SupporterFactory()
    declined = session_at(jst(2031, 6, 10, 10))
    cancelled_session = session_at(jst(2031, 6, 10, 10), status=Session.Status.CANCELLED)
    AssignmentFactory(session=declined, supporter=supporter, status=Assignment.Status.DECLINED)
    AssignmentFactory(session=cancelled_session, supporter=supporter)
    target = session_at(jst(2031, 6, 10, 10, 30))

    assert assignment_create(session=target, supporter=supporter, by=coordinator).pk


def test_assign_rejects_when_the_monthly_maximum_is_reached(coordinator):
    supporter = SupporterFactory(name="上限 三郎", max_sessions_per_month=2)
    for day in (3, 17):
        assignment_create(
            session=session_at(jst(2031, 6, day)), supporter=supporter, by=coordinator
        )
    third = session_at(jst(2031, 6, 24))

    with pytest.raises(ValidationError, match="上限 三郎 has reached the monthly maximum of 2"):
        assignment_create(session=third, supporter=supporter, by=coordinator)
    assert not third.assignments.exists()


def test_monthly_maximum_counts_the_japanese_calendar_month(coordinator):
    supporter = SupporterFactory(max_sessions_per_month=1)
    # 30 June 23:00 JST is 30 June 14:00 UTC; 1 July 08:00 JST is 30 June 23:00 UTC: a UTC
    # month would put both in June and refuse the second.
    assignment_create(
        session=session_at(jst(2031, 6, 30, 22), minutes=60), supporter=supporter, by=coordinator
    )
    july = session_at(jst(2031, 7, 1, 8), minutes=60)

    assert assignment_create(session=july, supporter=supporter, by=coordinator).pk


def test_cancelled_assignments_do_not_count_toward_the_monthly_maximum(coordinator):
    supporter = SupporterFactory(max_sessions_per_month=1)
    first = assignment_create(
        session=session_at(jst(2031, 6, 3)), supporter=supporter, by=coordinator
    )
    assignment_cancel(assignment=first, by=coordinator)

    assert assignment_create(
        session=session_at(jst(2031, 6, 5)), supporter=supporter, by=coordinator
    )


def test_assign_warns_but_saves_when_the_session_is_already_fully_staffed(coordinator):
    session = session_at(jst(2031, 6, 10), supporters_needed=1)
    assignment_create(session=session, supporter=SupporterFactory(), by=coordinator)
    extra = SupporterFactory(name="追加 四郎", insurance_valid_until=date(2032, 3, 31))

    assignment = assignment_create(session=session, supporter=extra, by=coordinator)

    assert assignment.pk
    assert assignment.warnings == [
        "This session already had the 1 supporters it needs; 追加 四郎 was added as an extra."
    ]


def test_assign_warns_about_missing_or_expired_insurance(coordinator):
    session = session_at(jst(2031, 6, 10))
    expired = SupporterFactory(name="保険 切れ", insurance_valid_until=date(2031, 3, 31))

    assignment = assignment_create(session=session, supporter=expired, by=coordinator)

    assert assignment.warnings == [
        "保険 切れ has no volunteer insurance valid on the day of this session."
    ]


def test_supporter_accepts_and_declines_a_proposal(coordinator):
    accepted = AssignmentFactory(status=Assignment.Status.PROPOSED)
    declined = AssignmentFactory(status=Assignment.Status.PROPOSED)

    assignment_respond(assignment=accepted, accept=True, by=coordinator)
    assignment_respond(assignment=declined, accept=False, by=coordinator)

    accepted.refresh_from_db()
    declined.refresh_from_db()
    assert accepted.status == Assignment.Status.CONFIRMED
    assert accepted.responded_at is not None
    assert declined.status == Assignment.Status.DECLINED


def test_respond_refuses_an_answered_or_cancelled_assignment(coordinator):
    answered = AssignmentFactory(status=Assignment.Status.CONFIRMED)
    with pytest.raises(ValidationError, match="no longer waiting for an answer"):
        assignment_respond(assignment=answered, accept=False, by=coordinator)
    answered.refresh_from_db()
    assert answered.status == Assignment.Status.CONFIRMED

    on_cancelled = AssignmentFactory(
        status=Assignment.Status.PROPOSED,
        session=SessionFactory(status=Session.Status.CANCELLED),
    )
    with pytest.raises(ValidationError, match="This session was cancelled"):
        assignment_respond(assignment=on_cancelled, accept=True, by=coordinator)


def test_cancel_twice_is_refused(coordinator):
    assignment = AssignmentFactory()
    assignment_cancel(assignment=assignment, by=coordinator)
    assert assignment.status == Assignment.Status.CANCELLED
    assert assignment.cancelled_at is not None

    with pytest.raises(ValidationError, match="already cancelled or declined"):
        assignment_cancel(assignment=assignment, by=coordinator)


def test_check_in_and_out(coordinator):
    assignment = AssignmentFactory(status=Assignment.Status.CONFIRMED)
    start = jst(2031, 6, 10, 9, 50)

    assignment_check_in(assignment=assignment, by=coordinator, at=start)
    with pytest.raises(ValidationError, match="must be after the check-in"):
        assignment_check_out(assignment=assignment, by=coordinator, at=start)
    done = assignment_check_out(
        assignment=assignment, by=coordinator, at=start + timedelta(hours=2)
    )

    assert done.checked_out_at - done.checked_in_at == timedelta(hours=2)
    with pytest.raises(ValidationError, match="Only a confirmed assignment"):
        assignment_check_in(assignment=assignment, by=coordinator)


def test_standard_skills_exist_and_seeding_again_changes_nothing():
    skill_seed_standard()
    assert set(Skill.objects.values_list("code", flat=True)) >= {
        "iphone",
        "android",
        "tablet",
        "line",
        "mynumber",
        "scam_awareness",
        "lead",
    }
    Skill.objects.filter(code="lead").update(name="講師(リーダー)")
    before = Skill.objects.count()

    skill_seed_standard()
    skill_seed_standard()

    assert Skill.objects.count() == before
    assert Skill.objects.get(code="lead").name == "講師(リーダー)"
    assert Skill.objects.get(code="mynumber").name == "マイナンバー・マイナポータル"
