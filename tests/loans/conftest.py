"""Fixtures shared by the loan tests."""

from datetime import date

import pytest

from tests.factories import DeviceFactory, LoanPolicyFactory, ResidentFactory


@pytest.fixture
def policy(db):
    return LoanPolicyFactory(term_days=182, min_age=65, max_active_loans=1, max_renewals=1)


@pytest.fixture
def device(db, venue):
    return DeviceFactory(
        asset_tag="SP-0100", home_venue=venue, accessories="充電器,ケーブル,ケース"
    )


@pytest.fixture
def resident(db):
    return ResidentFactory(name="山田 花子", name_kana="ヤマダ ハナコ", birth_date=date(1950, 4, 1))
