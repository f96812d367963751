"""Salon (サロン): drop-in; staff count anonymous walk-ins on the day."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from classes import services_consult
from classes.models import Session
from tests.factories import SessionFactory


def _salon(venue, *, days=0, **kwargs):
    start = (timezone.localtime() + timedelta(days=days)).replace(
        hour=0, minute=30, second=0, microsecond=0
    )
    return SessionFactory(
        kind=Session.Kind.SALON,
        venue=venue,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        seats=None,
        topic=None,
        **kwargs,
    )


@pytest.mark.django_db
def test_walk_ins_add_up_and_can_be_set(venue):
    salon = _salon(venue)
    services_consult.salon_walk_ins_count(session=salon, add=1)
    services_consult.salon_walk_ins_count(session=salon, add=1)
    salon.refresh_from_db()
    assert salon.walk_in_count == 2
    assert services_consult.salon_walk_ins_count(session=salon, set_to=12) == 12
    assert services_consult.salon_walk_ins_count(session=salon, add=-1) == 11


@pytest.mark.django_db
def test_walk_in_count_never_goes_below_zero(venue):
    salon = _salon(venue)
    with pytest.raises(ValidationError, match="cannot be negative"):
        services_consult.salon_walk_ins_count(session=salon, add=-1)
    salon.refresh_from_db()
    assert salon.walk_in_count == 0


@pytest.mark.django_db
def test_walk_ins_are_counted_for_salons_on_the_day_only(venue):
    with pytest.raises(ValidationError, match="salons only"):
        services_consult.salon_walk_ins_count(session=SessionFactory(venue=venue), add=1)
    later = _salon(venue, days=3)
    with pytest.raises(ValidationError, match="from the day of the salon"):
        services_consult.salon_walk_ins_count(session=later, add=1)
    later.refresh_from_db()
    assert later.walk_in_count == 0


@pytest.mark.django_db
def test_staff_counts_walk_ins_on_the_page_and_the_session_shows_them(staff_client, venue):
    salon = _salon(venue)
    url = reverse("classes:salon_count", args=[salon.pk])
    staff_client.post(url, {"add": "1"})
    resp = staff_client.post(url, {"add": "1"}, follow=True)
    assert "Walk-ins counted: 2." in resp.content.decode()
    resp = staff_client.post(url, {"count": "7"}, follow=True)
    assert "Walk-ins counted: 7." in resp.content.decode()
    detail = staff_client.get(reverse("classes:session_detail", args=[salon.pk])).content.decode()
    assert "Walk-ins (counted)" in detail
    assert url in detail
    salon.refresh_from_db()
    assert salon.walk_in_count == 7


@pytest.mark.django_db
def test_bad_count_gives_a_message_not_a_500(staff_client, venue):
    salon = _salon(venue)
    url = reverse("classes:salon_count", args=[salon.pk])
    resp = staff_client.post(url, {"count": "-3"})
    assert resp.status_code == 200
    assert "greater than or equal to 0" in resp.content.decode()
    resp = staff_client.post(url, {})
    assert "Enter the number of walk-ins" in resp.content.decode()
    salon.refresh_from_db()
    assert salon.walk_in_count == 0


@pytest.mark.django_db
def test_staff_of_another_venue_gets_404(client, other_staff_user, venue):
    salon = _salon(venue)
    client.force_login(other_staff_user)
    url = reverse("classes:salon_count", args=[salon.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"add": "1"}).status_code == 404
    salon.refresh_from_db()
    assert salon.walk_in_count == 0


@pytest.mark.django_db
def test_supporter_gets_403(client, supporter_user, venue):
    salon = _salon(venue)
    client.force_login(supporter_user)
    url = reverse("classes:salon_count", args=[salon.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"add": "1"}).status_code == 403
    salon.refresh_from_db()
    assert salon.walk_in_count == 0


@pytest.mark.django_db
def test_coordinator_sees_the_count_but_cannot_change_it(coordinator_client, venue):
    salon = _salon(venue, walk_in_count=4)
    url = reverse("classes:salon_count", args=[salon.pk])
    page = coordinator_client.get(url)
    assert page.status_code == 200
    assert "Walk-ins counted without names: <strong>4</strong>" in page.content.decode()
    assert "+1 walk-in" not in page.content.decode()
    assert coordinator_client.post(url, {"add": "1"}).status_code == 403
