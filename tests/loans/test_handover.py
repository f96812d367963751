"""Handing a device over in order: who signed the agreement (or why not), and the device search
that offers the staff's own venues' devices first, with a transfer recorded for another's."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from loans.models import Device, DeviceEvent, Loan
from loans.services import loan_checkout
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the service -------------------------------------------------------------------------------


def test_handover_without_signature_or_reason_is_refused(
    policy, device, resident, venue, staff_user
):
    with pytest.raises(ValidationError) as caught:
        loan_checkout(device=device, resident=resident, venue=venue, by=staff_user, signed_by="")
    assert (
        "write down why the device is handed over without a signature" in caught.value.messages[0]
    )
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_handover_without_signature_keeps_the_reason(policy, device, resident, venue, staff_user):
    loan = loan_checkout(
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        signed_by="",
        unsigned_reason="  娘さんが明日来て署名  ",
    )
    loan.refresh_from_db()
    assert loan.agreement_signed is False
    assert loan.unsigned_reason == "娘さんが明日来て署名"


def test_a_proxy_signer_needs_name_and_relationship(policy, device, resident, venue, staff_user):
    with pytest.raises(ValidationError, match="relationship to the resident"):
        loan_checkout(
            device=device,
            resident=resident,
            venue=venue,
            by=staff_user,
            signed_by="proxy",
            proxy_signer_name="山田 太郎",
        )
    loan = loan_checkout(
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        signed_by="proxy",
        proxy_signer_name="山田 太郎",
        proxy_signer_relation="夫",
        unsigned_reason="ignored once signed",
        usage_data_consent=True,
    )
    loan.refresh_from_db()
    assert (loan.agreement_signed, loan.signed_by) == (True, "proxy")
    assert (loan.proxy_signer_name, loan.proxy_signer_relation) == ("山田 太郎", "夫")
    assert loan.unsigned_reason == ""
    assert loan.usage_data_consent is True


# --- the lend page -----------------------------------------------------------------------------


def _post_lend(client, device, resident, venue, **data):
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}"
    body = {"venue": venue.pk, "start_date": timezone.localdate().isoformat(), **data}
    return client.post(url, body, follow=True)


def test_lend_page_refuses_an_unsigned_handover_without_a_reason(
    staff_client, policy, device, resident, venue
):
    response = _post_lend(staff_client, device, resident, venue, signed_by="none")
    assert response.status_code == 200
    form = response.context["form"]
    assert (
        "write down why the device is handed over without a signature"
        in (form.errors["unsigned_reason"][0])
    )
    assert "write down why" in response.content.decode()
    assert not Loan.objects.exists()


def test_lend_page_hands_over_unsigned_with_a_reason_and_says_so(
    staff_client, policy, device, resident, venue
):
    response = _post_lend(
        staff_client,
        device,
        resident,
        venue,
        signed_by="none",
        unsigned_reason="本人が眼鏡を忘れたため、明日署名",
    )
    loan = Loan.objects.get()
    assert loan.unsigned_reason == "本人が眼鏡を忘れたため、明日署名"
    assert loan.agreement_signed is False
    assert any("Handed over without a signature" in m for m in _messages(response))
    content = response.content.decode()
    assert "Handed over unsigned because: 本人が眼鏡を忘れたため、明日署名" in content
    assert "Record that it was signed" in content


def test_lend_page_records_a_proxy_signer(staff_client, policy, device, resident, venue):
    _post_lend(
        staff_client,
        device,
        resident,
        venue,
        signed_by="proxy",
        proxy_signer_name="山田 一郎",
        proxy_signer_relation="長男",
        usage_data_consent="on",
    )
    loan = Loan.objects.get()
    assert (loan.signed_by, loan.proxy_signer_name, loan.proxy_signer_relation) == (
        "proxy",
        "山田 一郎",
        "長男",
    )
    assert loan.usage_data_consent is True


def test_lend_form_proposes_the_contact_person_as_proxy(
    staff_client, policy, device, resident, venue
):
    resident.proxy_name, resident.proxy_relation = "山田 一郎", "長男"
    resident.save()
    response = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    )
    form = response.context["form"]
    assert form["proxy_signer_name"].value() == "山田 一郎"
    assert form["proxy_signer_relation"].value() == "長男"


# --- the device search: own venues first -------------------------------------------------------


def _found(client, text, **params) -> list[str]:
    response = client.get(reverse("loans:checkout"), {"device_q": text, **params})
    return [d.asset_tag for d, _url in response.context["devices_found"]]


def test_staff_see_their_venues_devices_and_others_only_on_request(
    staff_client, policy, venue, other_venue
):
    DeviceFactory(asset_tag="SP-0901", home_venue=other_venue)
    DeviceFactory(asset_tag="SP-0902", home_venue=venue)
    DeviceFactory(asset_tag="SP-0903", home_venue=None)

    assert _found(staff_client, "SP-09") == ["SP-0902", "SP-0903"]
    content = staff_client.get(reverse("loans:checkout"), {"device_q": "SP-09"}).content.decode()
    assert "Only devices at your venues were searched." in content
    assert 'name="other_venues" value="1">' in content

    assert _found(staff_client, "SP-09", other_venues="1") == ["SP-0902", "SP-0903", "SP-0901"]
    content = staff_client.get(
        reverse("loans:checkout"), {"device_q": "SP-09", "other_venues": "1"}
    ).content.decode()
    assert '小名浜公民館 <span class="badge warn">Other venue</span>' in content
    assert 'name="other_venues" value="1" checked>' in content


def test_administrators_see_every_venues_devices(admin_client_, policy, venue, other_venue):
    DeviceFactory(asset_tag="SP-0901", home_venue=other_venue)
    DeviceFactory(asset_tag="SP-0902", home_venue=venue)
    assert _found(admin_client_, "SP-09") == ["SP-0901", "SP-0902"]
    content = admin_client_.get(reverse("loans:checkout"), {"device_q": "SP-09"}).content.decode()
    assert 'name="other_venues"' not in content


def test_lending_another_venues_device_records_the_transfer(
    staff_client, staff_user, policy, resident, venue, other_venue
):
    device = DeviceFactory(asset_tag="SP-0901", home_venue=other_venue)
    page = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    ).content.decode()
    assert "This device belongs to 小名浜公民館." in page

    _post_lend(staff_client, device, resident, venue, signed_by="resident")

    device.refresh_from_db()
    assert device.home_venue == venue
    assert device.status == Device.Status.ON_LOAN
    transfer = DeviceEvent.objects.get(device=device, kind=DeviceEvent.Kind.TRANSFER)
    assert (transfer.from_venue, transfer.to_venue, transfer.by) == (
        other_venue,
        venue,
        staff_user,
    )
    assert transfer.note == "Moved from 小名浜公民館 to いわき市中央公民館"
    detail = staff_client.get(reverse("loans:device_detail", args=[device.pk])).content.decode()
    assert "Moved from 小名浜公民館 to いわき市中央公民館" in detail


def test_lending_at_the_devices_own_venue_records_no_transfer(
    policy, device, resident, venue, staff_user
):
    loan_checkout(
        device=device, resident=resident, venue=venue, by=staff_user, signed_by="resident"
    )
    assert not DeviceEvent.objects.filter(kind=DeviceEvent.Kind.TRANSFER).exists()
