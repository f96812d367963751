"""Two coordinators booking the same supporter at the same moment, on real PostgreSQL connections."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from kernel.models import Role
from tests.concurrency import (
    BARRIER_SECONDS,
    post_in_thread,
    row_locked,
    run_at_once,
    skip_unless_postgresql,
    wait_for_lock_waiter,
)
from tests.factories import SessionFactory, SupporterFactory, make_user
from tests.volunteers.helpers import jst
from volunteers import feeds
from volunteers.models import Assignment, Supporter
from volunteers.services import assignment_create


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_cannot_double_book_a_supporter_on_overlapping_sessions():
    skip_unless_postgresql("row locks (SELECT ... FOR UPDATE); SQLite serialises writers")
    supporter = SupporterFactory(name="取り合い 花子")
    first = SessionFactory(starts_at=jst(2031, 6, 10, 10), ends_at=jst(2031, 6, 10, 11, 30))
    second = SessionFactory(starts_at=jst(2031, 6, 10, 11), ends_at=jst(2031, 6, 10, 12))
    coordinators = [make_user(Role.COORDINATOR, username=f"c{i}") for i in range(2)]

    def book(session, by):
        return assignment_create(session=session, supporter=supporter, by=by)

    outcome = run_at_once(book, [(first, coordinators[0]), (second, coordinators[1])])

    assert outcome.unexpected == []
    assert len(outcome.results) == 1 and len(outcome.refused) == 1, outcome
    assert isinstance(outcome.results[0], Assignment)
    assert "already assigned to another session at that time" in outcome.refused_messages[0]
    assert list(Assignment.objects.filter(supporter=supporter)) == outcome.results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lock_held_too_long_becomes_a_try_again_message():
    skip_unless_postgresql("lock_timeout is a PostgreSQL setting; SQLite has no row locks")
    supporter = SupporterFactory()
    session = SessionFactory()

    with (
        row_locked(Supporter, supporter.pk),
        pytest.raises(ValidationError, match="Please try again in a moment"),
    ):
        assignment_create(session=session, supporter=supporter, by=None)
    assert not Assignment.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_calendar_link_reset_while_the_profile_is_saved_stays_reset():
    skip_unless_postgresql("row locks (SELECT ... FOR UPDATE) on separate connections")
    supporter = SupporterFactory(name="学生 花子", kind=Supporter.Kind.STUDENT)
    old_token = feeds.supporter_feed_token_ensure(supporter=supporter)
    client = Client()
    client.force_login(make_user(Role.COORDINATOR, username="coord"))
    data = {
        "name": supporter.name,
        "kind": supporter.kind,
        "languages": "English",
        "max_sessions_per_month": "8",
        "is_active": "on",
        "availability-TOTAL_FORMS": "0",
        "availability-INITIAL_FORMS": "0",
        "availability-MIN_NUM_FORMS": "0",
        "availability-MAX_NUM_FORMS": "1000",
    }

    # The supporter lost their phone: the coordinator resets the calendar link at the moment
    # another coordinator's profile edit has read the supporter and waits for the row.
    with transaction.atomic():
        Supporter.objects.select_for_update().get(pk=supporter.pk)
        editor, responses = post_in_thread(
            client, reverse("volunteers:supporter_edit", args=[supporter.pk]), data
        )
        wait_for_lock_waiter()
        new_token = feeds.supporter_feed_token_reset(supporter=supporter)
    editor.join(timeout=BARRIER_SECONDS)

    assert not editor.is_alive()
    assert "Saved 学生 花子." in responses[0].content.decode()
    supporter.refresh_from_db()
    assert supporter.languages == "English"
    assert supporter.feed_token == new_token
    assert feeds.supporter_for_feed_token(old_token) is None
