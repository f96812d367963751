"""The audit trail: views and changes of personal data, loans and devices are recorded, the
administrator reads them, and nobody (not even a superuser) can change or delete them."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel.audit import audit_record
from kernel.models import AuditAction, AuditEvent, Role
from loans.models import Device
from loans.services import loan_checkout, loan_renew, loan_return
from tests.factories import (
    DeviceFactory,
    LoanFactory,
    LoanPolicyFactory,
    ResidentFactory,
    make_user,
)

pytestmark = pytest.mark.django_db


def _events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_opening_a_resident_records_who_viewed_it_when_and_from_where(staff_client, staff_user):
    resident = ResidentFactory(name="山田 太郎")
    before = timezone.now()
    response = staff_client.get(
        reverse("residents:detail", args=[resident.pk]), REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 200
    [event] = _events(object_type="residents.resident", action=AuditAction.VIEW)
    assert event.object_id == resident.pk
    assert event.user == staff_user and event.username == "staff1"
    assert event.path == f"/residents/{resident.pk}/"
    assert event.ip == "192.0.2.10"
    assert before <= event.at <= timezone.now()


def test_a_search_is_one_event_with_its_query_and_opening_a_loan_and_device_one_each(
    staff_client, venue
):
    yamada = ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ")
    ResidentFactory(name="佐藤 花子", name_kana="サトウ ハナコ")
    staff_client.get(reverse("residents:list"), {"q": "やまだ"})
    [search] = _events(action=AuditAction.VIEW)
    assert search.summary == "residents:list"
    assert search.query == "q=%E3%82%84%E3%81%BE%E3%81%A0"  # やまだ, as sent
    assert (search.resident_count, search.resident_ids) == (1, [yamada.pk])
    loan = LoanFactory(venue=venue)
    staff_client.get(reverse("loans:loan_detail", args=[loan.pk]))
    staff_client.get(reverse("loans:device_detail", args=[loan.device_id]))
    viewed = {(e.object_type, e.object_id) for e in _events(action=AuditAction.VIEW)[1:]}
    assert viewed == {("loans.loan", loan.pk), ("loans.device", loan.device_id)}


def test_a_refused_page_records_no_view(client, other_staff_user, venue):
    loan = LoanFactory(venue=venue)
    client.force_login(other_staff_user)
    assert client.get(reverse("loans:loan_detail", args=[loan.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_editing_a_resident_records_the_changed_field_names_not_the_values(
    staff_client, staff_user
):
    resident = ResidentFactory(name="山田 太郎", phone="0246-22-1111", district="平")
    data = {
        "name": "山田 太郎",
        "name_kana": resident.name_kana,
        "birth_date": resident.birth_date.isoformat(),
        "phone": "0246-99-8888",
        "email": "",
        "district": "小名浜",
        "lives_in_city": "on",
        "household": "",
        "own_device": "none",
        "accessibility_needs": "",
        "proxy_name": "",
        "proxy_phone": "",
        "proxy_relation": "",
        "consent_given": "on",
        "consent_date": resident.consent_date.isoformat(),
        "notes": "",
    }
    response = staff_client.post(reverse("residents:edit", args=[resident.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    [event] = _events(action=AuditAction.CHANGE, object_type="residents.resident")
    assert event.object_id == resident.pk and event.user == staff_user
    assert set(event.summary.split("; ")) == {"phone", "district"}
    assert "8888" not in event.summary and "小名浜" not in event.summary
    assert event.path == f"/residents/{resident.pk}/edit/"


def test_saving_only_derived_search_keys_records_nothing_and_reads_nothing():
    resident = ResidentFactory(name="山田 太郎")
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        resident.save(update_fields=["search_kana", "phone_digits"])
    assert AuditEvent.objects.count() == before
    # Only the UPDATE: no read of the old row for fields the trail leaves out.
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]


def test_checkout_renew_and_return_of_a_loan_are_recorded_with_the_device_status(staff_user, venue):
    LoanPolicyFactory(max_renewals=1)
    device = DeviceFactory(home_venue=venue)
    resident = ResidentFactory(birth_date=timezone.localdate().replace(year=1945))
    loan = loan_checkout(
        signed_by="resident", device=device, resident=resident, venue=venue, by=staff_user
    )
    loan_renew(loan=loan, by=staff_user)
    loan_return(
        loan=loan,
        by=staff_user,
        kit_returned=device.kit_items,
        condition=Device.Condition.GOOD,
        data_wiped=True,
    )
    loan_events = _events(object_type="loans.loan", object_id=loan.pk)
    assert [e.action for e in loan_events] == [
        AuditAction.CREATE,
        AuditAction.CHANGE,
        AuditAction.CHANGE,
    ]
    assert "due_date" in loan_events[1].summary
    assert "status: active → returned" in loan_events[2].summary
    device_summaries = [e.summary for e in _events(object_type="loans.device")]
    assert any("status: available → on_loan" in s for s in device_summaries)
    assert any("status: on_loan → available" in s for s in device_summaries)
    # Outside a request (a service called from a shell or task) the acting user is still named.
    assert all(e.username in ("", "staff1") for e in loan_events)


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = audit_record(action=AuditAction.VIEW, object_type="residents.resident", object_id=1)
    event.summary = "edited"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="edited")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


@pytest.fixture
def superuser_client():
    user = make_user(Role.ADMINISTRATOR, username="root")
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_even_a_superuser_can_only_read_the_trail_in_the_admin(superuser_client):
    event = audit_record(
        action=AuditAction.CHANGE, object_type="loans.loan", object_id=7, summary="due_date"
    )
    changelist = superuser_client.get(reverse("admin:project_auditevent_changelist"))
    assert changelist.status_code == 200 and "due_date" in changelist.content.decode()
    change_url = reverse("admin:project_auditevent_change", args=[event.pk])
    page = superuser_client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert superuser_client.post(change_url, {"summary": "x"}).status_code == 403
    delete_url = reverse("admin:project_auditevent_delete", args=[event.pk])
    assert superuser_client.get(delete_url).status_code == 403
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert superuser_client.get(reverse("admin:project_auditevent_add")).status_code == 403
    bulk = superuser_client.post(
        reverse("admin:project_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk, summary="due_date").exists()


@pytest.mark.postgres
def test_postgresql_refuses_an_update_or_delete_of_an_event_at_the_database_level():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL: the append-only trigger exists there only.")
    event = audit_record(action=AuditAction.VIEW, object_type="residents.resident", object_id=1)
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET summary = 'edited' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


# --- the administrator's page -------------------------------------------------------------------


def test_the_audit_page_is_for_the_administrator_only(
    admin_client_, staff_user, coordinator_user, client
):
    assert admin_client_.get(reverse("audit_list")).status_code == 200
    for user in (staff_user, coordinator_user):
        other = Client()
        other.force_login(user)
        assert other.get(reverse("audit_list")).status_code == 403


def test_the_audit_page_filters_by_user_object_action_and_dates(admin_client_, staff_user):
    now = timezone.now()
    audit_record(action=AuditAction.VIEW, object_type="residents.resident", object_id=11,
                 user=staff_user, summary="summary-one")  # fmt: skip
    audit_record(action=AuditAction.CHANGE, object_type="loans.loan", object_id=22,
                 summary="summary-two")  # fmt: skip
    old = AuditEvent(
        at=now - timedelta(days=40),
        action=AuditAction.VIEW,
        object_type="residents.resident",
        object_id=11,
        summary="summary-old",
    )
    old.save()
    url = reverse("audit_list")

    def shown(**params) -> set[str]:
        html = admin_client_.get(url, params).content.decode()
        return {s for s in ("summary-one", "summary-two", "summary-old") if s in html}

    assert shown() == {"summary-one", "summary-two", "summary-old"}
    assert shown(username="staff1") == {"summary-one"}
    assert shown(object_type="residents.resident", object_id=11) == {"summary-one", "summary-old"}
    assert shown(action="change") == {"summary-two"}
    today = timezone.localdate()
    assert shown(date_from=(today - timedelta(days=1)).isoformat()) == {
        "summary-one",
        "summary-two",
    }
    assert shown(date_to=(today - timedelta(days=30)).isoformat()) == {"summary-old"}
    bad = admin_client_.get(url, {"date_from": today.isoformat(), "date_to": "2000-01-01"})
    assert "The end date is before the start date." in bad.content.decode()


@pytest.mark.parametrize("count", [5, 60])
def test_the_audit_page_makes_the_same_queries_however_many_events(
    admin_client_, django_assert_max_num_queries, count
):
    for i in range(count):
        audit_record(action=AuditAction.VIEW, object_type="loans.device", object_id=i + 1)
    admin_client_.get(reverse("audit_list"))  # warm the session and role caches
    with django_assert_max_num_queries(5):
        response = admin_client_.get(reverse("audit_list"))
    assert response.status_code == 200
    assert response.content.decode().count("<td>device #") == min(count, 50)
