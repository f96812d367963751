"""The loan forms as the lend page and the device list show them: choices, errors, escaping."""

from datetime import timedelta

import pytest
from django.utils import timezone

from classes.models import Venue
from loans.forms import CheckoutForm, DeviceFilterForm
from tests.factories import DeviceFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def venues(venue, other_venue):
    return Venue.objects.filter(pk__in=[venue.pk, other_venue.pk]).order_by("name_kana")


def test_blank_lend_form_preselects_the_home_venue_today_and_the_whole_kit(device, venues):
    html = CheckoutForm(device=device, venues=venues).as_div()
    assert f'<option value="{device.home_venue_id}" selected>' in html
    assert 'type="date" name="start_date"' in html and "required" in html
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert html.count('type="checkbox" name="kit"') == 3
    assert html.count("checked") == 3


def test_lend_form_with_errors_marks_the_fields_and_escapes_what_was_sent(device, venues):
    future = timezone.localdate() + timedelta(days=3)
    data = {"start_date": future.isoformat(), "kit": ["充電器", "<b>no such item</b>"]}
    form = CheckoutForm(data, device=device, venues=venues)
    assert not form.is_valid()
    form.add_error(None, "The resident has <em>two</em> loans.")
    html = form.as_div()
    assert 'aria-invalid="true"' in html
    assert "The start date cannot be in the future." in html
    assert "&lt;b&gt;no such item&lt;/b&gt;" in html and "<b>no such item</b>" not in html
    assert "&lt;em&gt;two&lt;/em&gt;" in html and "<em>two</em>" not in html


def test_filled_lend_form_keeps_the_choices(device, venues, other_venue):
    data = {
        "venue": other_venue.pk,
        "start_date": timezone.localdate().isoformat(),
        "kit": ["ケーブル"],
        "signed_by": "resident",
    }
    html = CheckoutForm(data, device=device, venues=venues).as_div()
    assert f'<option value="{other_venue.pk}" selected>' in html
    assert 'value="ケーブル" id="id_kit_1" checked' in html
    assert 'value="充電器" id="id_kit_0">' in html
    assert 'value="resident" required id="id_signed_by_0" checked' in html


def test_lend_form_for_a_device_without_kit_and_odd_names(db):
    odd = VenueFactory(name='"Hall" & <Annex>')
    device = DeviceFactory(accessories="", home_venue=None)
    html = CheckoutForm(device=device, venues=Venue.objects.filter(pk=odd.pk)).as_div()
    assert "kit" not in html
    assert "&quot;Hall&quot; &amp; &lt;Annex&gt;" in html


def test_device_filter_keeps_the_search_escaped_and_the_status_chosen():
    html = DeviceFilterForm({"status": "on_loan", "q": '"x'}).as_div()
    assert 'type="search" name="q" value="&quot;x"' in html
    assert '<option value="on_loan" selected>' in html
    html = DeviceFilterForm({"status": "broken"}).as_div()
    assert "Select a valid choice" in html
