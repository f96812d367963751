"""Matching with the database: runs, pins, removals, re-runs, explanations and publishing."""

from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from classes.models import Session
from tests.factories import (
    AssignmentFactory,
    AvailabilityFactory,
    RegistrationFactory,
    SessionFactory,
    SkillFactory,
    SupporterFactory,
    TopicFactory,
    VenueFactory,
)
from tests.volunteers.helpers import jst, solved
from volunteers.models import (
    Assignment,
    AvailabilityException,
    DistrictTravel,
    MatchGap,
    MatchProposal,
    MatchRun,
)
from volunteers.selectors_matching import match_problem_build, session_supporters_needed
from volunteers.services_matching import (
    availability_exception_add,
    match_proposal_pin,
    match_proposal_remove,
    match_run_create,
    match_run_publish,
    match_run_rerun,
)

pytestmark = pytest.mark.django_db

MON = date(2027, 1, 11)


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.MATCHING_TIME_LIMIT_SECONDS = 2


def ready(name="学生", *, weekdays=range(7), skills=(), **kw):
    """A supporter who is trained, insured and free 8:00-21:00 on ``weekdays``."""
    kw.setdefault("training_completed_on", date(2026, 4, 1))
    kw.setdefault("insurance_valid_until", date(2027, 12, 31))
    supporter = SupporterFactory(name=name, **kw)
    for day in weekdays:
        AvailabilityFactory(supporter=supporter, weekday=day, start_time=time(8), end_time=time(21))
    for code in skills:
        supporter.skills.add(SkillFactory(code=code, name=code))
    return supporter


def session_on(day: date, hour=10, needed=1, **kw):
    start = jst(day.year, day.month, day.day, hour)
    return SessionFactory(
        starts_at=start, ends_at=start + timedelta(hours=2), supporters_needed=needed, **kw
    )


def proposals(run):
    return {
        (p.session_id, p.supporter_id): p
        for p in MatchProposal.objects.filter(run=run).exclude(state=MatchProposal.State.REMOVED)
    }


def test_run_proposes_available_supporters_and_stores_figures(coordinator_user):
    s1 = session_on(MON)
    ann = ready("Ann", weekdays=[0])
    run = solved(
        match_run_create, date_from=MON, date_to=MON + timedelta(days=6), by=coordinator_user
    )
    assert set(proposals(run)) == {(s1.pk, ann.pk)}
    assert (run.required_slots, run.filled_slots, run.status) == (1, 1, MatchRun.Status.DRAFT)
    assert run.solver_status in ("OPTIMAL", "FEASIBLE")
    # A draft is not an assignment: the supporter is not asked yet.
    assert not Assignment.objects.exists()


def test_exception_dates_from_the_database_are_respected(coordinator_user):
    s1 = session_on(MON)
    s2 = session_on(MON + timedelta(days=7))
    ann = ready("Ann", weekdays=[0])
    availability_exception_add(supporter=ann, date_from=MON, date_to=MON + timedelta(days=4))
    run = solved(
        match_run_create, date_from=MON, date_to=MON + timedelta(days=13), by=coordinator_user
    )
    assert set(proposals(run)) == {(s2.pk, ann.pk)}
    gap = MatchGap.objects.get(run=run)
    assert (gap.session_id, gap.reason, gap.missing) == (s1.pk, "no_one_available", 1)


def test_travel_time_from_the_table_separates_sessions(coordinator_user):
    hira = VenueFactory(district="平")
    nakoso = VenueFactory(district="勿来")
    DistrictTravel.objects.create(from_district="平", to_district="勿来", minutes=45)
    start = jst(2027, 1, 11, 10)
    first = SessionFactory(venue=hira, starts_at=start, ends_at=start + timedelta(hours=2))
    second = SessionFactory(
        venue=nakoso,
        starts_at=start + timedelta(hours=2, minutes=30),
        ends_at=start + timedelta(hours=4),
        supporters_needed=1,
    )
    first.supporters_needed = 1
    first.save()
    ready("Ann", weekdays=[0])
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert len(proposals(run)) == 1
    assert {second.pk, first.pk} - {sid for sid, _ in proposals(run)}


def test_skills_default_from_the_topic_and_lead_is_needed(coordinator_user):
    iphone = SkillFactory(code="iphone", name="iPhone")
    topic = TopicFactory()
    topic.default_skills.add(iphone)
    s1 = session_on(MON, needed=2, topic=topic, lead_needed=True)
    ready("NoSkill", skills=())
    helper = ready("Helper", skills=("iphone",))
    lead = ready("Lead", skills=("iphone", "lead"))
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    got = proposals(run)
    assert set(got) == {(s1.pk, helper.pk), (s1.pk, lead.pk)}
    assert got[(s1.pk, lead.pk)].is_lead and not got[(s1.pk, helper.pk)].is_lead


def test_training_and_insurance_checked_on_the_day(coordinator_user):
    session_on(MON)
    ready("Lapsed", insurance_valid_until=MON - timedelta(days=1))
    ready("Untrained", training_completed_on=None)
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert proposals(run) == {}
    assert MatchGap.objects.get(run=run).reason == "training_or_insurance"


def test_monthly_maximum_counts_existing_assignments(coordinator_user):
    ann = ready("Ann", max_sessions_per_month=2)
    # Two active assignments earlier in January, outside the range being matched.
    AssignmentFactory(supporter=ann, session=session_on(date(2027, 1, 4)))
    AssignmentFactory(
        supporter=ann, session=session_on(date(2027, 1, 5)), status=Assignment.Status.PROPOSED
    )
    AssignmentFactory(
        supporter=ann, session=session_on(date(2027, 1, 6)), status=Assignment.Status.DECLINED
    )
    session_on(MON)
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert proposals(run) == {}
    assert MatchGap.objects.get(run=run).reason == "everyone_at_maximum"


def test_existing_assignment_counts_towards_the_need(coordinator_user):
    s1 = session_on(MON, needed=2)
    ann = ready("Ann")
    ben = ready("Ben")
    AssignmentFactory(supporter=ann, session=s1)
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert set(proposals(run)) == {(s1.pk, ben.pk)}
    assert (run.required_slots, run.filled_slots) == (2, 2)


def test_ratio_raises_the_need_as_registrations_grow(coordinator_user):
    s1 = session_on(MON, needed=1, residents_per_supporter=3)
    assert session_supporters_needed(Session.objects.get(pk=s1.pk)) == 1
    for _ in range(7):
        RegistrationFactory(session=s1)
    assert session_supporters_needed(Session.objects.get(pk=s1.pk)) == 3  # ceil(7 / 3)
    for name in ("A", "B", "C", "D"):
        ready(name)
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert len(proposals(run)) == 3


def test_pinned_stays_and_removed_is_not_proposed_again(coordinator_user):
    s1 = session_on(MON, needed=1)
    s2 = session_on(MON + timedelta(days=1), needed=1)
    people = [ready(n) for n in ("Ann", "Ben", "Cho")]
    run = solved(
        match_run_create, date_from=MON, date_to=MON + timedelta(days=1), by=coordinator_user
    )
    first = proposals(run)
    on_s1 = next(p for (sid, _), p in first.items() if sid == s1.pk)
    on_s2 = next(p for (sid, _), p in first.items() if sid == s2.pk)
    match_proposal_pin(proposal=on_s1, by=coordinator_user)
    match_proposal_remove(proposal=on_s2, by=coordinator_user)
    for _ in range(2):
        run = solved(match_run_rerun, run=run, by=coordinator_user)
        now = proposals(run)
        assert now[(s1.pk, on_s1.supporter_id)].state == MatchProposal.State.PINNED
        assert (s2.pk, on_s2.supporter_id) not in now
        assert len([k for k in now if k[0] == s2.pk]) == 1
    assert MatchProposal.objects.get(pk=on_s2.pk).state == MatchProposal.State.REMOVED
    assert len(people) == 3


def test_publish_creates_proposed_assignments_and_emails_once(
    coordinator_user, django_capture_on_commit_callbacks
):
    s1 = session_on(MON)
    s2 = session_on(MON + timedelta(days=1))
    ann = ready(
        "Ann", email="ann@example.jp", max_sessions_per_month=1, desired_sessions_per_month=1
    )
    ben = ready("Ben", email="", max_sessions_per_month=1)
    run = solved(
        match_run_create, date_from=MON, date_to=MON + timedelta(days=1), by=coordinator_user
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = match_run_publish(run=run, by=coordinator_user)
    assert {(a.session_id, a.supporter_id) for a in created} == set(proposals(run))
    assert {a.supporter_id for a in created} == {ann.pk, ben.pk}
    assert {a.session_id for a in created} == {s1.pk, s2.pk}
    rows = Assignment.objects.filter(pk__in=[a.pk for a in created])
    assert all(a.status == Assignment.Status.PROPOSED for a in rows)
    assert all(a.notified_at is not None for a in rows)
    assert len(mail.outbox) == 1  # Ben has no email address
    assert mail.outbox[0].to == ["ann@example.jp"]
    body = mail.outbox[0].body
    assert reverse("volunteers:my_assignments") in body
    # Either placement is as fair and as near as the other: the email lists the one Ann got.
    (ann_session,) = [a.session for a in created if a.supporter_id == ann.pk]
    day = "Mon 11 Jan 2027" if ann_session.pk == s1.pk else "Tue 12 Jan 2027"
    assert day in body and ann_session.display_title in body
    # The task is idempotent: running it again sends nothing more.
    from volunteers.tasks import match_publish_notify

    assert match_publish_notify.delay([a.pk for a in created]).get() == 0
    assert len(mail.outbox) == 1
    run.refresh_from_db()
    assert run.status == MatchRun.Status.PUBLISHED
    with pytest.raises(ValidationError, match="already published"):
        match_run_publish(run=run, by=coordinator_user)
    with pytest.raises(ValidationError, match="already published"):
        match_run_rerun(run=run, by=coordinator_user)


def test_publish_is_all_or_nothing_when_something_changed(coordinator_user):
    session_on(MON)
    s2 = session_on(MON, hour=10)
    ann = ready("Ann")
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert len(proposals(run)) == 1
    # Meanwhile someone assigns Ann by hand to the other session at the same time.
    ((session_id, _),) = proposals(run)
    other = s2 if session_id != s2.pk else Session.objects.exclude(pk=s2.pk).get()
    AssignmentFactory(supporter=ann, session=other, status=Assignment.Status.CONFIRMED)
    with pytest.raises(ValidationError) as exc:
        match_run_publish(run=run, by=coordinator_user)
    assert "Nothing was published" in exc.value.messages[0]
    assert Assignment.objects.filter(status=Assignment.Status.PROPOSED).count() == 0
    run.refresh_from_db()
    assert run.status == MatchRun.Status.DRAFT


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (MON, MON - timedelta(days=1), "before the first day"),
        (MON, MON + timedelta(days=62), "at most 62 days"),
        (None, MON, "Give both"),
    ],
)
def test_bad_ranges_are_refused(coordinator_user, start, end, message):
    session_on(MON)
    with pytest.raises(ValidationError, match=message):
        match_run_create(date_from=start, date_to=end, by=coordinator_user)
    assert not MatchRun.objects.exists()


def test_nothing_to_match_is_refused(coordinator_user):
    session_on(MON, needed=0)
    with pytest.raises(ValidationError, match="needs supporters"):
        match_run_create(date_from=MON, date_to=MON, by=coordinator_user)


def test_exception_input_is_checked():
    ann = ready("Ann")
    with pytest.raises(ValidationError, match="before the first day"):
        availability_exception_add(supporter=ann, date_from=MON, date_to=MON - timedelta(days=1))
    with pytest.raises(ValidationError, match="Give the times"):
        availability_exception_add(supporter=ann, date_from=MON, date_to=MON, available=True)
    with pytest.raises(ValidationError, match="end time must be after"):
        availability_exception_add(
            supporter=ann, date_from=MON, date_to=MON, start_time=time(12), end_time=time(9)
        )
    assert not AvailabilityException.objects.exists()


def test_problem_build_query_count_does_not_grow(django_assert_max_num_queries):
    for i in range(3):
        session_on(MON + timedelta(days=i))
        ready(f"P{i}", skills=("line",))
    with django_assert_max_num_queries(12) as small:
        match_problem_build(date_from=MON, date_to=MON + timedelta(days=30))
    for i in range(3, 20):
        AssignmentFactory(session=session_on(MON + timedelta(days=i)), supporter=ready(f"P{i}"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        match_problem_build(date_from=MON, date_to=MON + timedelta(days=30))


def test_the_solve_runs_once_however_often_it_is_delivered(coordinator_user):
    from volunteers.services_matching import match_run_solve

    s1 = session_on(MON)
    ready("Ann")
    run = match_run_create(date_from=MON, date_to=MON, by=coordinator_user)
    assert (run.state, run.progress) == (MatchRun.State.QUEUED, 0)
    assert match_run_solve(run_id=run.pk) is True
    assert match_run_solve(run_id=run.pk) is False  # a second delivery finds it done
    run.refresh_from_db()
    assert (run.state, run.progress, run.filled_slots) == (MatchRun.State.DONE, 100, 1)
    assert MatchProposal.objects.filter(run=run, session=s1).count() == 1
    assert [s["name"] for s in run.stages] == ["fill", "fairness", "continuity", "travel"]
    fill = run.stages[0]
    assert (fill["objective"], fill["bound"], fill["gap"]) == (1, 1, 0)


def test_a_lost_run_is_queued_again_and_a_live_one_is_left_alone(coordinator_user, settings):
    from django.utils import timezone

    from volunteers.services_matching import match_runs_requeue_stale

    settings.MATCHING_STALE_SECONDS = 60
    session_on(MON)
    ready("Ann")
    run = match_run_create(date_from=MON, date_to=MON, by=coordinator_user)
    # Claimed by a worker that died two minutes ago.
    long_ago = timezone.now() - timedelta(minutes=2)
    MatchRun.objects.filter(pk=run.pk).update(
        state=MatchRun.State.RUNNING, started_at=long_ago, progress_at=long_ago, progress=40
    )
    live = match_run_create(date_from=MON, date_to=MON, by=coordinator_user)
    MatchRun.objects.filter(pk=live.pk).update(state=MatchRun.State.RUNNING)
    assert match_runs_requeue_stale() == [run.pk]  # eager here: computed at once
    run.refresh_from_db()
    live.refresh_from_db()
    assert (run.state, run.filled_slots) == (MatchRun.State.DONE, 1)
    assert live.state == MatchRun.State.RUNNING


def test_when_the_broker_is_down_the_run_fails_with_a_reason(coordinator_user, monkeypatch):
    from volunteers import services_matching

    session_on(MON)
    monkeypatch.setattr(services_matching, "enqueue", lambda *a, **kw: False)
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    assert run.state == MatchRun.State.FAILED
    assert "background task service does not answer" in run.error


def test_sessions_gone_by_the_time_it_runs_fail_in_words(coordinator_user):
    from volunteers.services_matching import match_run_solve

    s1 = session_on(MON)
    run = match_run_create(date_from=MON, date_to=MON, by=coordinator_user)
    Session.objects.filter(pk=s1.pk).update(status=Session.Status.CANCELLED)
    assert match_run_solve(run_id=run.pk) is False
    run.refresh_from_db()
    assert run.state == MatchRun.State.FAILED
    assert "needs supporters" in run.error
