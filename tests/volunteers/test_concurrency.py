"""Two coordinators booking the same supporter at the same moment, on real PostgreSQL connections."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from project.models import Role
from tests.factories import SessionFactory, SupporterFactory, make_user
from tests.volunteers.helpers import jst
from volunteers.models import Assignment
from volunteers.services import assignment_create


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_cannot_double_book_a_supporter_on_overlapping_sessions():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) need PostgreSQL; SQLite serialises writers")
    supporter = SupporterFactory(name="取り合い 花子")
    first = SessionFactory(starts_at=jst(2031, 6, 10, 10), ends_at=jst(2031, 6, 10, 11, 30))
    second = SessionFactory(starts_at=jst(2031, 6, 10, 11), ends_at=jst(2031, 6, 10, 12))
    coordinators = [make_user(Role.COORDINATOR, username=f"c{i}") for i in range(2)]
    barrier = threading.Barrier(2)
    results: list[object] = []
    lock = threading.Lock()

    def book(session, by):
        try:
            barrier.wait(timeout=10)
            outcome: object = assignment_create(session=session, supporter=supporter, by=by)
        except ValidationError as exc:
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [
        threading.Thread(target=book, args=(first, coordinators[0])),
        threading.Thread(target=book, args=(second, coordinators[1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    created = [r for r in results if isinstance(r, Assignment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert "already assigned to another session at that time" in " ".join(refused[0].messages)
    assert Assignment.objects.filter(supporter=supporter).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lock_held_too_long_becomes_a_try_again_message():
    if connection.vendor != "postgresql":
        pytest.skip("lock_timeout is a PostgreSQL setting; SQLite has no row locks")
    from django.db import transaction

    from volunteers.models import Supporter

    supporter = SupporterFactory()
    session = SessionFactory()
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                Supporter.objects.select_for_update().get(pk=supporter.pk)
                locked.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(ValidationError, match="Please try again in a moment"):
            assignment_create(session=session, supporter=supporter, by=None)
    finally:
        release.set()
        holder.join(timeout=30)
    assert not Assignment.objects.exists()
