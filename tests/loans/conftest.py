"""Fixtures shared by the loan tests."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from loans.services import loan_checkout
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


@pytest.fixture
def loan(policy, device, resident, venue, staff_user):
    """An active loan of ``device`` to ``resident`` at ``venue``, lent 30 days ago."""
    return loan_checkout(
        signed_by="resident",
        device=device,
        resident=resident,
        venue=venue,
        by=staff_user,
        start_date=timezone.localdate() - timedelta(days=30),
    )
