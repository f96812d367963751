"""The two mails residents get (a freed seat offered, tomorrow's reminder): Japanese word for
word as residents have always had them, English when English is active with no Japanese word
left in it, and Japanese from the senders whatever language the caller has active."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import translation

from classes.models import CallListEntry, Registration, SeatOffer
from classes.services_calls import reminder_email_text, reminder_send
from classes.services_offers import seat_offer_mail_send, seat_offer_mail_text
from tests.factories import RegistrationFactory, ResidentFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
START = datetime(2030, 12, 5, 10, 0, tzinfo=JST)  # a Thursday
DEADLINE = datetime(2030, 12, 3, 18, 30, tzinfo=JST)  # a Tuesday
LINK = "https://example.jp/offer/abc/"
# Hiragana, katakana, kanji and the full-width forms (〜 and 「」 among them).
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def _world(*, japanese: bool):
    """A registration for a class with every optional line filled in (access, what to bring,
    the venue's phone), in Japanese data or in ASCII data."""
    venue = VenueFactory(
        name="いわき市中央公民館" if japanese else "Iwaki Hall & Library",
        access="いわき駅から徒歩10分" if japanese else "10 minutes on foot from Iwaki Station",
        phone="0246-22-1111",
    )
    session = SessionFactory(
        venue=venue,
        title="スマホ入門" if japanese else "Smartphone basics",
        starts_at=START,
        ends_at=START + timedelta(minutes=90),
        what_to_bring="スマートフォン、充電器" if japanese else "your smartphone",
    )
    resident = ResidentFactory(
        name="山田 花子" if japanese else "Hanako Yamada", email="hanako@example.jp"
    )
    return RegistrationFactory(session=session, resident=resident)


def _offer(registration: Registration) -> SeatOffer:
    return SeatOffer(
        session=registration.session,
        registration=registration,
        channel=SeatOffer.Channel.MAIL,
        expires_at=DEADLINE,
        link_key="k",
    )


def _reminder(registration: Registration) -> CallListEntry:
    return CallListEntry.objects.create(registration=registration, reason="reminder")


OFFER_JA = (
    "山田 花子 様\n"
    "\n"
    "キャンセル待ちをされていた教室に空きが出ました。\n"
    "内容: スマホ入門\n"
    "日時: 2030年12月5日(木) 10:00〜11:30\n"
    "会場: いわき市中央公民館\n"
    "\n"
    "2030年12月3日(火) 18:30 までに、次のページで「参加します」か「辞退します」を押してください。\n"
    f"{LINK}\n"
    "\n"
    "お返事がないときは、次にお待ちの方にご案内します。\n"
    "お電話でも承ります: 0246-22-1111"
)

REMINDER_JA = (
    "山田 花子 様\n"
    "\n"
    "明日のスマホ教室のご案内です。\n"
    "内容: スマホ入門\n"
    "日時: 2030年12月5日(木) 10:00〜11:30\n"
    "会場: いわき市中央公民館\n"
    "交通: いわき駅から徒歩10分\n"
    "持ち物: スマートフォン、充電器\n"
    "\n"
    "欠席のご連絡は 0246-22-1111 までお電話ください。"
)


def test_the_offer_mail_in_japanese_reads_as_it_always_has():
    with translation.override("ja"):
        subject, body = seat_offer_mail_text(_offer(_world(japanese=True)), LINK)
    assert subject == "【空席のご案内】スマホ入門"
    assert body == OFFER_JA
    # No English word of the program's own: only the link and the phone number are ASCII.
    assert not re.search(r"[A-Za-z]", body.replace(LINK, ""))


def test_the_reminder_mail_in_japanese_reads_as_it_always_has():
    with translation.override("ja"):
        subject, body = reminder_email_text(_reminder(_world(japanese=True)))
    assert subject == "【明日のご案内】スマホ入門"
    assert body == REMINDER_JA
    assert not re.search(r"[A-Za-z]", body)


def test_the_reminder_mail_leaves_out_the_lines_it_has_nothing_for():
    registration = _world(japanese=True)
    session = registration.session
    session.what_to_bring = ""
    session.save()
    session.venue.access = session.venue.phone = ""
    session.venue.save()
    with translation.override("ja"):
        _subject, body = reminder_email_text(_reminder(registration))
    assert body == (
        "山田 花子 様\n"
        "\n"
        "明日のスマホ教室のご案内です。\n"
        "内容: スマホ入門\n"
        "日時: 2030年12月5日(木) 10:00〜11:30\n"
        "会場: いわき市中央公民館"
    )


def test_the_offer_mail_in_english_has_no_japanese_in_it():
    with translation.override("en"):
        subject, body = seat_offer_mail_text(_offer(_world(japanese=False)), LINK)
    assert not JAPANESE.search(subject), subject
    assert not JAPANESE.search(body), body
    assert subject == "Seat offer: Smartphone basics"
    assert body.startswith("Dear Hanako Yamada,\n")
    assert "Thu 5 Dec 2030 10:00–11:30" in body
    assert "Tue 3 Dec 2030 18:30" in body and LINK in body
    assert "“I will come” or “I will not come”" in body  # the buttons of the offer page
    assert "Where: Iwaki Hall & Library\n" in body  # plain text: nothing HTML-escaped
    assert "0246-22-1111" in body


def test_the_reminder_mail_in_english_has_no_japanese_in_it():
    with translation.override("en"):
        subject, body = reminder_email_text(_reminder(_world(japanese=False)))
    assert not JAPANESE.search(subject), subject
    assert not JAPANESE.search(body), body
    assert subject == "Tomorrow: Smartphone basics"
    assert body.startswith("Dear Hanako Yamada,\n")
    assert "Thu 5 Dec 2030 10:00–11:30" in body
    assert "Where: Iwaki Hall & Library\n" in body
    assert "10 minutes on foot from Iwaki Station" in body and "your smartphone" in body
    assert "0246-22-1111" in body


def test_the_senders_mail_residents_in_japanese_whatever_language_is_active():
    registration = _world(japanese=True)
    offer = _offer(registration)
    offer.save()
    entry = _reminder(
        RegistrationFactory(
            session=registration.session,
            resident=ResidentFactory(name="佐藤 一郎", email="ichiro@example.jp"),
        )
    )
    with translation.override("en"):
        assert seat_offer_mail_send(offer_id=offer.pk) is True
        assert reminder_send(entry_id=entry.pk) is True
    offer_mail, reminder_mail = mail.outbox
    assert offer_mail.subject == "【空席のご案内】スマホ入門"
    assert offer_mail.body.startswith("山田 花子 様\n")
    assert "「参加します」か「辞退します」" in offer_mail.body
    assert reminder_mail.subject == "【明日のご案内】スマホ入門"
    assert reminder_mail.body.startswith("佐藤 一郎 様\n\n明日のスマホ教室のご案内です。")
