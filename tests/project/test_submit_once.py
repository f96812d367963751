"""Add forms save once: 30 identical POSTs (a double click, a resent form) make one row or one
change, and every repeat is sent to the first one's result with "already saved"
(``kernel.once``: a one-time token in each form, unique in the database)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kernel.models import FormSubmission, Role
from kernel.once import TOKEN_FIELD
from loans.models import LoanCheckIn
from tests.concurrency import run_at_once, skip_unless_postgresql
from tests.factories import (
    AssignmentFactory,
    LoanFactory,
    ResidentFactory,
    SessionFactory,
    SupporterFactory,
    VenueFactory,
    make_user,
)
from tests.volunteers.helpers import jst, session_at
from volunteers.models import Assignment

ALREADY = "This form was already sent and saved; it was not saved twice."
TOKEN = "the-token-of-one-rendered-form"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _check_in_post(loan) -> dict:
    return {
        "on": date.today().isoformat(),
        "channel": "phone",
        "functions": ["line"],
        "satisfaction": "4",
        TOKEN_FIELD: TOKEN,
    }


@pytest.mark.django_db
def test_thirty_identical_check_in_posts_make_one_check_in(staff_client, venue):
    loan = LoanFactory(venue=venue)
    url = reverse("loans:check_in", args=[loan.pk])
    responses = [staff_client.post(url, _check_in_post(loan)) for _ in range(30)]

    assert LoanCheckIn.objects.filter(loan=loan).count() == 1
    assert all(r.status_code == 302 for r in responses)
    assert {r["Location"] for r in responses} == {reverse("loans:loan_detail", args=[loan.pk])}
    repeat = staff_client.post(url, _check_in_post(loan), follow=True)
    # The messages of the 30 redirects above plus this one: saved once, then "already saved".
    assert _messages(repeat).count("Check-in recorded.") == 1
    assert _messages(repeat).count(ALREADY) == 30


@pytest.mark.django_db
def test_a_refused_check_in_keeps_the_token_free_for_the_corrected_form(staff_client, venue):
    loan = LoanFactory(venue=venue)
    url = reverse("loans:check_in", args=[loan.pk])
    bad = {**_check_in_post(loan), "on": (date.today() + timedelta(days=400)).isoformat()}
    staff_client.post(url, bad)
    staff_client.post(url, _check_in_post(loan))
    assert LoanCheckIn.objects.filter(loan=loan).count() == 1


@pytest.mark.django_db
def test_two_forms_rendered_twice_save_twice(staff_client, venue):
    """Two check-ins on purpose (two forms, two tokens) are two rows: only repeats are folded."""
    loan = LoanFactory(venue=venue)
    url = reverse("loans:check_in", args=[loan.pk])
    for token in ("first-form", "second-form"):
        staff_client.post(url, {**_check_in_post(loan), TOKEN_FIELD: token})
    assert LoanCheckIn.objects.filter(loan=loan).count() == 2


@pytest.mark.django_db
@time_machine.travel(jst(2026, 12, 7, 9, 50), tick=False)
def test_thirty_identical_hours_check_ins_record_one_check_in_without_an_error(
    client, venue, staff_user
):
    assignment = AssignmentFactory(session=session_at(jst(2026, 12, 7, 10), venue=venue))
    client.force_login(staff_user)
    url = reverse("volunteers:assignment_check", args=[assignment.pk])
    data = {"action": "in", TOKEN_FIELD: TOKEN}
    first = client.post(url, data, follow=True)
    with time_machine.travel(jst(2026, 12, 7, 9, 55), tick=False):
        repeats = [client.post(url, data, follow=True) for _ in range(29)]

    assignment.refresh_from_db()
    assert assignment.checked_in_at == jst(2026, 12, 7, 9, 50)
    assert any("checked in" in m for m in _messages(first))
    for response in repeats:
        assert response.status_code == 200
        assert _messages(response) == [ALREADY]
    assert FormSubmission.objects.filter(token=TOKEN).count() == 1


@pytest.mark.django_db
@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_thirty_identical_replies_of_a_supporter_answer_once(client, supporter_user):
    assignment = AssignmentFactory(
        supporter=supporter_user.supporter,
        session=session_at(jst(2026, 12, 7, 10)),
        status=Assignment.Status.PROPOSED,
    )
    client.force_login(supporter_user)
    url = reverse("volunteers:assignment_respond", args=[assignment.pk])
    data = {"answer": "accept", TOKEN_FIELD: TOKEN}
    responses = [client.post(url, data, follow=True) for _ in range(30)]

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CONFIRMED
    assert "Thank you. You accepted." in _messages(responses[0])
    assert all(_messages(r) == [ALREADY] for r in responses[1:])
    assert Assignment.objects.filter(supporter=supporter_user.supporter).count() == 1


@pytest.mark.django_db
@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_thirty_identical_replacement_requests_ask_once(client, coordinator_user):
    from tests.factories import AvailabilityFactory

    session = session_at(jst(2026, 12, 7, 10))
    supporter = SupporterFactory(
        training_completed_on=date(2026, 4, 1), insurance_valid_until=date(2027, 3, 31)
    )
    AvailabilityFactory(supporter=supporter, weekday=0)
    client.force_login(coordinator_user)
    url = reverse("volunteers:replacements", args=[session.pk])
    data = {"supporter": supporter.pk, TOKEN_FIELD: TOKEN}
    responses = [client.post(url, data, follow=True) for _ in range(30)]
    assert Assignment.objects.filter(session=session, supporter=supporter).count() == 1
    assert all(_messages(r) == [ALREADY] for r in responses[1:])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_posts_on_separate_connections_save_once():
    """30 identical POSTs at the same moment, each on its own connection (as on 4 workers):
    one check-in, one check-in of hours, one reply; no request fails."""
    skip_unless_postgresql("concurrent connections racing for the token's unique index")
    venue = VenueFactory()
    staff = make_user(Role.STAFF, venues=[venue])
    loan = LoanFactory(venue=venue)
    supporter_user = make_user(Role.SUPPORTER)
    supporter = SupporterFactory(user=supporter_user)
    today = date.today()
    start = jst(today.year, today.month, today.day, 0, 0) + timedelta(minutes=1)
    to_check = AssignmentFactory(
        session=SessionFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=23))
    )
    to_answer = AssignmentFactory(
        supporter=supporter,
        session=SessionFactory(
            venue=venue,
            starts_at=start + timedelta(days=7),
            ends_at=start + timedelta(days=7, hours=1),
        ),
        status=Assignment.Status.PROPOSED,
    )
    posts = [
        (staff, reverse("loans:check_in", args=[loan.pk]), _check_in_post(loan)),
        (
            staff,
            reverse("volunteers:assignment_check", args=[to_check.pk]),
            {"action": "in", TOKEN_FIELD: "hours-form"},
        ),
        (
            supporter_user,
            reverse("volunteers:assignment_respond", args=[to_answer.pk]),
            {"answer": "accept", TOKEN_FIELD: "reply-form"},
        ),
    ]
    for user, url, data in posts:
        clients = []
        for _ in range(30):
            c = Client(raise_request_exception=True)
            c.force_login(user)
            clients.append(c)
        connections.close_all()
        outcome = run_at_once(
            lambda c, url=url, data=data: c.post(url, data).status_code, [(c,) for c in clients]
        )
        assert not outcome.unexpected, outcome.unexpected
        assert outcome.results == [302] * 30, url

    assert LoanCheckIn.objects.filter(loan=loan).count() == 1
    to_check.refresh_from_db()
    to_answer.refresh_from_db()
    assert to_check.checked_in_at is not None
    assert to_answer.status == Assignment.Status.CONFIRMED
    assert FormSubmission.objects.count() == 3


# Every add form carries the token ------------------------------------------------------------


def _has_token(response) -> bool:
    return response.status_code == 200 and f'name="{TOKEN_FIELD}"' in response.content.decode()


@pytest.mark.django_db
@time_machine.travel(jst(2026, 12, 1, 9), tick=False)
def test_every_add_form_carries_a_one_time_token(
    client, venue, staff_user, admin_user, coordinator_user, supporter_user
):
    from loans.models import Device
    from tests.factories import AvailabilityFactory, DeviceFactory, LoanPolicyFactory

    policy = LoanPolicyFactory()
    resident = ResidentFactory(name="山田 花子", birth_date=date(1945, 1, 1))
    device = DeviceFactory(home_venue=venue, status=Device.Status.AVAILABLE)
    loan = LoanFactory(venue=venue, policy=policy)
    session = session_at(jst(2026, 12, 7, 10), venue=venue)
    today_session = SessionFactory(venue=venue, starts_at=timezone.now() - timedelta(hours=1))
    proposed = AssignmentFactory(
        supporter=supporter_user.supporter, session=session, status=Assignment.Status.PROPOSED
    )
    AssignmentFactory(session=session)  # confirmed: checked in on the check-in page
    candidate = SupporterFactory(
        training_completed_on=date(2026, 4, 1), insurance_valid_until=date(2027, 3, 31)
    )
    AvailabilityFactory(supporter=candidate, weekday=0)  # a replacement for the Monday
    pages = {
        staff_user: [
            reverse("loans:loan_detail", args=[loan.pk]),  # check-in
            reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}",
            reverse("loans:reserve") + f"?device={device.pk}&resident={resident.pk}",
            reverse("loans:applications") + f"?policy={policy.pk}&q=山田",
            reverse("classes:session_create"),
            # walk-in: offered on the day of the session, for a resident searched there
            reverse("classes:session_detail", args=[today_session.pk]) + "?q=山田",
            reverse("classes:phone") + f"?resident={resident.pk}",  # registration
            reverse("residents:create"),
            reverse("residents:import"),
        ],
        coordinator_user: [
            reverse("volunteers:supporter_create"),
            reverse("volunteers:assign", args=[session.pk]),
            reverse("volunteers:replacements", args=[session.pk]),
            reverse("volunteers:session_check_in", args=[session.pk]),  # hours
        ],
        supporter_user: [
            reverse("volunteers:my_assignments"),  # replies
            reverse("volunteers:my_assignment_withdraw", args=[proposed.pk]),
        ],
    }
    missing = []
    for user, urls in pages.items():
        client.force_login(user)
        missing += [url for url in urls if not _has_token(client.get(url))]
    assert not missing, "Forms without the one-time token: " + ", ".join(missing)


def test_the_daily_task_forgets_tokens_older_than_a_week_and_keeps_the_rest(db, settings):
    from django.utils import timezone

    from kernel.tasks import forget_old_form_submissions

    settings.FORM_TOKEN_KEEP_DAYS = 7
    now = timezone.now()
    FormSubmission.objects.create(token="old", created_at=now - timedelta(days=8))
    FormSubmission.objects.create(token="recent", created_at=now - timedelta(days=6))
    assert forget_old_form_submissions.delay().get() == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_a_report_asked_for_twice_by_a_double_click_is_made_once(admin_client_):
    from reports.models import GeneratedReport

    data = {
        "kind": "monthly",
        "year": str(date.today().year),
        "month": "1",
        "scope": "program",
        "format": "csv",
        "published": "on",
        TOKEN_FIELD: TOKEN,
    }
    url = reverse("reports:report_list")
    first, second = admin_client_.post(url, data), admin_client_.post(url, data, follow=True)
    assert first.status_code == 302
    assert GeneratedReport.objects.count() == 1
    assert ALREADY in _messages(second)


# The add forms that create many rows or store a file ---------------------------------------------


@pytest.mark.django_db
@time_machine.travel(jst(2026, 11, 20, 9), tick=False)
def test_a_double_click_on_create_the_sessions_makes_one_series(staff_client, venue):
    from classes.models import Series, Session

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
        "action": "save",
        TOKEN_FIELD: TOKEN,
    }
    url = reverse("classes:series_create")
    # The preview page carries the token the "Create the sessions" button sends.
    assert _has_token(staff_client.post(url, {**data, "action": "preview"}))
    first = staff_client.post(url, data)
    second = staff_client.post(url, data, follow=True)

    series = Series.objects.get()
    # The Mondays of January 2027 but 成人の日 (11 January), a public holiday the series skips.
    assert Session.objects.filter(series=series).count() == 3
    assert first["Location"] == reverse("classes:series_detail", args=[series.pk])
    assert second.redirect_chain[-1][0] == reverse("classes:series_detail", args=[series.pk])
    assert ALREADY in _messages(second)


@pytest.mark.django_db
def test_a_double_click_on_register_makes_one_resident_and_returns_to_the_phone_screen(
    staff_client,
):
    from residents.models import Resident

    data = {
        "name": "山田 太郎",
        "name_kana": "やまだ たろう",
        "birth_date": "昭和20年5月3日",
        "phone": "0246-22-1234",
        "own_device": "none",
        "consent_given": "on",
        "next": "/sessions/phone/",
        TOKEN_FIELD: TOKEN,
    }
    url = reverse("residents:create") + "?next=/sessions/phone/"
    first = staff_client.post(url, data)
    second = staff_client.post(url, data)

    resident = Resident.objects.get()  # not a second one flagged as a likely duplicate
    assert first["Location"] == second["Location"] == f"/sessions/phone/?resident={resident.pk}"


@pytest.mark.django_db
def test_a_double_click_on_upload_stores_and_reads_the_list_once(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from residents.models import ResidentImport

    content = "氏名,フリガナ,生年月日\n山田 太郎,ヤマダ タロウ,昭和20年5月3日\n".encode()
    url = reverse("residents:import")
    responses = [
        staff_client.post(
            url,
            {"file": SimpleUploadedFile("名簿.csv", content, "text/csv"), TOKEN_FIELD: TOKEN},
        )
        for _ in range(2)
    ]
    run = ResidentImport.objects.get()
    assert {r["Location"] for r in responses} == {reverse("residents:import_detail", args=[run.pk])}
