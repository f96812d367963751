from datetime import datetime, timedelta
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from classes import services, services_calls
from classes.models import CallListEntry, Registration, SeatOffer
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 12, 4, 15, 0, tzinfo=timezone.get_fixed_timezone(9 * 60))  # Wed 15:00 JST


def _at(day: int, hour: int, minute: int = 0):
    return datetime(2030, 12, day, hour, minute, tzinfo=timezone.get_fixed_timezone(9 * 60))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _session(venue, start, **kw):
    return SessionFactory(venue=venue, starts_at=start, ends_at=start + timedelta(minutes=90), **kw)


def test_call_list_shows_tomorrows_residents_with_phone_including_just_after_midnight(
    staff_client, venue
):
    midnight = _session(venue, _at(5, 0, 30), title="深夜の教室")
    RegistrationFactory(
        session=midnight, resident=ResidentFactory(name="山田 花子", phone="0246-11-2222")
    )
    late = _session(venue, _at(6, 0, 10), title="明後日の教室")
    RegistrationFactory(session=late, resident=ResidentFactory(name="佐藤 次郎"))
    proxy = ResidentFactory(
        name="高橋 三郎", phone="", proxy_phone="090-1234-5678", proxy_name="長女"
    )
    RegistrationFactory(session=_session(venue, _at(5, 10)), resident=proxy)

    body = staff_client.get(reverse("classes:call_list")).content.decode()

    assert "山田 花子" in body and "0246-11-2222" in body and "00:30" in body
    assert "高橋 三郎" in body and "090-1234-5678" in body
    assert "佐藤 次郎" not in body


def test_ticking_a_reminder_records_who_and_when(staff_client, staff_user, venue):
    reg = RegistrationFactory(session=_session(venue, _at(5, 10)))
    staff_client.get(reverse("classes:call_list"))
    entry = CallListEntry.objects.get(registration=reg, reason="reminder")
    response = staff_client.post(
        reverse("classes:call_entry_update", args=[entry.pk]),
        {"status": "no_answer", "note": "留守電", "day": "2030-12-05"},
        follow=True,
    )
    entry.refresh_from_db()
    assert entry.status == "no_answer"
    assert entry.called_by == staff_user and entry.called_at is not None
    assert "No answer" in response.content.decode() and "留守電" in response.content.decode()


def test_a_status_that_does_not_fit_shows_a_message(staff_client, venue):
    reg = RegistrationFactory(session=_session(venue, _at(5, 10)))
    services_calls.call_list_prepare(day=_at(5, 0).date())
    entry = CallListEntry.objects.get(registration=reg)
    response = staff_client.post(
        reverse("classes:call_entry_update", args=[entry.pk]), {"status": "told"}, follow=True
    )
    assert "Please choose the result of the call." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == "to_call"


def test_cancelling_through_the_call_list_puts_the_seat_offer_on_the_call_list(staff_client, venue):
    # Two days ahead: outside the 24 hours before the start in which no seat is offered.
    session = _session(venue, _at(6, 10), seats=1)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session,
        status=Registration.Status.WAITLISTED,
        resident=ResidentFactory(name="待ち 一子"),
    )
    staff_client.get(reverse("classes:call_list"), {"day": "2030-12-06"})
    entry = CallListEntry.objects.get(registration=seated, reason="reminder")
    response = staff_client.post(
        reverse("classes:call_entry_update", args=[entry.pk]),
        {"status": "cancelled_by_resident", "day": "2030-12-06"},
        follow=True,
    )
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.status == "cancelled"
    # The seat is held for the first in line, who is asked on the call list (no email).
    assert waiting.status == "waitlisted"
    offer = SeatOffer.objects.get(registration=waiting, status="open")
    assert offer.channel == "phone"
    page = response.content.decode()
    rows = page[page.index('id="h-offers"') : page.index('id="h-reminders"')]
    assert "待ち 一子" in rows


def test_cancelled_session_lists_everyone_to_tell_and_records_who_told(
    staff_client, staff_user, venue
):
    session = _session(venue, _at(8, 10))
    regs = [RegistrationFactory(session=session) for _ in range(2)]
    services.session_cancel(session=session)
    entries = CallListEntry.objects.filter(reason="session_cancelled")
    assert {e.registration_id for e in entries} == {r.pk for r in regs}
    body = staff_client.get(reverse("classes:call_list")).content.decode()
    assert regs[0].resident.name in body and "Session cancelled" in body
    staff_client.post(
        reverse("classes:call_entry_update", args=[entries[0].pk]), {"status": "told"}
    )
    told = CallListEntry.objects.get(pk=entries[0].pk)
    assert told.status == "told" and told.called_by == staff_user


def test_call_list_pdf_shows_names_and_phone_numbers(staff_client, venue):
    session = _session(venue, _at(5, 10))
    RegistrationFactory(
        session=session, resident=ResidentFactory(name="山田 花子", phone="0246-11-2222")
    )
    response = staff_client.get(reverse("classes:call_list_pdf"))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=1)
    for word in ("山田 花子", "0246-11-2222", "氏名", "ふりがな", "電話", "結果", "10:00"):
        assert word in text


def test_access_by_persona(
    client, staff_client, venue, other_venue, coordinator_user, admin_user, other_staff_user
):
    RegistrationFactory(
        session=_session(venue, _at(5, 10)), resident=ResidentFactory(name="山田 花子")
    )
    url = reverse("classes:call_list")
    assert staff_client.get(url, {"venue": venue.pk}).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(other_staff_user)
    assert client.get(url, {"venue": venue.pk}).status_code == 404
    assert "山田 花子" not in client.get(url).content.decode()
    entry = CallListEntry.objects.first()
    other = client.post(
        reverse("classes:call_entry_update", args=[entry.pk]), {"status": "reminded"}
    )
    assert other.status_code == 404
    client.force_login(coordinator_user)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert "山田 花子" in client.get(url, {"venue": venue.pk}).content.decode()
