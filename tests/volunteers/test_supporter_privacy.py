"""Supporters see only what a session needs about residents: a given name and their needs."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from classes.models import Registration
from tests.factories import AssignmentFactory, RegistrationFactory, ResidentFactory, SessionFactory
from tests.volunteers.helpers import jst
from volunteers.selectors_mine import session_residents_for_supporter

pytestmark = pytest.mark.django_db

START = jst(2026, 12, 7, 10)


@pytest.fixture
def session_with_residents(venue):
    session = SessionFactory(starts_at=START, ends_at=START + timedelta(minutes=90), venue=venue)
    hanako = ResidentFactory(
        name="山田　花子",
        name_kana="ヤマダ ハナコ",
        phone="0246-22-1234",
        birth_date=date(1941, 3, 15),
        district="平",
        accessibility_needs="補聴器",
        notes="長男が付き添い予定",
    )
    RegistrationFactory(session=session, resident=hanako)
    unsplit = ResidentFactory(name="佐藤一郎", phone="090-1111-2222", birth_date=date(1950, 1, 2))
    RegistrationFactory(session=session, resident=unsplit)
    waiting = ResidentFactory(name="待機 三郎", phone="0246-99-0000")
    RegistrationFactory(session=session, resident=waiting, status=Registration.Status.WAITLISTED)
    return session, [hanako, unsplit, waiting]


def forbidden_texts(resident) -> list[str]:
    """What must never reach a supporter: surname, kana, phone and birth date in any form."""
    texts = [resident.phone, resident.phone.replace("-", ""), resident.name_kana, resident.notes]
    if resident.birth_date:
        born = resident.birth_date
        texts += [born.isoformat(), f"{born.year}年{born.month}月{born.day}日", f"{born:%Y/%m/%d}"]
        texts += [f"{born.year}/{born.month}/{born.day}"]
    surname = resident.name.replace("　", " ").split(" ")[0]
    texts.append(surname)
    return [t for t in texts if t]


def test_selector_gives_only_given_name_and_needs(session_with_residents):
    session, (hanako, unsplit, waiting) = session_with_residents
    rows = session_residents_for_supporter(session=session)
    assert [(r.given_name, r.needs) for r in rows] == [("花子", "補聴器"), ("", "")]


def test_supporter_pages_never_show_phone_birth_date_or_surname(
    supporter_client, supporter_user, session_with_residents
):
    session, residents = session_with_residents
    assignment = AssignmentFactory(session=session, supporter=supporter_user.supporter)
    pages = []
    with time_machine.travel(jst(2026, 12, 7, 9), tick=False):
        for url in (
            reverse("volunteers:my_assignments"),
            reverse("volunteers:my_assignment_detail", args=[assignment.pk]),
            reverse("volunteers:my_assignment_withdraw", args=[assignment.pk]),
            reverse("volunteers:my_hours") + "?month=2026-12",
        ):
            response = supporter_client.get(url)
            assert response.status_code == 200, url
            pages.append(response.content.decode())
    detail = pages[1]
    assert "花子" in detail and "補聴器" in detail
    assert "待機" not in detail and "三郎" not in detail  # waitlisted: not coming
    for html in pages:
        for resident in residents:
            for text in forbidden_texts(resident):
                assert text not in html, text
        assert "佐藤一郎" not in html
