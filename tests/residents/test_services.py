"""resident_create / resident_update / duplicate_resolve."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from classes.models import Registration
from residents.models import Resident
from residents.services import duplicate_resolve, resident_create, resident_update
from tests.factories import LoanFactory, RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_create_normalises_kana_phone_and_era_date_and_records_consent(staff_user):
    resident, duplicates = resident_create(
        name="山田　太郎",
        name_kana="ﾔﾏﾀﾞ ﾀﾛｳ",
        birth_date="S20.5.3",
        phone="０２４６９９０００１",
        consent_given=True,
        by=staff_user,
    )
    assert duplicates == []
    resident.refresh_from_db()
    assert (resident.name, resident.name_kana) == ("山田 太郎", "ヤマダ タロウ")
    assert resident.birth_date == date(1945, 5, 3)
    assert resident.phone == "0246-99-0001"
    assert resident.consent_date == timezone.localdate()
    assert resident.created_by == staff_user
    assert resident.possible_duplicate_of is None


def test_create_returns_likely_duplicates_and_flags_the_new_record(staff_user):
    original = ResidentFactory(name_kana="やまだ たろう", birth_date=date(1945, 5, 3), phone="")
    same_phone = ResidentFactory(name_kana="サトウ", phone="090-9999-0002")
    resident, duplicates = resident_create(
        name="山田 太郎", name_kana="ヤマダ タロウ", birth_date=date(1945, 5, 3), by=staff_user
    )
    assert duplicates == [original]
    assert resident.possible_duplicate_of == original

    other, duplicates = resident_create(
        name="佐藤 二郎", phone="09099990002", confirmed_not_duplicate=True, by=staff_user
    )
    assert duplicates == [same_phone]
    assert other.possible_duplicate_of is None  # staff checked and said "different person"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the resident's name"),
        ({"name": "山田", "birth_date": "昭和13年13月1日"}, "birth_date", "month 13"),
        (
            {"name": "山田", "birth_date": timezone.localdate() + timedelta(days=1)},
            "birth_date",
            "future",
        ),
        ({"name": "山田", "phone": "12345"}, "phone", "not a Japanese phone number"),
    ],
)
def test_create_refuses_impossible_values_and_saves_nothing(staff_user, data, field, message):
    with pytest.raises(ValidationError) as info:
        resident_create(by=staff_user, **data)
    assert message in " ".join(info.value.message_dict[field])
    assert Resident.objects.count() == 0


def test_update_normalises_and_keeps_search_keys_in_step(staff_user):
    resident = ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ", phone="0246-99-0001")
    resident_update(
        resident=resident, name_kana="やまだ じろう", phone="09011112222", by=staff_user
    )
    resident.refresh_from_db()
    assert resident.name_kana == "ヤマダ ジロウ"
    assert resident.search_kana == "ヤマダジロウ"
    assert resident.phone == "090-1111-2222"
    assert resident.phone_digits_reversed == "22221111090"


def test_merge_moves_registrations_and_loans_and_deletes_the_flagged_record(staff_user):
    original = ResidentFactory(name="山田 太郎", phone="", notes="")
    flagged = ResidentFactory(
        name="山田 太郎", phone="0246-99-0001", notes="電話で申込", possible_duplicate_of=original
    )
    shared_session = SessionFactory()
    RegistrationFactory(session=shared_session, resident=original)
    clash = RegistrationFactory(session=shared_session, resident=flagged)
    moved = RegistrationFactory(resident=flagged)
    loan = LoanFactory(resident=flagged)

    kept = duplicate_resolve(resident=flagged, same_person=True, by=staff_user)

    assert kept == original
    assert not Resident.objects.filter(pk=flagged.pk).exists()
    moved.refresh_from_db()
    loan.refresh_from_db()
    clash.refresh_from_db()
    assert moved.resident == original and loan.resident == original
    # Both held a seat in the same session: the original's stays, the other is cancelled.
    assert clash.resident == original and clash.status == Registration.Status.CANCELLED
    original.refresh_from_db()
    assert original.phone == "0246-99-0001"  # filled from the merged record
    assert "電話で申込" in original.notes and f"Merged with record #{flagged.pk}" in original.notes


def test_different_person_clears_the_flag(staff_user):
    original = ResidentFactory()
    flagged = ResidentFactory(possible_duplicate_of=original)
    kept = duplicate_resolve(resident=flagged, same_person=False, by=staff_user)
    assert kept.pk == flagged.pk
    flagged.refresh_from_db()
    assert flagged.possible_duplicate_of is None
    assert Resident.objects.count() == 2


def test_resolving_a_record_that_is_not_flagged_says_so(staff_user):
    resident = ResidentFactory()
    with pytest.raises(ValidationError, match="no longer marked as a possible duplicate"):
        duplicate_resolve(resident=resident, same_person=True, by=staff_user)
