"""Caravan mode's server side: the stored list, the sync endpoint and what it refuses."""

import json
import uuid
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services_caravan
from classes.models import CaravanRecord, Consultation, Registration, Session
from kernel.models import AuditAction, AuditEvent
from residents.models import Resident
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _caravan(venue, **kwargs):
    start = timezone.localtime().replace(hour=0, minute=30, second=0, microsecond=0)
    return SessionFactory(
        kind=Session.Kind.CARAVAN,
        venue=venue,
        place="イオンモールいわき小名浜 1階",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        seats=None,
        topic=None,
        **kwargs,
    )


def _post(client, session, records):
    return client.post(
        reverse("classes:caravan_sync", args=[session.pk]),
        data=json.dumps({"records": records}),
        content_type="application/json",
    )


def _walk_in(**fields):
    return {
        "id": str(uuid.uuid4()),
        "type": "walk_in",
        "recorded_at": timezone.now().isoformat(),
        "name": "海野 花子",
        "kana": "うみの はなこ",
        "birth": "昭和20年5月3日",
        "district": "小名浜",
        "consent": True,
        **fields,
    }


def test_the_stored_list_holds_the_caravan_and_names_only_and_is_an_export(staff_client, venue):
    caravan = _caravan(venue)
    resident = ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ", phone="0246-22-1111")
    registration = RegistrationFactory(session=caravan, resident=resident)
    RegistrationFactory(session=_caravan(venue))  # another caravan's resident
    resp = staff_client.get(reverse("classes:caravan_data", args=[caravan.pk]))
    assert resp.status_code == 200
    data = resp.json()
    assert data["expected"] == [
        {
            "registration": registration.pk,
            "name": "山田 太郎",
            "kana": "ヤマダ タロウ",
            "present": False,
            "walk_in": False,
        }
    ]
    assert "0246" not in resp.content.decode()
    assert resp["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, object_type="classes.session")
    assert event.object_id == caravan.pk and event.resident_ids == [resident.pk]


def test_presence_walk_in_consultation_and_visitors_are_saved_once_when_sent_twice(
    staff_client, venue
):
    caravan = _caravan(venue)
    registration = RegistrationFactory(session=caravan)
    records = [
        {
            "id": str(uuid.uuid4()),
            "type": "presence",
            "registration": registration.pk,
            "present": True,
        },
        _walk_in(),
        _walk_in(name="川口 一郎", kana="かわぐち いちろう", birth="昭和18", consent=False),
        {"id": str(uuid.uuid4()), "type": "consultation", "category": "line", "note": "友だち追加"},
        {"id": str(uuid.uuid4()), "type": "visitors", "delta": 1},
        {"id": str(uuid.uuid4()), "type": "visitors", "delta": 1},
    ]
    first = _post(staff_client, caravan, records).json()["results"]
    assert [r["status"] for r in first] == ["accepted"] * 6
    assert not any(r["resent"] for r in first)
    assert "海野 花子 was registered as a walk-in." in first[1]["message"]
    again = _post(staff_client, caravan, records).json()["results"]
    assert [r["status"] for r in again] == ["accepted"] * 6
    assert all(r["resent"] for r in again)
    assert "nothing was saved twice" in again[0]["message"]

    registration.refresh_from_db()
    assert registration.attendance == Registration.Attendance.ATTENDED
    hanako = Resident.objects.get(name="海野 花子")
    assert hanako.birth_date == date(1945, 5, 3)
    assert hanako.consent_given and hanako.consent_date == timezone.localdate()
    assert hanako.district == "小名浜"
    ichiro = Resident.objects.get(name="川口 一郎")
    assert ichiro.birth_date is None and "1943" in ichiro.notes and not ichiro.consent_given
    walk_ins = Registration.objects.filter(session=caravan, is_walk_in=True)
    assert {r.resident.name for r in walk_ins} == {"海野 花子", "川口 一郎"}
    assert all(r.attendance == Registration.Attendance.ATTENDED for r in walk_ins)
    consultation = Consultation.objects.get(session=caravan)
    assert (consultation.category, consultation.note, consultation.resident) == (
        "line",
        "友だち追加",
        None,
    )
    caravan.refresh_from_db()
    assert caravan.walk_in_count == 2
    assert CaravanRecord.objects.filter(session=caravan).count() == 6


def test_a_cancelled_caravan_refuses_each_record_with_the_reason(staff_client, venue):
    caravan = _caravan(venue, status=Session.Status.CANCELLED)
    results = _post(staff_client, caravan, [_walk_in()]).json()["results"]
    assert results[0]["status"] == "refused"
    assert "cancelled meanwhile" in results[0]["message"]
    assert not Resident.objects.filter(name="海野 花子").exists()
    assert not CaravanRecord.objects.exists()


def test_one_refused_record_does_not_stop_the_others(staff_client, venue):
    caravan = _caravan(venue)
    cancelled = RegistrationFactory(session=caravan, status=Registration.Status.CANCELLED)
    results = _post(
        staff_client,
        caravan,
        [
            {"id": str(uuid.uuid4()), "type": "presence", "registration": cancelled.pk},
            _walk_in(birth="昭和70年1月1日"),
            {"id": str(uuid.uuid4()), "type": "visitors", "delta": -1},
            {"id": "not-a-uuid", "type": "visitors", "delta": 1},
            {"id": str(uuid.uuid4()), "type": "consultation", "category": "line"},
        ],
    ).json()["results"]
    assert [r["status"] for r in results] == ["refused"] * 4 + ["accepted"]
    assert "cancelled meanwhile" in results[0]["message"]
    assert "昭和" in results[1]["message"]
    assert "cannot be negative" in results[2]["message"]
    assert results[3]["id"] == "not-a-uuid"
    assert not Resident.objects.filter(name="海野 花子").exists()


def test_a_walk_in_like_a_known_resident_is_flagged_for_review_not_merged(staff_client, venue):
    caravan = _caravan(venue)
    known = ResidentFactory(
        name="海野 花子", name_kana="ウミノ ハナコ", birth_date=date(1945, 5, 3)
    )
    by_year = ResidentFactory(
        name="川口 一郎", name_kana="カワグチ イチロウ", birth_date=date(1943, 8, 1)
    )
    results = _post(
        staff_client,
        caravan,
        [_walk_in(), _walk_in(name="川口 一郎", kana="カワグチ イチロウ", birth="S18")],
    ).json()["results"]
    assert [r["flagged"] for r in results] == [True, True]
    assert "possible duplicates" in results[0]["message"]
    new = Resident.objects.exclude(pk__in=[known.pk, by_year.pk])
    assert {r.possible_duplicate_of_id for r in new} == {known.pk, by_year.pk}
    assert Resident.objects.count() == 4  # nothing merged
    duplicates = staff_client.get(reverse("residents:duplicates")).content.decode()
    assert "海野 花子" in duplicates


def test_an_expired_login_gets_403_json_never_a_redirect(client, venue):
    caravan = _caravan(venue)
    for resp in (
        _post(client, caravan, [_walk_in()]),
        client.get(reverse("classes:caravan_token", args=[caravan.pk])),
        client.get(reverse("classes:caravan_data", args=[caravan.pk])),
    ):
        assert resp.status_code == 403
        body = resp.json()
        assert body["login_required"] is True
        assert body["login_url"].startswith(reverse("account_login"))
        assert body["login_url"].endswith("?next=%2Fsessions%2Fcaravan%2F" + f"{caravan.pk}%2F")
    assert not Resident.objects.exists()


def test_the_sync_needs_a_csrf_token_and_the_token_endpoint_gives_a_fresh_one(staff_user, venue):
    caravan = _caravan(venue)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    refused = _post(client, caravan, [_walk_in()])
    assert refused.status_code == 403
    token = client.get(reverse("classes:caravan_token", args=[caravan.pk])).json()["csrf_token"]
    resp = client.post(
        reverse("classes:caravan_sync", args=[caravan.pk]),
        data=json.dumps({"records": [_walk_in()]}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert resp.status_code == 200
    assert resp.json()["results"][0]["status"] == "accepted"


def test_other_venues_staff_and_non_caravans_are_refused(other_staff_user, staff_user, venue):
    caravan = _caravan(venue)
    other_staff_client, staff_client = Client(), Client()
    other_staff_client.force_login(other_staff_user)
    staff_client.force_login(staff_user)
    assert _post(other_staff_client, caravan, [_walk_in()]).status_code == 404
    salon = SessionFactory(venue=venue, kind=Session.Kind.SALON, topic=None)
    assert _post(staff_client, salon, [_walk_in()]).status_code == 404
    assert staff_client.get(reverse("classes:caravan", args=[salon.pk])).status_code == 404
    assert not Resident.objects.exists()


def test_a_body_that_is_not_understood_is_a_400_with_a_message(staff_client, venue):
    caravan = _caravan(venue)
    url = reverse("classes:caravan_sync", args=[caravan.pk])
    resp = staff_client.post(url, data="{not json", content_type="application/json")
    assert resp.status_code == 400 and resp.json()["message"]
    too_many = [_walk_in() for _ in range(services_caravan.MAX_RECORDS + 1)]
    resp = _post(staff_client, caravan, too_many)
    assert resp.status_code == 400 and "At most" in resp.json()["message"]


def test_the_sync_is_in_the_audit_trail_with_the_residents_it_touched(staff_client, venue):
    caravan = _caravan(venue)
    registration = RegistrationFactory(session=caravan)
    _post(
        staff_client,
        caravan,
        [
            {"id": str(uuid.uuid4()), "type": "presence", "registration": registration.pk},
            _walk_in(),
        ],
    )
    hanako = Resident.objects.get(name="海野 花子")
    change = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="classes.session")
    assert change.object_id == caravan.pk
    assert set(change.resident_ids) == {registration.resident_id, hanako.pk}
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="residents.resident", object_id=hanako.pk
    ).exists()


def test_the_page_holds_no_resident_data_and_is_not_cached(staff_client, venue):
    caravan = _caravan(venue)
    RegistrationFactory(session=caravan, resident=ResidentFactory(name="山田 太郎"))
    resp = staff_client.get(reverse("classes:caravan", args=[caravan.pk]))
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "山田 太郎" not in page
    assert "Use offline" in page and reverse("classes:caravan_sw") in page
    assert resp["Cache-Control"] == "private, no-store"
    detail = staff_client.get(reverse("classes:session_detail", args=[caravan.pk])).content
    assert reverse("classes:caravan", args=[caravan.pk]).encode() in detail


def test_the_service_worker_is_served_by_the_app_at_the_top_of_the_caravan_pages(client):
    resp = client.get(reverse("classes:caravan_sw"))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/javascript")
    assert reverse("classes:caravan", args=[1]).startswith(
        reverse("classes:caravan_sw")[: -len("sw.js")]
    )
    assert "caches.open" in resp.content.decode()
