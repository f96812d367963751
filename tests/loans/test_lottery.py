"""Loan applications and the lottery: priority groups first, reproducible, the rest waitlisted."""

import pytest
from django.core.exceptions import ValidationError

from loans.models import LoanApplication, LoanLottery
from loans.services_lottery import loan_application_create, loan_lottery_draw, loan_lottery_order
from residents.models import Household
from tests.factories import LoanPolicyFactory, ResidentFactory, venue_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def lottery_policy(db):
    return LoanPolicyFactory(priority_living_alone=True, priority_seniors_only=True)


def _apply(policy, by, households):
    return [
        loan_application_create(
            resident=ResidentFactory(name=f"申込 {i}", household=household),
            policy=policy,
            by=by,
            venue=venue_of(by),
        )
        for i, household in enumerate(households)
    ]


def test_priority_groups_are_kept_on_the_application(lottery_policy, staff_user):
    alone, seniors, family, unknown = _apply(
        lottery_policy,
        staff_user,
        [Household.ALONE, Household.SENIORS_ONLY, Household.WITH_FAMILY, Household.UNKNOWN],
    )
    assert (alone.priority, seniors.priority, family.priority, unknown.priority) == (
        True,
        True,
        False,
        False,
    )


def test_applying_twice_is_refused(lottery_policy, staff_user):
    resident = ResidentFactory(name="重複 太郎")
    loan_application_create(
        resident=resident, policy=lottery_policy, by=staff_user, venue=venue_of(staff_user)
    )
    with pytest.raises(ValidationError, match="重複 太郎 has already applied"):
        loan_application_create(
            resident=resident, policy=lottery_policy, by=staff_user, venue=venue_of(staff_user)
        )
    assert LoanApplication.objects.count() == 1


def test_priority_applicants_are_selected_first_and_the_rest_waitlisted_in_order(
    lottery_policy, staff_user
):
    apps = _apply(
        lottery_policy,
        staff_user,
        [Household.WITH_FAMILY] * 4 + [Household.ALONE, Household.SENIORS_ONLY],
    )
    lottery = loan_lottery_draw(policy=lottery_policy, places=3, by=staff_user, seed=42)

    for app in apps:
        app.refresh_from_db()
    selected = [a for a in apps if a.status == LoanApplication.Status.SELECTED]
    waitlisted = sorted(
        (a for a in apps if a.status == LoanApplication.Status.WAITLISTED),
        key=lambda a: a.waitlist_position,
    )
    assert len(selected) == 3
    # Both priority applicants are among the selected whatever the seed.
    assert {a.pk for a in apps if a.priority} <= {a.pk for a in selected}
    assert [a.waitlist_position for a in waitlisted] == [1, 2, 3]
    assert [a.pk for a in waitlisted] == lottery.result[3:]
    assert lottery.seed == 42
    assert lottery.places == 3
    assert lottery.held_by == staff_user
    assert {a.lottery_id for a in apps} == {lottery.pk}


def test_the_recorded_seed_reproduces_the_result(lottery_policy, staff_user):
    apps = _apply(lottery_policy, staff_user, [Household.WITH_FAMILY] * 8 + [Household.ALONE] * 2)
    lottery = loan_lottery_draw(policy=lottery_policy, places=4, by=staff_user)
    lottery = LoanLottery.objects.get(pk=lottery.pk)

    again = loan_lottery_order(
        application_ids=reversed([a.pk for a in apps]),
        priority_ids=[a.pk for a in apps if a.priority],
        seed=lottery.seed,
    )
    assert again == lottery.result
    assert sorted(lottery.result) == sorted(a.pk for a in apps)


def test_different_seeds_can_give_different_orders():
    ids = list(range(1, 21))
    orders = {
        tuple(loan_lottery_order(application_ids=ids, priority_ids=[], seed=s)) for s in range(5)
    }
    assert len(orders) > 1


def test_only_pending_applications_take_part(lottery_policy, staff_user):
    _apply(lottery_policy, staff_user, [Household.WITH_FAMILY] * 2)
    loan_lottery_draw(policy=lottery_policy, places=1, by=staff_user, seed=1)
    late = _apply(lottery_policy, staff_user, [Household.ALONE])[0]

    second = loan_lottery_draw(policy=lottery_policy, places=1, by=staff_user, seed=1)
    assert second.result == [late.pk]


@pytest.mark.parametrize(
    ("places", "message"),
    [(0, "at least 1"), (2, "no applications waiting")],
)
def test_bad_draws_are_refused_and_record_nothing(lottery_policy, staff_user, places, message):
    with pytest.raises(ValidationError, match=message):
        loan_lottery_draw(policy=lottery_policy, places=places, by=staff_user)
    assert not LoanLottery.objects.exists()
