"""Loan pages: device list, device detail, lend (checkout), loan list/detail, receive back."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel.dates import date_full
from loans.models import Device, Loan
from loans.services import loan_checkout
from tests.factories import DeviceFactory, LoanFactory, ResidentFactory, VenueFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def active_loan(policy, device, resident, venue, staff_user):
    return loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        start_date=timezone.localdate() - timedelta(days=10),
    )


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["loans:device_list", "loans:checkout", "loans:loan_list"],
)
def test_coordinators_and_supporters_get_403(client, coordinator_user, supporter_user, url_name):
    for user in (coordinator_user, supporter_user):
        client.force_login(user)
        assert client.get(reverse(url_name)).status_code == 403


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("loans:device_list"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_staff_of_another_venue_cannot_see_or_receive_this_venues_loan(
    client, other_staff_user, active_loan
):
    client.force_login(other_staff_user)
    assert client.get(reverse("loans:loan_detail", args=[active_loan.pk])).status_code == 404
    response = client.post(
        reverse("loans:return", args=[active_loan.pk]),
        {"returned_on": timezone.localdate(), "condition": "good", "data_wiped": "on"},
    )
    assert response.status_code == 404
    active_loan.refresh_from_db()
    assert active_loan.status == Loan.Status.ACTIVE


# --- device list and detail -------------------------------------------------------------------


def test_device_list_shows_counts_per_status_and_filters(staff_client, venue):
    DeviceFactory(asset_tag="SP-0001")
    DeviceFactory(asset_tag="SP-0002")
    DeviceFactory(asset_tag="SP-0003", status=Device.Status.IN_REPAIR)

    response = staff_client.get(reverse("loans:device_list"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Available (2)" in content
    assert "In repair (1)" in content
    assert "All (3)" in content

    response = staff_client.get(reverse("loans:device_list"), {"status": "in_repair"})
    assert [d["asset_tag"] for d in response.context["devices"]] == ["SP-0003"]


def test_device_list_with_an_unknown_status_shows_the_error_not_a_500(staff_client):
    DeviceFactory(asset_tag="SP-0001")
    response = staff_client.get(reverse("loans:device_list"), {"status": "broken"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def _add_devices(count: int, venue, policy) -> None:
    """Add ``count`` devices; every fifth is on loan, so the current-loan column is filled."""
    for n in range(count):
        device = DeviceFactory(home_venue=venue)
        if n % 5 == 0:
            LoanFactory(device=device, venue=venue, policy=policy)
            Device.objects.filter(pk=device.pk).update(status=Device.Status.ON_LOAN)


def _device_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("loans:device_list"))
    assert response.status_code == 200
    assert len(response.context["devices"]) == Device.objects.count()
    return len(ctx.captured_queries)


def test_device_list_query_count_does_not_grow_with_devices(
    staff_client, venue, policy, django_assert_max_num_queries
):
    _add_devices(5, venue, policy)
    with_5 = _device_list_queries(staff_client)
    _add_devices(45, venue, policy)
    with django_assert_max_num_queries(with_5):
        response = staff_client.get(reverse("loans:device_list"))
    assert len(response.context["devices"]) == 50
    assert response.content.decode().count("Lent at another venue") == 0
    assert Loan.objects.filter(status=Loan.Status.ACTIVE).count() == 10
    assert _device_list_queries(staff_client) == with_5


def test_device_list_rows_show_the_current_loan_or_a_lend_link(
    staff_client, venue, other_venue, policy
):
    free = DeviceFactory(asset_tag="SP-0001", home_venue=venue)
    reserved = DeviceFactory(asset_tag="SP-0002", home_venue=venue)
    Device.objects.filter(pk=reserved.pk).update(
        status=Device.Status.RESERVED, reserved_for=ResidentFactory()
    )
    ours = LoanFactory(
        device__asset_tag="SP-0003", venue=venue, resident__name="貸出 一郎", policy=policy
    )
    theirs = LoanFactory(
        device__asset_tag="SP-0004", venue=other_venue, resident__name="他館 次郎", policy=policy
    )
    broken = DeviceFactory(asset_tag="SP-0005", status=Device.Status.IN_REPAIR, imei="", os="")

    content = staff_client.get(reverse("loans:device_list")).content.decode()
    rows = {tag: row for row in content.split("<tr>") for tag in [row[row.find("SP-") :][:7]]}

    lend = reverse("loans:checkout")
    assert (
        f'<a href="{lend}?device={free.pk}">Lend<span class="visually-hidden"> SP-0001'
        in (rows["SP-0001"])
    )
    assert 'class="badge ok">Available<' in rows["SP-0001"]
    assert "いわき市中央公民館" in rows["SP-0001"]
    assert f"?device={reserved.pk}" in rows["SP-0002"]
    assert 'class="badge warn">Reserved<' in rows["SP-0002"]
    due = date_full(ours.due_date)
    link = reverse("loans:loan_detail", args=[ours.pk])
    assert f'<a href="{link}">貸出 一郎</a>' in rows["SP-0003"]
    assert f"Due {due}" in rows["SP-0003"]
    assert 'class="badge warn">On loan<' in rows["SP-0003"]
    assert "Lent at another venue" in rows["SP-0004"] and "他館 次郎" not in content
    assert reverse("loans:loan_detail", args=[theirs.pk]) not in content
    assert 'class="badge err">In repair<' in rows["SP-0005"]
    assert re.search(r"<td>\s*—\s*</td>\s*<td>\s*—\s*</td>", rows["SP-0005"])  # no venue, no lend
    assert f'href="{reverse("loans:device_detail", args=[broken.pk])}"' in rows["SP-0005"]


def test_device_list_escapes_what_staff_typed(staff_client):
    DeviceFactory(asset_tag="SP-<b>1", maker="A&B", model_name='"wish"', os="<i>14</i>")
    content = staff_client.get(reverse("loans:device_list")).content.decode()
    assert "SP-&lt;b&gt;1" in content
    assert "A&amp;B &quot;wish&quot;" in content
    assert "&lt;i&gt;14&lt;/i&gt;" in content
    assert "<b>" not in content and "<i>" not in content


def test_device_list_pages_a_search_and_a_status_filter(staff_client):
    DeviceFactory.create_batch(52, model_name="AQUOS wish")
    DeviceFactory.create_batch(3, model_name="iPad", status=Device.Status.IN_REPAIR)
    searched = staff_client.get(reverse("loans:device_list"), {"q": "aquos", "page": 2})
    assert len(searched.context["devices"]) == 2
    assert "Page 2 of 2" in searched.content.decode()
    filtered = staff_client.get(reverse("loans:device_list"), {"status": "in_repair"})
    assert len(filtered.context["devices"]) == 3
    assert "Page 1 of" not in filtered.content.decode()  # one page: no pager
    everything = staff_client.get(reverse("loans:device_list"), {"page": 2})
    assert len(everything.context["devices"]) == 5


def test_device_detail_shows_the_loan_history(staff_client, active_loan, device):
    response = staff_client.get(reverse("loans:device_detail", args=[device.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "山田 花子" in content
    assert "Loan history" in content


def test_device_detail_hides_residents_of_other_venues(client, other_staff_user, active_loan):
    client.force_login(other_staff_user)
    response = client.get(reverse("loans:device_detail", args=[active_loan.device_id]))
    content = response.content.decode()
    assert "山田 花子" not in content
    assert "Lent at another venue" in content


# --- lend (checkout) --------------------------------------------------------------------------


def test_lend_page_finds_the_resident_by_kana(staff_client, policy, device, resident):
    ResidentFactory(name="佐藤 次郎", name_kana="サトウ ジロウ")
    response = staff_client.get(reverse("loans:checkout"), {"device": device.pk, "q": "やまだ"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "山田 花子" in content
    assert "佐藤 次郎" not in content
    assert f"resident={resident.pk}" in content


def test_lend_page_finds_the_resident_by_phone(staff_client, policy, device):
    found = ResidentFactory(name="電話 太郎", phone="0246-22-1234")
    response = staff_client.get(reverse("loans:checkout"), {"q": "０２４６２２１２３４"})
    content = response.content.decode()
    assert "電話 太郎" in content
    assert f'href="{reverse("loans:checkout")}?resident={found.pk}"' in content


@pytest.mark.parametrize("url_name", ["loans:checkout", "loans:reserve"])
def test_resident_search_stays_on_its_own_page_and_keeps_the_device(
    staff_client, policy, device, resident, url_name
):
    """The lend and reserve pages share the search step; each must search and choose on itself."""
    page_url = reverse(url_name)
    response = staff_client.get(page_url, {"device": device.pk, "q": "やまだ"})
    content = response.content.decode()
    assert f'<form method="get" action="{page_url}" role="search">' in content
    assert f'<input type="hidden" name="device" value="{device.pk}">' in content
    choose = f'href="{page_url}?device={device.pk}&amp;resident={resident.pk}"'
    assert choose in content

    chosen = staff_client.get(page_url, {"device": device.pk, "resident": resident.pk})
    assert chosen.context["resident"] == resident
    assert chosen.context["form"] is not None
    assert f'href="{page_url}?device={device.pk}"' in chosen.content.decode()  # change resident


def test_lend_page_offers_only_the_staff_members_active_venues(
    staff_client, staff_user, policy, device, resident, venue
):
    closed = VenueFactory(name="閉館した公民館", is_active=False)
    staff_user.profile.venues.add(closed)
    response = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    )
    assert list(response.context["form"].fields["venue"].queryset) == [venue]


def test_lend_page_shows_kit_and_term_from_the_policy(staff_client, policy, device, resident):
    response = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    )
    content = response.content.decode()
    assert "Loan term: 182 days" in content
    for item in ("充電器", "ケーブル", "ケース"):
        assert item in content
    assert "The resident signed the agreement" in content
    assert "Print the agreement (draft)" in content


def test_lend_through_the_page(staff_client, policy, device, resident, venue, staff_user):
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}"
    today = timezone.localdate()
    response = staff_client.post(
        url,
        {
            "venue": venue.pk,
            "start_date": today.isoformat(),
            "kit": ["充電器", "ケーブル"],
            "signed_by": "resident",
        },
        follow=True,
    )
    loan = Loan.objects.get()
    assert response.redirect_chain[-1][0] == reverse("loans:loan_detail", args=[loan.pk])
    assert loan.due_date == today + timedelta(days=182)
    assert loan.kit_handed_over_items == ["充電器", "ケーブル"]
    assert loan.created_by == staff_user
    device.refresh_from_db()
    assert device.status == Device.Status.ON_LOAN
    assert any("Lent SP-0100 to 山田 花子" in m for m in _messages(response))


def test_lend_page_with_an_invalid_form_saves_nothing(staff_client, policy, device, resident):
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}"
    future = timezone.localdate() + timedelta(days=3)
    response = staff_client.post(url, {"start_date": future.isoformat()})
    content = response.content.decode()
    assert response.status_code == 200
    assert "The start date cannot be in the future." in content
    assert "This field is required." in content  # venue
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_lend_page_shows_why_an_ineligible_resident_cannot_borrow(
    staff_client, policy, device, venue
):
    young = ResidentFactory(name="若井 一郎", birth_date=date(1990, 1, 1))
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={young.pk}"
    response = staff_client.post(
        url,
        {
            "venue": venue.pk,
            "start_date": timezone.localdate().isoformat(),
            "signed_by": "resident",
        },
    )
    assert response.status_code == 200
    assert "devices are lent to residents aged 65 or over" in response.content.decode()
    assert not Loan.objects.exists()


def test_lend_page_refuses_a_device_in_repair(staff_client, policy, resident):
    broken = DeviceFactory(asset_tag="SP-0900", status=Device.Status.IN_REPAIR)
    response = staff_client.get(
        reverse("loans:checkout"), {"device": broken.pk, "resident": resident.pk}
    )
    content = response.content.decode()
    assert "Device SP-0900 cannot be lent now: it is In repair." in content
    assert response.context["form"] is None


def test_staff_of_another_venue_cannot_lend_at_this_venue(
    client, other_staff_user, policy, device, resident, venue
):
    client.force_login(other_staff_user)
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}"
    response = client.post(url, {"venue": venue.pk, "start_date": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Loan.objects.exists()
    device.refresh_from_db()
    assert device.status == Device.Status.AVAILABLE


def test_lend_page_warns_of_the_residents_loans_and_offers_their_reservations(
    staff_client, staff_user, policy, device, resident, venue
):
    lent = LoanFactory(resident=resident, venue=venue, policy=policy, device__asset_tag="SP-0001")
    held = DeviceFactory(asset_tag="SP-0002", model_name="iPhone SE")
    Device.objects.filter(pk=held.pk).update(
        status=Device.Status.RESERVED,
        reserved_for=resident,
        reserved_until=date(2030, 1, 31),
        reserved_venue=venue,
    )
    response = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    )
    content = response.content.decode()
    due = date_full(lent.due_date)
    assert f"This resident already has a device on loan:\n        SP-0001 (due {due})" in content
    choose = f'href="{reverse("loans:checkout")}?device={held.pk}&amp;resident={resident.pk}"'
    assert f"{choose}>SP-0002 iPhone SE</a> (until Thu 31 Jan 2030)" in content


def test_lend_page_query_count_does_not_grow_with_the_residents_holdings(
    staff_client, policy, device, resident, venue, django_assert_max_num_queries
):
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}"
    with CaptureQueriesContext(connection) as ctx:
        assert staff_client.get(url).status_code == 200
    LoanFactory.create_batch(3, resident=resident, venue=venue, policy=policy)
    for held in DeviceFactory.create_batch(3):
        Device.objects.filter(pk=held.pk).update(
            status=Device.Status.RESERVED, reserved_for=resident, reserved_venue=venue
        )
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        content = staff_client.get(url).content.decode()
    assert content.count("(until ") == 3


def test_lend_page_preselects_the_devices_home_venue(
    staff_client, staff_user, policy, device, resident, venue, other_venue
):
    staff_user.profile.venues.add(other_venue)
    content = staff_client.get(
        reverse("loans:checkout"), {"device": device.pk, "resident": resident.pk}
    ).content.decode()
    assert f'<option value="{venue.pk}" selected>いわき市中央公民館</option>' in content
    assert f'<option value="{other_venue.pk}">小名浜公民館</option>' in content


@pytest.mark.parametrize("bad_id", ["abc", "999999", "99999999999999999999", "-1"])
def test_lend_page_with_a_bad_or_stale_device_id_explains_in_the_device_step(
    staff_client, policy, resident, bad_id
):
    response = staff_client.get(
        reverse("loans:checkout"), {"device": bad_id, "resident": resident.pk}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert (
        '<p class="errorlist" role="alert">That device does not exist (any more). '
        "Search for it and choose again.</p>"
    ) in content
    assert response.context["device"] is None and response.context["form"] is None
    assert 'name="device_q"' in content  # the search is offered again
    assert response.context["resident"] == resident  # the resident stays chosen


# --- lend: the device search --------------------------------------------------------------------


def _search_devices(client, text, **params):
    response = client.get(reverse("loans:checkout"), {"device_q": text, **params})
    assert response.status_code == 200
    return response, response.content.decode()


def _found_tags(response) -> list[str]:
    return [d.asset_tag for d, _url in response.context["devices_found"]]


def test_lend_page_lists_no_device_until_staff_search(staff_client, policy, device):
    DeviceFactory.create_batch(3)
    content = staff_client.get(reverse("loans:checkout")).content.decode()
    assert '<label for="device-q">Asset tag, kind, maker or model</label>' in content
    assert '<input type="search" id="device-q" name="device_q" value=""' in content
    assert 'name="device"' not in content  # no list of every device to choose from
    assert "SP-0100" not in content


def test_searching_part_of_an_asset_tag_finds_the_device(staff_client, policy, device):
    DeviceFactory(asset_tag="SP-0200")
    response, content = _search_devices(staff_client, "0100")
    assert _found_tags(response) == ["SP-0100"]
    assert "1 device found" in content
    choose = f'href="{reverse("loans:checkout")}?device={device.pk}"'
    assert f'{choose}>Choose<span class="visually-hidden"> SP-0100</span></a>' in content
    # Full-width characters typed with a Japanese input method, and any case, find it too.
    assert _found_tags(_search_devices(staff_client, "ｓｐ－０１００")[0]) == ["SP-0100"]


def test_searching_by_kind_maker_and_model_needs_every_word(staff_client, policy, device):
    tablet = DeviceFactory(
        asset_tag="TB-0001", kind=Device.Kind.TABLET, maker="Apple", model_name="iPad"
    )
    DeviceFactory(asset_tag="TB-0002", kind=Device.Kind.TABLET, maker="Lenovo", model_name="Tab M9")
    assert _found_tags(_search_devices(staff_client, "tablet")[0]) == ["TB-0001", "TB-0002"]
    assert _found_tags(_search_devices(staff_client, "apple ipad")[0]) == [tablet.asset_tag]
    assert _found_tags(_search_devices(staff_client, "sharp wish")[0]) == ["SP-0100"]
    assert _found_tags(_search_devices(staff_client, "sharp ipad")[0]) == []


def test_searching_a_kind_in_japanese_finds_it(staff_client, policy, device, settings):
    DeviceFactory(asset_tag="TB-0001", kind=Device.Kind.TABLET)
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response, content = _search_devices(staff_client, "タブレット")
    assert _found_tags(response) == ["TB-0001"]
    assert "管理番号、種別、メーカーまたは機種" in content


def test_a_device_on_loan_or_in_repair_is_not_offered(staff_client, policy, active_loan):
    DeviceFactory(asset_tag="SP-0101", status=Device.Status.IN_REPAIR)
    free = DeviceFactory(asset_tag="SP-0102")
    response, content = _search_devices(staff_client, "SP-01")
    assert _found_tags(response) == [free.asset_tag]
    assert "SP-0100" not in content and "SP-0101" not in content


def test_a_reserved_device_is_offered_to_lend_but_not_to_reserve_again(
    staff_client, policy, device, resident, venue
):
    Device.objects.filter(pk=device.pk).update(
        status=Device.Status.RESERVED,
        reserved_for=resident,
        reserved_until=date(2030, 1, 31),
        reserved_venue=venue,
    )
    response, content = _search_devices(staff_client, "0100")
    assert _found_tags(response) == ["SP-0100"]
    assert '<span class="badge warn">Reserved</span>' in content
    reserve = staff_client.get(reverse("loans:reserve"), {"device_q": "0100"})
    assert list(reserve.context["devices_found"]) == []
    assert "No device that can be chosen here matches." in reserve.content.decode()


def test_device_search_results_escape_what_was_typed_and_stored(staff_client, policy):
    DeviceFactory(asset_tag="SP-<1>", maker="A&B", model_name='"Phone"')
    response, content = _search_devices(staff_client, "<1>")
    assert _found_tags(response) == ["SP-<1>"]
    assert '<th scope="row">SP-&lt;1&gt;</th>' in content
    assert "<td>A&amp;B &quot;Phone&quot;</td>" in content
    assert 'value="&lt;1&gt;"' in content and "SP-<1>" not in content


def test_device_search_keeps_the_chosen_resident(staff_client, policy, device, resident):
    response, content = _search_devices(staff_client, "0100", resident=resident.pk)
    assert f'<input type="hidden" name="resident" value="{resident.pk}">' in content
    choose = f'href="{reverse("loans:checkout")}?device={device.pk}&amp;resident={resident.pk}"'
    assert choose in content


def test_a_long_device_search_shows_the_first_matches_and_asks_for_more(staff_client, policy):
    DeviceFactory.create_batch(25)
    response, content = _search_devices(staff_client, "SP")
    assert len(response.context["devices_found"]) == 20
    assert "More devices match: the first 20 are shown." in content


def test_device_search_query_count_does_not_grow_with_the_matches(
    staff_client, policy, resident, django_assert_max_num_queries
):
    DeviceFactory.create_batch(2)
    with CaptureQueriesContext(connection) as ctx:
        _search_devices(staff_client, "SP", resident=resident.pk)
    DeviceFactory.create_batch(20)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        response, _content = _search_devices(staff_client, "SP", resident=resident.pk)
    assert len(response.context["devices_found"]) == 20


def test_search_a_device_choose_it_find_the_resident_and_lend(
    staff_client, policy, device, resident, venue
):
    response, _content = _search_devices(staff_client, "0100")
    [(_found, choose_url)] = response.context["devices_found"]
    response = staff_client.get(choose_url)
    assert response.context["device"] == device
    # The resident search form carries the chosen device.
    assert f'<input type="hidden" name="device" value="{device.pk}">' in response.content.decode()
    response = staff_client.get(reverse("loans:checkout"), {"device": device.pk, "q": "やまだ"})
    [(_r, resident_url)] = response.context["residents"]
    response = staff_client.get(resident_url)
    assert response.context["form"] is not None
    response = staff_client.post(
        resident_url,
        {
            "venue": venue.pk,
            "start_date": timezone.localdate().isoformat(),
            "kit": ["充電器"],
            "signed_by": "resident",
        },
        follow=True,
    )
    loan = Loan.objects.get()
    assert (loan.device, loan.resident) == (device, resident)
    assert response.redirect_chain[-1][0] == reverse("loans:loan_detail", args=[loan.pk])


def test_a_device_lent_at_another_desk_meanwhile_is_refused_clearly(
    staff_client, staff_user, policy, device, resident, venue
):
    url = reverse("loans:checkout") + f"?device={device.pk}&resident={resident.pk}"
    assert staff_client.get(url).context["form"] is not None
    other = ResidentFactory(name="別の 人", birth_date=date(1945, 1, 1))
    loan_checkout(signed_by="resident", device=device, resident=other, venue=venue, by=staff_user)
    response = staff_client.post(
        url,
        {
            "venue": venue.pk,
            "start_date": timezone.localdate().isoformat(),
            "signed_by": "resident",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Device SP-0100 cannot be lent now: it is On loan." in content
    assert 'name="device_q"' in content  # search another device
    assert Loan.objects.filter(resident=resident).count() == 0


# --- loan list and detail ---------------------------------------------------------------------


def test_loan_list_shows_overdue_loans(staff_client, venue, policy):
    today = timezone.localdate()
    late = LoanFactory(
        venue=venue,
        policy=policy,
        start_date=today - timedelta(days=200),
        due_date=today - timedelta(days=3),
    )
    LoanFactory(venue=venue, policy=policy)
    response = staff_client.get(reverse("loans:loan_list"), {"show": "overdue"})
    assert list(response.context["loans"]) == [late]
    assert response.context["counts"] == {"active": 2, "due_soon": 0, "overdue": 1}
    assert "Overdue" in response.content.decode()


def test_loan_list_shows_only_the_staff_members_venues(staff_client, other_venue, policy):
    LoanFactory(venue=other_venue, policy=policy)
    response = staff_client.get(reverse("loans:loan_list"))
    assert list(response.context["loans"]) == []


def test_administrator_sees_every_loan(admin_client_, other_venue, policy):
    loan = LoanFactory(venue=other_venue, policy=policy)
    assert list(admin_client_.get(reverse("loans:loan_list")).context["loans"]) == [loan]
    assert admin_client_.get(reverse("loans:loan_detail", args=[loan.pk])).status_code == 200


# --- receive back -----------------------------------------------------------------------------


def test_receive_back_through_the_page(staff_client, active_loan, device):
    url = reverse("loans:return", args=[active_loan.pk])
    page = staff_client.get(url).content.decode()
    assert "充電器" in page and "Condition of the device" in page

    response = staff_client.post(
        url,
        {
            "returned_on": timezone.localdate().isoformat(),
            "kit_returned": ["充電器", "ケーブル"],
            "condition": "good",
            "data_wiped": "on",
            "outcome": "own_device",
        },
        follow=True,
    )
    messages = _messages(response)
    assert any("Received SP-0100 back from 山田 花子" in m for m in messages)
    assert any("Missing kit: ケース" in m for m in messages)
    active_loan.refresh_from_db()
    device.refresh_from_db()
    assert active_loan.status == Loan.Status.RETURNED
    assert active_loan.outcome == Loan.Outcome.OWN_DEVICE
    assert device.status == Device.Status.AVAILABLE


def test_receive_back_without_the_wipe_confirmation_is_refused(staff_client, active_loan, device):
    response = staff_client.post(
        reverse("loans:return", args=[active_loan.pk]),
        {
            "returned_on": timezone.localdate().isoformat(),
            "kit_returned": ["充電器", "ケーブル", "ケース"],
            "condition": "good",
        },
    )
    assert response.status_code == 200
    assert "Confirm the data wipe before receiving the device back." in response.content.decode()
    active_loan.refresh_from_db()
    device.refresh_from_db()
    assert active_loan.status == Loan.Status.ACTIVE
    assert device.status == Device.Status.ON_LOAN


def test_receiving_a_loan_that_is_not_active_shows_a_message(staff_client, active_loan):
    Loan.objects.filter(pk=active_loan.pk).update(
        status=Loan.Status.RETURNED, returned_on=timezone.localdate()
    )
    response = staff_client.get(reverse("loans:return", args=[active_loan.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("loans:loan_detail", args=[active_loan.pk])
    assert any("This loan is not active (it is Returned)" in m for m in _messages(response))


def test_renew_and_report_lost_from_the_loan_page(staff_client, active_loan, device):
    due = active_loan.due_date
    response = staff_client.post(reverse("loans:renew", args=[active_loan.pk]), follow=True)
    assert any("Loan renewed" in m for m in _messages(response))
    active_loan.refresh_from_db()
    assert active_loan.due_date == due + timedelta(days=182)

    response = staff_client.post(reverse("loans:mark_lost", args=[active_loan.pk]), follow=True)
    assert any("Tick the box to confirm" in m for m in _messages(response))
    device.refresh_from_db()
    assert device.status == Device.Status.ON_LOAN

    staff_client.post(reverse("loans:mark_lost", args=[active_loan.pk]), {"confirm": "on"})
    device.refresh_from_db()
    assert device.status == Device.Status.LOST


def test_dashboard_lists_overdue_loans(staff_client, venue, policy):
    today = timezone.localdate()
    LoanFactory(
        venue=venue,
        policy=policy,
        resident=ResidentFactory(name="延滞 太郎"),
        start_date=today - timedelta(days=200),
        due_date=today - timedelta(days=1),
    )
    response = staff_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "延滞 太郎" in response.content.decode()


def test_loan_list_query_count_does_not_grow_with_loans(staff_client, venue, policy):
    def add_loans(count):
        for _ in range(count):
            LoanFactory(venue=venue, policy=policy)

    add_loans(5)
    with CaptureQueriesContext(connection) as with_5:
        staff_client.get(reverse("loans:loan_list"))
    add_loans(45)
    with CaptureQueriesContext(connection) as with_50:
        response = staff_client.get(reverse("loans:loan_list"))
    assert len(response.context["loans"]) == 50
    assert len(with_50.captured_queries) == len(with_5.captured_queries)
