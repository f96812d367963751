"""Device status history: every service that changes Device.status records a DeviceEvent."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from loans.models import Device, DeviceEvent
from loans.services import loan_checkout, loan_mark_lost, loan_return
from loans.services_devices import device_status_change
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def _history(device) -> list[tuple[str, str]]:
    return [
        (e.from_status, e.to_status)
        for e in DeviceEvent.objects.filter(device=device).order_by("at", "id")
    ]


def _lend(device, resident, venue, by):
    return loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=by,
        start_date=timezone.localdate() - timedelta(days=3),
    )


def test_checkout_and_return_are_kept_in_the_history(policy, device, resident, venue, staff_user):
    loan = _lend(device, resident, venue, staff_user)
    loan_return(
        loan=loan, by=staff_user, kit_returned=device.kit_items, condition="good", data_wiped=True
    )

    assert _history(device) == [("available", "on_loan"), ("on_loan", "available")]
    lent = DeviceEvent.objects.filter(device=device).order_by("at", "id").first()
    assert lent.by == staff_user
    assert venue.name in lent.note
    # Staff of every venue read a device's history: it must not name the resident.
    assert resident.name not in lent.note


def test_damaged_return_then_repair_then_available(policy, device, resident, venue, staff_user):
    loan = _lend(device, resident, venue, staff_user)
    loan_return(loan=loan, by=staff_user, kit_returned=[], condition="damaged", data_wiped=True)
    device_status_change(
        device=device, to_status=Device.Status.AVAILABLE, by=staff_user, note="画面交換済み"
    )

    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE
    assert _history(device) == [
        ("available", "on_loan"),
        ("on_loan", "in_repair"),
        ("in_repair", "available"),
    ]
    assert DeviceEvent.objects.filter(device=device).first().note == "画面交換済み"


def test_lost_is_kept_in_the_history(policy, device, resident, venue, staff_user):
    loan = _lend(device, resident, venue, staff_user)
    loan_mark_lost(loan=loan, by=staff_user)
    assert _history(device)[-1] == ("on_loan", "lost")


def test_a_failed_checkout_records_nothing(policy, resident, venue, staff_user):
    broken = DeviceFactory(status=Device.Status.IN_REPAIR)
    with pytest.raises(ValidationError):
        _lend(broken, resident, venue, staff_user)
    assert _history(broken) == []


def test_a_device_on_loan_cannot_be_changed_by_hand(policy, device, resident, venue, staff_user):
    _lend(device, resident, venue, staff_user)
    with pytest.raises(ValidationError, match="is on loan. Receive it back"):
        device_status_change(device=device, to_status=Device.Status.IN_REPAIR, by=staff_user)
    with pytest.raises(ValidationError, match="only by lending it"):
        device_status_change(device=device, to_status=Device.Status.ON_LOAN, by=staff_user)
    device.refresh_from_db()
    assert device.status == Device.Status.ON_LOAN
    assert len(_history(device)) == 1


def test_setting_the_same_status_records_no_event(device, staff_user):
    device_status_change(device=device, to_status=Device.Status.AVAILABLE, by=staff_user)
    assert _history(device) == []


def test_device_page_shows_inventory_fields_and_history(
    policy, resident, venue, staff_user, staff_client
):
    device = DeviceFactory(
        asset_tag="SP-0777",
        sim_monthly_cost_yen=1078,
        preinstalled_apps="LINE,防災アプリ,健康アプリ",
        management_profile="有害サイトブロック・国際電話不可",
    )
    _lend(device, resident, venue, staff_user)

    response = staff_client.get(reverse("loans:device_detail", args=[device.pk]))

    html = response.content.decode()
    assert "1078 yen" in html
    assert "LINE、防災アプリ、健康アプリ" in html
    assert "有害サイトブロック・国際電話不可" in html
    assert "Status history" in html
    assert "staff1" in html
    assert "On loan" in html


def test_admin_actions_change_status_through_the_service(client, device):
    root = get_user_model().objects.create_superuser("root", "root@example.jp", "x-Pass-2024!")
    client.force_login(root)
    admin_client = client
    response = admin_client.post(
        reverse("admin:loans_device_changelist"),
        {"action": "set_status_in_repair", "_selected_action": [device.pk]},
        follow=True,
    )
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.status == Device.Status.IN_REPAIR
    assert _history(device) == [("available", "in_repair")]

    page = admin_client.get(reverse("admin:loans_device_change", args=[device.pk]))
    html = page.content.decode()
    assert "SIM monthly cost (yen)" in html
    assert "Management profile" in html
