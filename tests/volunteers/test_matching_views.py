"""Matching and availability pages: who may use them, what they show, and bad input."""

import re
from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from kernel.dates import date_short
from tests.factories import AvailabilityFactory, SessionFactory, SupporterFactory
from tests.volunteers.helpers import jst, solved
from volunteers.models import Availability, AvailabilityException, MatchProposal, MatchRun
from volunteers.services_matching import match_run_create

pytestmark = pytest.mark.django_db

MON = date(2027, 1, 11)


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.MATCHING_TIME_LIMIT_SECONDS = 2


def ready(name, **kw):
    supporter = SupporterFactory(
        name=name,
        training_completed_on=date(2026, 4, 1),
        insurance_valid_until=date(2027, 12, 31),
        **kw,
    )
    for day in range(7):
        AvailabilityFactory(supporter=supporter, weekday=day, start_time=time(8), end_time=time(21))
    return supporter


def sessions(n, needed=1):
    out = []
    for i in range(n):
        start = jst(2027, 1, 11 + i % 20, 10 + (i // 20) * 3)
        out.append(
            SessionFactory(
                starts_at=start, ends_at=start + timedelta(hours=2), supporters_needed=needed
            )
        )
    return out


def worker_runs(run):
    """What the Celery worker does with the queued run (the view's transaction has committed,
    but inside a test's transaction its on-commit callback never fires)."""
    from volunteers.tasks import match_run_solve

    assert match_run_solve.delay(run.pk).get() is True


def make_run(user, n=2, people=2):
    sessions(n)
    for i in range(people):
        ready(f"P{i}")
    return solved(match_run_create, date_from=MON, date_to=MON + timedelta(days=30), by=user)


@pytest.mark.parametrize("url_name", ["volunteers:matching", "volunteers:my_availability"])
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_supporter_and_staff_may_not_match(client, supporter_user, staff_user, coordinator_user):
    run = make_run(coordinator_user)
    for user in (supporter_user, staff_user):
        client.force_login(user)
        assert client.get(reverse("volunteers:matching")).status_code == 403
        assert client.get(reverse("volunteers:match_run_detail", args=[run.pk])).status_code == 403
        response = client.post(reverse("volunteers:match_run_publish", args=[run.pk]))
        assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == MatchRun.Status.DRAFT


def test_coordinator_runs_pins_and_publishes(coordinator_client):
    sessions(2)
    ready("Ann")
    ready("Ben")
    response = coordinator_client.post(
        reverse("volunteers:matching"),
        {"date_from": "2027-01-11", "date_to": "2027-01-17"},
        follow=True,
    )
    assert response.status_code == 200
    run = MatchRun.objects.get()
    # The page does not wait for the solver: the run is queued, the page refreshes itself.
    assert run.state == MatchRun.State.QUEUED
    page = response.content.decode()
    assert "The proposal is being computed" in page
    assert '<meta http-equiv="refresh" content="5">' in page and "<progress" in page
    assert "Pin " not in page and not MatchProposal.objects.exists()

    worker_runs(run)
    page = coordinator_client.get(reverse("volunteers:match_run_detail", args=[run.pk]))
    page = page.content.decode()
    assert "2 of 2 places filled" in page and 'http-equiv="refresh"' not in page
    assert "How good is this proposal" in page and "Places filled" in page
    proposal = MatchProposal.objects.filter(run=run).first()
    assert f"Pin {proposal.supporter.name}" in page

    url = reverse("volunteers:match_proposal_action", args=[proposal.pk, "pin"])
    page = coordinator_client.post(url, follow=True).content.decode()
    assert "is pinned" in page and "Unpin" in page
    coordinator_client.post(reverse("volunteers:match_run_rerun", args=[run.pk]))
    run.refresh_from_db()
    assert run.state == MatchRun.State.QUEUED
    worker_runs(run)
    proposal.refresh_from_db()
    assert proposal.state == MatchProposal.State.PINNED

    page = coordinator_client.post(
        reverse("volunteers:match_run_publish", args=[run.pk]), follow=True
    ).content.decode()
    assert "Published: sent 2 requests to 2 supporters." in page
    assert "Pin " not in page  # no more buttons on a published run
    listing = coordinator_client.get(reverse("volunteers:matching")).content.decode()
    period = f"{date_short(date(2027, 1, 11))}–{date_short(date(2027, 1, 17))}"
    assert period in listing and "2 / 2" in listing and "Published" in listing


def test_empty_place_says_why(coordinator_client, coordinator_user):
    sessions(1, needed=2)
    ready("Ann")
    run = solved(match_run_create, date_from=MON, date_to=MON, by=coordinator_user)
    page = coordinator_client.get(reverse("volunteers:match_run_detail", args=[run.pk]))
    text = page.content.decode()
    assert "1 place empty" in text
    # Ann is on it; nobody else exists, so nobody else is available.
    assert "Why: No one is available at that time." in text
    assert "Of 0 supporters" in text


def test_bad_range_shows_a_message_and_saves_nothing(coordinator_client):
    response = coordinator_client.post(
        reverse("volunteers:matching"), {"date_from": "2027-01-11", "date_to": "2027-01-01"}
    )
    assert response.status_code == 200
    assert "The last day is before the first day" in response.content.decode()
    assert not MatchRun.objects.exists()


def test_proposal_page_query_count_does_not_grow(
    coordinator_client, coordinator_user, django_assert_max_num_queries
):
    small = make_run(coordinator_user, n=3, people=3)
    url = reverse("volunteers:match_run_detail", args=[small.pk])
    with django_assert_max_num_queries(20) as captured:
        assert coordinator_client.get(url).status_code == 200
    count = len(captured.captured_queries)
    MatchRun.objects.all().delete()
    big = make_run(coordinator_user, n=30, people=25)
    assert MatchProposal.objects.filter(run=big).count() >= 20
    with django_assert_max_num_queries(count):
        assert (
            coordinator_client.get(
                reverse("volunteers:match_run_detail", args=[big.pk])
            ).status_code
            == 200
        )


def test_supporter_edits_own_weekly_pattern_and_exceptions(client, supporter_user):
    client.force_login(supporter_user)
    url = reverse("volunteers:my_availability")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "weekly",
            "availability-TOTAL_FORMS": "2",
            "availability-INITIAL_FORMS": "0",
            "availability-0-weekday": "5",
            "availability-0-start_time": "09:00",
            "availability-0-end_time": "12:00",
            "availability-1-weekday": "",
        },
        follow=True,
    )
    assert "The weekly availability was saved" in response.content.decode()
    mine = supporter_user.supporter
    assert list(Availability.objects.filter(supporter=mine).values_list("weekday", flat=True)) == [
        5
    ]
    response = client.post(
        url,
        {
            "action": "add_exception",
            "exception-date_from": "2027-01-18",
            "exception-date_to": "2027-01-22",
            "exception-available": "0",
            "exception-reason": "期末試験",
        },
        follow=True,
    )
    assert "期末試験" in response.content.decode()
    exc = AvailabilityException.objects.get(supporter=mine)
    response = client.post(
        url,
        {
            "action": "add_exception",
            "exception-date_from": "2027-01-22",
            "exception-date_to": "2027-01-18",
            "exception-available": "0",
        },
    )
    assert "The last day is before the first day" in response.content.decode()
    client.post(url, {"action": "delete_exception", "exception": exc.pk})
    assert not AvailabilityException.objects.exists()


def test_supporter_cannot_touch_someone_elses_exception(client, supporter_user):
    other = SupporterFactory()
    exc = AvailabilityException.objects.create(
        supporter=other, date_from=MON, date_to=MON, reason="x"
    )
    client.force_login(supporter_user)
    response = client.post(
        reverse("volunteers:my_availability"),
        {"action": "delete_exception", "exception": exc.pk},
    )
    assert response.status_code == 404
    assert AvailabilityException.objects.filter(pk=exc.pk).exists()
    assert (
        client.get(reverse("volunteers:supporter_availability", args=[other.pk])).status_code == 403
    )


def test_coordinator_edits_a_supporters_availability(coordinator_client):
    ann = SupporterFactory(name="Ann")
    url = reverse("volunteers:supporter_availability", args=[ann.pk])
    assert "Availability of Ann" in coordinator_client.get(url).content.decode()
    coordinator_client.post(
        url,
        {
            "action": "add_exception",
            "exception-date_from": "2027-01-18",
            "exception-available": "1",
            "exception-start_time": "13:00",
            "exception-end_time": "17:00",
        },
    )
    exc = AvailabilityException.objects.get(supporter=ann)
    assert (exc.date_to, exc.available, exc.start_time) == (date(2027, 1, 18), True, time(13))


def test_session_form_records_what_the_session_needs(staff_client, venue):
    from classes.models import Session
    from tests.factories import SkillFactory

    iphone = SkillFactory(code="iphone", name="iPhone")
    form_page = staff_client.get(reverse("classes:session_create")).content.decode()
    assert "Residents per supporter" in form_page and "Lead needed" in form_page
    response = staff_client.post(
        reverse("classes:session_create"),
        {
            "kind": "class",
            "venue": venue.pk,
            "date": "2030-01-10",
            "start_time": "10:00",
            "end_time": "11:30",
            "seats": 12,
            "supporters_needed": 1,
            "lead_needed": "on",
            "required_skills": [iphone.pk],
            "residents_per_supporter": 4,
        },
    )
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.lead_needed and session.residents_per_supporter == 4
    assert list(session.required_skills.values_list("code", flat=True)) == ["iphone"]
    bad = staff_client.post(
        reverse("classes:session_create"),
        {
            "kind": "class",
            "venue": venue.pk,
            "date": "2030-01-11",
            "start_time": "10:00",
            "end_time": "11:30",
            "seats": 12,
            "supporters_needed": 1,
            "residents_per_supporter": 0,
        },
    )
    assert bad.status_code == 200
    assert Session.objects.count() == 1


def test_double_click_on_compute_makes_one_run(coordinator_client):
    sessions(1)
    ready("Ann")
    page = coordinator_client.get(reverse("volunteers:matching")).content.decode()
    token = re.search(r'name="once_token" value="([^"]+)"', page).group(1)
    form = {"date_from": "2027-01-11", "date_to": "2027-01-17", "once_token": token}
    first = coordinator_client.post(reverse("volunteers:matching"), form)
    second = coordinator_client.post(reverse("volunteers:matching"), form, follow=True)
    assert MatchRun.objects.count() == 1
    run = MatchRun.objects.get()
    assert first["Location"] == reverse("volunteers:match_run_detail", args=[run.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "already sent and saved" in second.content.decode()


def test_a_failed_computation_says_so_in_words_and_can_be_retried(
    coordinator_client, coordinator_user, monkeypatch
):
    from volunteers import matching

    sessions(1)
    ready("Ann")

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(matching, "solve", broken)
    run = make_run(coordinator_user, n=0, people=0)
    assert run.state == MatchRun.State.FAILED
    page = coordinator_client.get(reverse("volunteers:match_run_detail", args=[run.pk]))
    text = page.content.decode()
    assert "The proposal could not be computed" in text
    assert "because of an error in the system" in text and "RuntimeError" not in text
    assert "Try again" in text and "Publish" not in text

    monkeypatch.undo()
    response = coordinator_client.post(reverse("volunteers:match_run_rerun", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == MatchRun.State.QUEUED and run.error == ""
    worker_runs(run)
    run.refresh_from_db()
    assert (run.state, run.filled_slots) == (MatchRun.State.DONE, 1)


def test_pins_and_publishing_wait_for_a_rerun_to_finish(coordinator_client, coordinator_user):
    run = make_run(coordinator_user)
    proposal = MatchProposal.objects.filter(run=run).first()
    coordinator_client.post(reverse("volunteers:match_run_rerun", args=[run.pk]))
    page = coordinator_client.post(
        reverse("volunteers:match_proposal_action", args=[proposal.pk, "pin"]), follow=True
    ).content.decode()
    assert "being computed again" in page
    page = coordinator_client.post(
        reverse("volunteers:match_run_publish", args=[run.pk]), follow=True
    ).content.decode()
    assert "being computed again" in page
    run.refresh_from_db()
    assert run.status == MatchRun.Status.DRAFT
    proposal.refresh_from_db()
    assert proposal.state == MatchProposal.State.SUGGESTED
