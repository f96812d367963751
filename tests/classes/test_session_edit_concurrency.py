"""Saving the session edit form while another desk changes the same session, on real PostgreSQL
connections: the save writes what the form changed and nothing it merely read."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services, services_consult
from classes.models import Session
from tests.concurrency import (
    BARRIER_SECONDS,
    post_in_thread,
    skip_unless_postgresql,
    wait_for_lock_waiter,
)
from tests.factories import SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _form_data(client, session) -> dict:
    """What the browser posts back from the edit form as loaded (GET), unchanged."""
    form = client.get(reverse("classes:session_edit", args=[session.pk])).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = value
    return data


def test_walk_ins_and_a_cancellation_committed_while_the_edit_is_saved_survive_it(
    staff_user, venue
):
    skip_unless_postgresql("row locks (SELECT ... FOR UPDATE) on separate connections")
    start = timezone.localtime().replace(hour=0, minute=30, second=0, microsecond=0)
    salon = SessionFactory(
        kind=Session.Kind.SALON,
        venue=venue,
        topic=None,
        seats=None,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        notes="",
    )
    client = Client()
    client.force_login(staff_user)
    data = _form_data(client, salon)
    data["notes"] = "入口は北側です"

    # Another desk is in the middle of a change to this salon: the edit reads the session,
    # validates the form and then waits for the row. While it waits, that desk counts three
    # walk-ins and cancels the salon, and commits.
    with transaction.atomic():
        Session.objects.select_for_update().get(pk=salon.pk)
        editor, responses = post_in_thread(
            client, reverse("classes:session_edit", args=[salon.pk]), data
        )
        wait_for_lock_waiter()
        services_consult.salon_walk_ins_count(session=salon, add=3)
        services.session_cancel(session=salon, by=staff_user)
    editor.join(timeout=BARRIER_SECONDS)

    assert not editor.is_alive()
    assert "The session was saved." in responses[0].content.decode()
    salon.refresh_from_db()
    assert salon.notes == "入口は北側です"
    assert (salon.walk_in_count, salon.status) == (3, Session.Status.CANCELLED)
