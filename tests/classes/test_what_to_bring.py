"""What staff tell the caller to bring (classes.selectors.what_to_bring_for) and its read-back."""

import pytest
from django.urls import reverse

from classes.selectors import what_to_bring_for
from classes.services import registration_create
from residents.models import OwnDevice
from tests.factories import ResidentFactory, SessionFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("device", [OwnDevice.ANDROID, OwnDevice.IPHONE, OwnDevice.TABLET])
def test_residents_with_a_smartphone_bring_it(device):
    session = SessionFactory(topic=TopicFactory(code="B01"), what_to_bring="")
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device=device))
    assert items == ["Your own smartphone or tablet"]


@pytest.mark.parametrize("device", [OwnDevice.NONE, OwnDevice.FEATURE_PHONE])
def test_residents_without_a_smartphone_are_told_a_loan_device_is_provided(device):
    session = SessionFactory(topic=TopicFactory(code="B01"), what_to_bring="")
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device=device))
    assert items == ["A loan device is provided"]


@pytest.mark.parametrize("code", ["A01", "A02"])
def test_my_number_topics_ask_for_the_card(code):
    session = SessionFactory(topic=TopicFactory(code=code), what_to_bring="")
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device="iphone"))
    assert "My Number Card" in items


@pytest.mark.parametrize("code", ["A03", "B01"])
def test_other_topics_do_not_ask_for_the_card(code):
    session = SessionFactory(topic=TopicFactory(code=code), what_to_bring="")
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device="iphone"))
    assert "My Number Card" not in items


def test_session_and_topic_items_follow_without_duplicates():
    topic = TopicFactory(code="A01", what_to_bring="本人確認書類")
    session = SessionFactory(topic=topic, what_to_bring="本人確認書類")
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device="none"))
    assert items == ["A loan device is provided", "My Number Card", "本人確認書類"]


def test_session_without_topic_still_lists_the_device():
    session = SessionFactory(topic=None, title="スマホ相談", what_to_bring="筆記用具")
    items = what_to_bring_for(session=session, resident=ResidentFactory(own_device="android"))
    assert items == ["Your own smartphone or tablet", "筆記用具"]


def test_read_back_says_what_to_bring(staff_client, venue):
    session = SessionFactory(venue=venue, topic=TopicFactory(code="A02"), what_to_bring="老眼鏡")
    reg = registration_create(
        session=session, resident=ResidentFactory(own_device=OwnDevice.FEATURE_PHONE)
    )
    page = staff_client.get(reverse("classes:readback", args=[reg.pk])).content.decode()
    assert "A loan device is provided" in page
    assert "My Number Card" in page
    assert "老眼鏡" in page
