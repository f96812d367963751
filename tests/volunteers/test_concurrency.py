"""Two coordinators booking the same supporter at the same moment, on real PostgreSQL connections."""

import pytest
from django.core.exceptions import ValidationError

from project.models import Role
from tests.concurrency import row_locked, run_at_once, skip_unless_postgresql
from tests.factories import SessionFactory, SupporterFactory, make_user
from tests.volunteers.helpers import jst
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
