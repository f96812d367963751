"""Cancelling a registration asks once, naming who and what; a cancelled one can be restored:
to its seat when one is free, else at the head of the waitlist, and staff are told which."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from classes import services
from classes.models import Registration, SeatOffer, Session
from classes.services_offers import seat_offer_answer
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def cancelled(session, **kwargs):
    reg = RegistrationFactory(session=session, **kwargs)
    services.registration_cancel(registration=reg)
    return reg


def test_restore_gives_the_seat_back_when_one_is_free():
    session = SessionFactory(seats=2)
    RegistrationFactory(session=session)
    reg = cancelled(session, companion="娘")
    services.registration_restore(registration=reg)
    reg.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED
    assert reg.cancelled_at is None
    assert reg.companion == "娘"


def test_restore_into_a_full_session_puts_them_first_on_the_waitlist():
    session = SessionFactory(seats=1)
    reg = cancelled(session)
    # The freed seat went on; two people have been waiting since.
    taker = RegistrationFactory(session=session)
    first = services.registration_create(session=session, resident=ResidentFactory())
    second = services.registration_create(session=session, resident=ResidentFactory())
    assert first.status == second.status == Registration.Status.WAITLISTED

    services.registration_restore(registration=reg)

    assert reg.status == Registration.Status.WAITLISTED
    assert services.waitlist_position(reg) == 1
    first.refresh_from_db()
    assert services.waitlist_position(first) == 2
    # When the seat frees, the restored registration is the one offered it.
    offer = services.registration_cancel(registration=taker)
    assert offer is not None and offer.registration_id == reg.pk


def test_restore_never_overtakes_someone_waiting_for_a_free_seat():
    session = SessionFactory(seats=1)
    reg = cancelled(session)
    holder = RegistrationFactory(session=session)
    waiting = services.registration_create(session=session, resident=ResidentFactory())
    # A seat free while someone waits (the row written directly: no service leaves it so).
    Registration.objects.filter(pk=holder.pk).update(status=Registration.Status.CANCELLED)

    services.registration_restore(registration=reg)

    waiting.refresh_from_db()
    # The free seat was theirs: it is held for them with an offer, and stays held.
    offer = SeatOffer.objects.get(registration=waiting, status=SeatOffer.Status.OPEN)
    assert waiting.status == Registration.Status.WAITLISTED
    assert reg.status == Registration.Status.WAITLISTED
    assert services.waitlist_position(reg) == 1
    # If they decline, the restored registration is next.
    result = seat_offer_answer(offer=offer, answer="decline")
    assert [o.registration_id for o in result.next_offers] == [reg.pk]


def test_restore_takes_a_seat_left_free_within_the_cutoff(settings):
    """Within the cutoff before the start no seat is offered (it is left for walk-ins): a
    restore then takes the free seat."""
    settings.SEAT_OFFER_CUTOFF_HOURS = 24 * 7
    session = SessionFactory(seats=1)
    reg = cancelled(session)
    assert not SeatOffer.objects.exists()

    services.registration_restore(registration=reg)

    assert reg.status == Registration.Status.REGISTERED
    assert not SeatOffer.objects.exists()


def test_a_session_without_a_seat_limit_always_restores_to_a_seat():
    session = SessionFactory(seats=None, kind=Session.Kind.SALON, topic=None)
    reg = cancelled(session)
    services.registration_restore(registration=reg)
    assert reg.status == Registration.Status.REGISTERED


@pytest.mark.parametrize(
    "setup, message",
    [
        ("active", "This registration is not cancelled."),
        ("session_cancelled", "This session is cancelled."),
        ("over", "This session is already over."),
        ("registered_again", "is already registered for this session."),
    ],
)
def test_restore_is_refused_and_changes_nothing(setup, message):
    session = SessionFactory(seats=3)
    reg = RegistrationFactory(session=session) if setup == "active" else cancelled(session)
    if setup == "session_cancelled":
        services.session_cancel(session=session)
    elif setup == "over":
        Session.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() - timedelta(hours=3),
            ends_at=timezone.now() - timedelta(hours=1),
        )
    elif setup == "registered_again":
        services.registration_create(session=session, resident=reg.resident)
    before = Registration.objects.get(pk=reg.pk).status
    with pytest.raises(ValidationError) as exc:
        services.registration_restore(registration=reg)
    assert message in " ".join(exc.value.messages)
    assert Registration.objects.get(pk=reg.pk).status == before


# --- the pages ---------------------------------------------------------------------------------


def test_cancel_link_asks_first_naming_the_resident_and_the_session(staff_client, venue):
    session = SessionFactory(venue=venue, title="LINE入門", seats=5)
    reg = RegistrationFactory(session=session, resident=ResidentFactory(name="佐藤 花子"))
    page = staff_client.get(reverse("classes:session_detail", args=[session.pk])).content.decode()
    cancel_url = reverse("classes:registration_cancel", args=[reg.pk])
    assert f'href="{cancel_url}"' in page
    assert f'action="{cancel_url}"' not in page  # no button that cancels at once

    asked = staff_client.get(cancel_url).content.decode()
    assert "Cancel the registration of 佐藤 花子 for LINE入門 on" in asked
    assert 'name="confirmed" value="yes"' in asked
    assert "Go back without changing anything" in asked
    # Neither the question page nor a POST without the confirmation cancels anything.
    assert staff_client.post(cancel_url).status_code == 200
    reg.refresh_from_db()
    assert reg.status == Registration.Status.REGISTERED

    done = staff_client.post(cancel_url, {"confirmed": "yes"}, follow=True)
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED
    assert "To undo it, use Restore" in done.content.decode()


def test_cancel_asks_in_japanese(staff_client, venue):
    session = SessionFactory(venue=venue, title="LINE入門")
    reg = RegistrationFactory(session=session, resident=ResidentFactory(name="佐藤 花子"))
    asked = staff_client.get(
        reverse("classes:registration_cancel", args=[reg.pk]), headers={"accept-language": "ja"}
    ).content.decode()
    assert "この申込を取り消しますか？" in asked
    assert "佐藤 花子さんの申込を取り消す" in asked


def test_restore_from_the_session_page_says_seat_or_waitlist(staff_client, venue):
    session = SessionFactory(venue=venue, seats=1)
    back = cancelled(session, resident=ResidentFactory(name="鈴木 一郎"))
    url = reverse("classes:session_detail", args=[session.pk])
    page = staff_client.get(url).content.decode()
    restore_url = reverse("classes:registration_restore", args=[back.pk])
    assert f'action="{restore_url}"' in page

    response = staff_client.post(restore_url, follow=True)
    assert "The registration of 鈴木 一郎 is restored, with a seat." in response.content.decode()

    services.registration_cancel(registration=back)
    RegistrationFactory(session=session)  # the seat is taken meanwhile
    response = staff_client.post(restore_url, follow=True)
    assert "now first on the waitlist (no seat yet)" in response.content.decode()
    back.refresh_from_db()
    assert back.status == Registration.Status.WAITLISTED


def test_no_restore_button_once_the_resident_registered_again(staff_client, venue):
    session = SessionFactory(venue=venue, seats=3)
    old = cancelled(session)
    services.registration_create(session=session, resident=old.resident)
    page = staff_client.get(reverse("classes:session_detail", args=[session.pk])).content.decode()
    assert reverse("classes:registration_restore", args=[old.pk]) not in page


def test_restore_needs_the_right_to_change_the_venue(client, coordinator_user, venue):
    session = SessionFactory(venue=venue)
    reg = cancelled(session)
    client.force_login(coordinator_user)
    assert client.post(reverse("classes:registration_restore", args=[reg.pk])).status_code == 403
    reg.refresh_from_db()
    assert reg.status == Registration.Status.CANCELLED


def test_session_cancel_asks_first(staff_client, venue):
    session = SessionFactory(venue=venue, title="LINE入門")
    RegistrationFactory(session=session)
    url = reverse("classes:session_cancel", args=[session.pk])
    asked = staff_client.get(url).content.decode()
    assert "Cancel LINE入門 on" in asked
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    staff_client.post(url, {"confirmed": "yes"})
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
