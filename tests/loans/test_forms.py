"""The loan forms write their markup in Python (QuickForm): it must be the markup Django writes."""

from datetime import timedelta

import pytest
from django import forms
from django.test.html import parse_html
from django.utils import timezone

from classes.models import Venue
from loans import selectors
from loans.forms import CheckoutForm, DeviceChoiceForm, DeviceFilterForm
from project.quick_forms import QuickForm
from tests.factories import DeviceFactory, VenueFactory

pytestmark = pytest.mark.django_db


def _assert_same_markup_as_django(make_form) -> str:
    """Render ``make_form()`` quickly and ``make_form(bound_field_class=BoundField)`` through
    Django's templates; the layout and every field must be the same HTML. Returns the first."""
    quick, django = make_form(), make_form(bound_field_class=forms.BoundField)
    assert parse_html(quick.as_div()) == parse_html(forms.Form.as_div(django))
    for name in quick.fields:
        assert parse_html(str(quick[name])) == parse_html(str(django[name])), name
    return quick.as_div()


@pytest.fixture
def venues(venue, other_venue):
    return Venue.objects.filter(pk__in=[venue.pk, other_venue.pk]).order_by("name_kana")


def test_blank_lend_form_is_marked_up_as_django_would(device, venues):
    html = _assert_same_markup_as_django(
        lambda **kw: CheckoutForm(device=device, venues=venues, **kw)
    )
    assert f'<option value="{device.home_venue_id}" selected>' in html
    assert 'type="date" name="start_date"' in html and "required" in html
    assert html.count('type="checkbox" name="kit"') == 3


def test_lend_form_with_errors_is_marked_up_as_django_would(device, venues):
    future = timezone.localdate() + timedelta(days=3)
    data = {"start_date": future.isoformat(), "kit": ["充電器", "<b>no such item</b>"]}

    def make_form(**kw):
        form = CheckoutForm(data, device=device, venues=venues, **kw)
        assert not form.is_valid()
        form.add_error(None, "The resident has <em>two</em> loans.")
        return form

    html = _assert_same_markup_as_django(make_form)
    assert 'aria-invalid="true"' in html
    assert "The start date cannot be in the future." in html
    assert "&lt;b&gt;no such item&lt;/b&gt;" in html
    assert "&lt;em&gt;two&lt;/em&gt;" in html


def test_filled_lend_form_keeps_the_choices_as_django_would(device, venues, other_venue):
    data = {
        "venue": other_venue.pk,
        "start_date": timezone.localdate().isoformat(),
        "kit": ["ケーブル"],
        "agreement_signed": "on",
    }
    html = _assert_same_markup_as_django(
        lambda **kw: CheckoutForm(data, device=device, venues=venues, **kw)
    )
    assert f'<option value="{other_venue.pk}" selected>' in html
    assert 'value="ケーブル" id="id_kit_1" checked' in html
    assert 'value="充電器" id="id_kit_0">' in html
    assert 'id="id_agreement_signed" checked' in html


def test_lend_form_for_a_device_without_kit_and_odd_names(db):
    odd = VenueFactory(name='"Hall" & <Annex>')
    device = DeviceFactory(accessories="", home_venue=None)
    venues = Venue.objects.filter(pk=odd.pk)
    html = _assert_same_markup_as_django(
        lambda **kw: CheckoutForm(device=device, venues=venues, **kw)
    )
    assert "kit" not in html
    assert "&quot;Hall&quot; &amp; &lt;Annex&gt;" in html


def test_device_picker_and_device_filter_are_marked_up_as_django_would(db):
    DeviceFactory(asset_tag="SP-<1>", model_name="A&B")
    chosen = DeviceFactory(asset_tag="SP-0002")
    html = _assert_same_markup_as_django(
        lambda **kw: DeviceChoiceForm(
            initial={"device": chosen.pk}, devices=selectors.devices_lendable(), **kw
        )
    )
    assert f'<option value="{chosen.pk}" selected>SP-0002' in html
    assert "SP-&lt;1&gt; Sharp A&amp;B" in html
    _assert_same_markup_as_django(lambda **kw: DeviceFilterForm(**kw))
    html = _assert_same_markup_as_django(
        lambda **kw: DeviceFilterForm({"status": "broken", "q": '"x'}, **kw)
    )
    assert 'type="search" name="q" value="&quot;x"' in html


def test_other_widgets_and_hidden_fields_are_left_to_django():
    class Form(QuickForm):
        note = forms.CharField(widget=forms.Textarea, help_text="<i>as typed</i>")
        size = forms.ChoiceField(choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect)
        token = forms.CharField(widget=forms.HiddenInput)

    _assert_same_markup_as_django(lambda **kw: Form(**kw))
    del Form.base_fields["token"]
    html = _assert_same_markup_as_django(lambda **kw: Form({"size": "x"}, **kw))
    assert 'class="helptext" id="id_note_helptext"><i>as typed</i>' in html
