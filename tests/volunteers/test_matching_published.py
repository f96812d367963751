"""The proposal page after publishing, the publish message and what tells supporters apart."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import AvailabilityFactory, SessionFactory, SupporterFactory
from tests.volunteers.helpers import jst, solved, texts
from volunteers.models import Assignment, MatchProposal
from volunteers.services import assignment_respond
from volunteers.services_matching import match_run_create, match_run_publish

pytestmark = pytest.mark.django_db

MON = date(2027, 1, 11)
# A week before the sessions, so that they lie ahead and the forms' date ranges hold.
TODAY = datetime(2027, 1, 4, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True)
def setup(settings):
    settings.MATCHING_TIME_LIMIT_SECONDS = 2
    with time_machine.travel(TODAY, tick=False):
        yield


def ready(name):
    supporter = SupporterFactory(
        name=name, training_completed_on=date(2026, 4, 1), insurance_valid_until=date(2027, 12, 31)
    )
    for day in range(7):
        AvailabilityFactory(supporter=supporter, weekday=day, start_time=time(8), end_time=time(21))
    return supporter


def session_on(day: int, needed: int = 1):
    start = jst(2027, 1, day, 10)
    return SessionFactory(
        starts_at=start, ends_at=start + timedelta(hours=2), supporters_needed=needed
    )


def cards(page: str) -> dict[int, str]:
    """session pk -> the HTML of its card on the proposal page."""
    return {
        int(pk): body
        for pk, body in re.findall(
            r'<article class="card" id="session-(\d+)">(.*?)</article>', page, re.S
        )
    }


def test_published_proposal_lists_each_person_once_with_their_state(coordinator_client):
    first, second = session_on(11, needed=2), session_on(12, needed=2)
    ann, ben = ready("安藤 杏"), ready("馬場 勉")
    run = solved(match_run_create, date_from=MON, date_to=MON + timedelta(days=6), by=None)
    assert MatchProposal.objects.filter(run=run).count() == 4
    match_run_publish(run=run, by=None)
    declined = Assignment.objects.get(session=second, supporter=ben)
    assignment_respond(assignment=declined, accept=False, by=None)

    page = coordinator_client.get(reverse("volunteers:match_run_detail", args=[run.pk]))
    by_session = cards(page.content.decode())

    for session in (first, second):
        card = by_session[session.pk]
        for person in (ann, ben):
            # The name once: not as "already assigned" and again as a proposal.
            assert card.count(person.name) == 1, (session, person.name)
            assert f">{person.numbered_name}</a>" in card
        assert "Suggested" not in card and "already assigned" not in card
    assert by_session[first.pk].count("Asked, awaiting the answer") == 2
    assert by_session[second.pk].count("Asked, awaiting the answer") == 1
    assert by_session[second.pk].count(">Declined<") == 1


def test_a_person_assigned_by_hand_is_listed_once_beside_the_proposals(coordinator_client):
    session = session_on(11, needed=2)
    ann, ben = ready("安藤 杏"), ready("馬場 勉")
    run = solved(match_run_create, date_from=MON, date_to=MON, by=None)
    # Ben is asked by hand after the run: publishing skips his proposal, the page shows him once.
    Assignment.objects.create(session=session, supporter=ben, status=Assignment.Status.PROPOSED)
    match_run_publish(run=run, by=None)

    card = cards(
        coordinator_client.get(
            reverse("volunteers:match_run_detail", args=[run.pk])
        ).content.decode()
    )[session.pk]

    assert card.count(ben.name) == 1 and card.count(ann.name) == 1
    assert card.count("Asked, awaiting the answer") == 2


def test_publish_message_counts_people_and_requests_separately(coordinator_client, settings):
    settings.LANGUAGE_CODE = "ja"
    for day in (11, 12, 13, 14):
        session_on(day)
    ready("Ann")
    ready("Ben")
    run = solved(match_run_create, date_from=MON, date_to=MON + timedelta(days=6), by=None)

    response = coordinator_client.post(
        reverse("volunteers:match_run_publish", args=[run.pk]), follow=True
    )

    requests = Assignment.objects.count()
    people = Assignment.objects.values("supporter").distinct().count()
    assert (requests, people) in {(4, 2), (4, 1)}
    assert (
        f"公開しました：{people}人に{requests}件の依頼を送りました。"
        "各自が引き受けるか辞退するかを回答できます。"
    ) in texts(response)


def test_two_supporters_of_the_same_name_get_buttons_that_differ(coordinator_client):
    session = session_on(11, needed=2)
    first, second = ready("佐藤 花子"), ready("佐藤 花子")
    run = solved(match_run_create, date_from=MON, date_to=MON, by=None)
    assert MatchProposal.objects.filter(run=run, session=session).count() == 2

    page = coordinator_client.get(reverse("volunteers:match_run_detail", args=[run.pk]))
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", page.content.decode(), re.S)

    person_buttons = [b for b in buttons if "佐藤 花子" in b]
    assert len(person_buttons) == 4  # pin and remove, for each
    assert len(set(person_buttons)) == 4
    assert f"Pin 佐藤 花子 (No. {first.pk})" in person_buttons
    assert f"Remove 佐藤 花子 (No. {second.pk})" in person_buttons


def test_column_headers_say_what_the_columns_hold(coordinator_client, settings):
    settings.LANGUAGE_CODE = "ja"
    session_on(11)
    ready("Ann")
    solved(match_run_create, date_from=MON, date_to=MON, by=None)

    page = coordinator_client.get(reverse("volunteers:matching")).content.decode()

    headers = re.findall(r'<th scope="col">(.*?)</th>', page)
    assert headers[:3] == ["期間", "会場", "充足数／必要数"]
    assert "日数" not in headers
