"""Moving a registration to another date of the same series (service and view)."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from classes.models import CallListEntry, Registration, SeatOffer, Series
from classes.services import registration_create, registration_move
from classes.services_offers import seat_offer_answer
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _start(days: int, hour: int = 10):
    return (timezone.localtime() + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def _series(venue) -> Series:
    today = timezone.localdate()
    return Series.objects.create(
        venue=venue,
        title="スマホ入門",
        start_time=time(10),
        end_time=time(11, 30),
        weekdays="0",
        first_date=today - timedelta(days=30),
        last_date=today + timedelta(days=60),
        seats=2,
    )


def _dated(series, days: int, **kwargs):
    start = kwargs.pop("starts_at", None) or _start(days)
    return SessionFactory(
        venue=series.venue,
        series=series,
        title=series.title,
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        seats=kwargs.pop("seats", 2),
        **kwargs,
    )


@pytest.fixture
def series(venue):
    return _series(venue)


def test_move_gives_a_seat_on_the_new_date_and_frees_the_old_one(series):
    old, new = _dated(series, 3), _dated(series, 10)
    resident = ResidentFactory()
    reg = registration_create(session=old, resident=resident, companion="娘")

    moved, promoted = registration_move(registration=reg, to_session=new)

    assert promoted is None
    assert moved.session == new
    assert moved.status == Registration.Status.REGISTERED
    assert moved.companion == "娘"
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED
    assert old.seats_left == 2 and new.seats_left == 1


def test_move_offers_the_freed_seat_to_the_first_waiting_on_the_old_date(series):
    old, new = _dated(series, 3, seats=1), _dated(series, 10)
    mover = registration_create(session=old, resident=ResidentFactory())
    waiting = registration_create(session=old, resident=ResidentFactory(name="佐藤 花子"))
    assert waiting.status == Registration.Status.WAITLISTED

    moved, offer = registration_move(registration=mover, to_session=new)

    # The seat is held for them, not given: they are asked first (no email: by phone).
    assert offer.registration_id == waiting.pk
    assert offer.channel == SeatOffer.Channel.PHONE
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.WAITLISTED
    # Nobody else can take the held seat meanwhile.
    late = registration_create(session=old, resident=ResidentFactory())
    assert late.status == Registration.Status.WAITLISTED
    # Their yes on the phone gives them the seat.
    seat_offer_answer(offer=offer, answer="accept")
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.REGISTERED


def test_move_to_a_full_date_puts_the_resident_on_its_waitlist(series):
    old, new = _dated(series, 3), _dated(series, 10, seats=1)
    RegistrationFactory(session=new)
    reg = registration_create(session=old, resident=ResidentFactory())

    moved, _ = registration_move(registration=reg, to_session=new)

    assert moved.status == Registration.Status.WAITLISTED


def test_move_to_another_series_is_refused(series, venue):
    old = _dated(series, 3)
    elsewhere = _dated(_series(venue), 10)
    reg = registration_create(session=old, resident=ResidentFactory())

    with pytest.raises(ValidationError, match="same series"):
        registration_move(registration=reg, to_session=elsewhere)

    reg.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED
    assert not elsewhere.registrations.exists()


def test_move_to_a_past_date_is_refused(series):
    old = _dated(series, 3)
    past = _dated(series, -4)
    reg = registration_create(session=old, resident=ResidentFactory())

    with pytest.raises(ValidationError, match="future date"):
        registration_move(registration=reg, to_session=past)

    reg.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED
    assert not past.registrations.exists()


def test_move_into_an_overlapping_time_changes_nothing(series, venue):
    old, new = _dated(series, 3, seats=1), _dated(series, 10)
    resident = ResidentFactory(name="山田 太郎")
    reg = registration_create(session=old, resident=resident)
    waiting = registration_create(session=old, resident=ResidentFactory())
    other = SessionFactory(venue=venue, starts_at=new.starts_at, ends_at=new.ends_at)
    registration_create(session=other, resident=resident)

    with pytest.raises(ValidationError, match="overlaps"):
        registration_move(registration=reg, to_session=new)

    reg.refresh_from_db()
    waiting.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED
    assert waiting.status == Registration.Status.WAITLISTED
    assert not new.registrations.exists()
    assert not CallListEntry.objects.exists()
    assert not SeatOffer.objects.exists()  # the refused move offered no seat


# --- view ---------------------------------------------------------------------------------------


def test_move_page_lists_other_future_dates_with_seats_left(staff_client, series):
    old, free, full = _dated(series, 3), _dated(series, 10), _dated(series, 17, seats=1)
    _dated(series, -4)  # over: not offered
    RegistrationFactory(session=full)
    reg = registration_create(session=old, resident=ResidentFactory())

    response = staff_client.get(reverse("classes:registration_move", args=[reg.pk]))

    assert response.status_code == 200
    offered = [s.pk for s in response.context["dates"]]
    assert offered == [free.pk]
    assert f'value="{free.pk}"' in response.content.decode()


def test_move_post_redirects_to_the_read_back_of_the_new_registration(staff_client, series):
    old, new = _dated(series, 3), _dated(series, 10)
    reg = registration_create(session=old, resident=ResidentFactory(name="鈴木 一郎"))

    response = staff_client.post(
        reverse("classes:registration_move", args=[reg.pk]), {"session": new.pk}, follow=True
    )

    moved = Registration.objects.get(session=new)
    assert response.redirect_chain[-1][0] == reverse("classes:readback", args=[moved.pk])
    assert "鈴木 一郎 was moved to the new date." in response.content.decode()


def test_move_post_refused_shows_the_reason_and_changes_nothing(staff_client, series):
    old, past = _dated(series, 3), _dated(series, -4)
    reg = registration_create(session=old, resident=ResidentFactory())

    response = staff_client.post(
        reverse("classes:registration_move", args=[reg.pk]), {"session": past.pk}, follow=True
    )

    assert response.status_code == 200
    assert "Please choose a future date." in response.content.decode()
    reg.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED


def test_staff_of_another_venue_get_404(client, other_staff_user, series):
    old, new = _dated(series, 3), _dated(series, 10)
    reg = registration_create(session=old, resident=ResidentFactory())
    client.force_login(other_staff_user)
    url = reverse("classes:registration_move", args=[reg.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"session": new.pk}).status_code == 404
    reg.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED


def test_phone_page_and_session_page_link_to_the_move(staff_client, series):
    old = _dated(series, 3)
    resident = ResidentFactory()
    reg = registration_create(session=old, resident=resident)
    url = reverse("classes:registration_move", args=[reg.pk])

    phone = staff_client.get(reverse("classes:phone"), {"resident": resident.pk})
    detail = staff_client.get(reverse("classes:session_detail", args=[old.pk]))

    assert url in phone.content.decode()
    assert url in detail.content.decode()
