"""Application and lottery pages: add an application, draw (administrator), explain the result."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from loans.models import LoanApplication, LoanLottery
from loans.services_lottery import loan_application_create, loan_lottery_draw
from residents.models import Household
from tests.factories import LoanPolicyFactory, ResidentFactory, venue_of

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def lottery_policy(db):
    return LoanPolicyFactory(name="2年貸与", priority_living_alone=True)


def _apply(policy, by, n, household=Household.WITH_FAMILY, prefix="申込"):
    return [
        loan_application_create(
            resident=ResidentFactory(name=f"{prefix} {i}", household=household),
            policy=policy,
            by=by,
            venue=venue_of(by),
        )
        for i in range(n)
    ]


def test_staff_find_a_resident_and_add_an_application(staff_client, lottery_policy, venue):
    resident = ResidentFactory(name="渡辺 トメ", name_kana="ワタナベ トメ")
    page = staff_client.get(reverse("loans:applications"), {"q": "わたなべ"})
    assert page.status_code == 200
    assert "Add application for 渡辺 トメ" in page.content.decode()

    response = staff_client.post(
        reverse("loans:application_add"),
        {"policy": lottery_policy.pk, "resident": resident.pk, "venue": venue.pk},
        follow=True,
    )

    assert "Application recorded for 渡辺 トメ." in _messages(response)
    app = LoanApplication.objects.get(resident=resident)
    assert app.policy == lottery_policy and app.status == LoanApplication.Status.PENDING
    html = response.content.decode()
    assert "渡辺 トメ" in html and "Waiting for the lottery" in html


def test_a_second_application_is_refused_with_a_message(staff_client, lottery_policy, staff_user):
    (app,) = _apply(lottery_policy, staff_user, 1)
    response = staff_client.post(
        reverse("loans:application_add"),
        {"policy": lottery_policy.pk, "resident": app.resident_id, "venue": app.venue_id},
        follow=True,
    )
    assert "申込 0 has already applied for a loan under this policy." in _messages(response)
    assert LoanApplication.objects.count() == 1


def test_an_unknown_resident_gives_a_message_not_a_500(staff_client, lottery_policy):
    response = staff_client.post(
        reverse("loans:application_add"),
        {"policy": lottery_policy.pk, "resident": 999999},
        follow=True,
    )
    assert response.status_code == 200
    assert "That resident no longer exists. Search again." in _messages(response)
    assert not LoanApplication.objects.exists()


def test_an_application_without_a_venue_is_refused_with_a_message(staff_client, lottery_policy):
    resident = ResidentFactory(name="渡辺 トメ")
    response = staff_client.post(
        reverse("loans:application_add"),
        {"policy": lottery_policy.pk, "resident": resident.pk},
        follow=True,
    )
    assert "Choose the venue where the resident will collect the device." in _messages(response)
    assert not LoanApplication.objects.exists()


def test_the_service_refuses_an_application_without_a_venue(lottery_policy, staff_user):
    with pytest.raises(ValidationError, match="Choose the venue where the resident"):
        loan_application_create(
            resident=ResidentFactory(), policy=lottery_policy, by=staff_user, venue=None
        )
    assert not LoanApplication.objects.exists()


def test_page_without_an_active_policy_says_so(staff_client):
    html = staff_client.get(reverse("loans:applications")).content.decode()
    assert "No active loan policy is set up" in html


def test_staff_cannot_draw_the_lottery(staff_client, lottery_policy, staff_user):
    _apply(lottery_policy, staff_user, 3)
    page = staff_client.get(reverse("loans:applications")).content.decode()
    assert "Draw the lottery" not in page
    response = staff_client.post(
        reverse("loans:lottery_draw"), {"policy": lottery_policy.pk, "places": 1}
    )
    assert response.status_code == 403
    assert not LoanLottery.objects.exists()
    assert set(LoanApplication.objects.values_list("status", flat=True)) == {"pending"}


def test_administrator_draws_and_sees_priority_first_selected_then_waitlist(
    admin_client_, lottery_policy, admin_user
):
    alone = _apply(lottery_policy, admin_user, 2, Household.ALONE, prefix="独居")
    others = _apply(lottery_policy, admin_user, 3, prefix="家族")

    response = admin_client_.post(
        reverse("loans:lottery_draw"),
        {"policy": lottery_policy.pk, "places": 3, "seed": 42},
        follow=True,
    )

    lottery = LoanLottery.objects.get()
    assert lottery.seed == 42 and lottery.places == 3
    assert "The lottery was drawn. Seed: 42." in _messages(response)
    html = response.content.decode()
    assert "<code>42</code>" in html
    selected = html[html.index('id="h-selected"') : html.index('id="h-waitlist"')]
    waitlist = html[html.index('id="h-waitlist"') :]
    # Both priority applicants are selected, ahead of anyone else.
    for app in alone:
        assert app.resident.name in selected
    assert selected.index("独居") < selected.index("家族")
    apps = {a.pk: a for a in LoanApplication.objects.all()}
    waiting = sorted(
        (a for a in apps.values() if a.status == "waitlisted"), key=lambda a: a.waitlist_position
    )
    assert len(waiting) == 2
    assert waitlist.index(waiting[0].resident.name) < waitlist.index(waiting[1].resident.name)
    assert "Waitlist No. 1" in waitlist and "Waitlist No. 2" in waitlist
    # The explanation a resident can be given.
    assert "Not in a priority group: drawn by lot after the 2 priority applicants." in waitlist
    assert f"Position {waiting[1].draw_position} of 5." in waitlist
    assert "There were 3 places." in waitlist
    assert len(others) == 3


def test_same_seed_gives_the_same_result_on_the_page(admin_client_, lottery_policy, admin_user):
    _apply(lottery_policy, admin_user, 6)
    admin_client_.post(
        reverse("loans:lottery_draw"), {"policy": lottery_policy.pk, "places": 2, "seed": 7}
    )
    first = LoanLottery.objects.get().result
    assert first == loan_lottery_draw_order_again(lottery_policy, seed=7)


def loan_lottery_draw_order_again(policy, seed):
    from loans.services_lottery import loan_lottery_order

    apps = LoanApplication.objects.filter(policy=policy)
    return loan_lottery_order(
        application_ids=[a.pk for a in apps],
        priority_ids=[a.pk for a in apps if a.priority],
        seed=seed,
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"places": 0}, "The number of places must be at least 1."),
        ({"places": "many"}, "Enter a whole number."),
        ({"places": 2, "seed": -1}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_draw_input_gives_a_message_and_draws_nothing(
    admin_client_, lottery_policy, admin_user, data, message
):
    _apply(lottery_policy, admin_user, 2)
    response = admin_client_.post(
        reverse("loans:lottery_draw"), {"policy": lottery_policy.pk, **data}, follow=True
    )
    assert response.status_code == 200
    assert message in _messages(response)
    assert not LoanLottery.objects.exists()


def test_draw_without_pending_applications_says_so(admin_client_, lottery_policy):
    response = admin_client_.post(
        reverse("loans:lottery_draw"), {"policy": lottery_policy.pk, "places": 2}, follow=True
    )
    assert "There are no applications waiting for a lottery under this policy." in _messages(
        response
    )


def test_selected_application_links_to_the_lend_page_with_the_resident_preselected(
    staff_client, lottery_policy, staff_user, admin_user, policy
):
    (app,) = _apply(lottery_policy, staff_user, 1)
    lottery = loan_lottery_draw(policy=lottery_policy, places=1, by=admin_user, seed=1)
    link = f"{reverse('loans:checkout')}?resident={app.resident_id}"

    assert (
        link
        in staff_client.get(reverse("loans:lottery_detail", args=[lottery.pk])).content.decode()
    )
    page = staff_client.get(
        reverse("loans:applications"), {"policy": lottery_policy.pk}
    ).content.decode()
    assert link in page

    lend = staff_client.get(link)
    assert lend.status_code == 200
    assert lend.context["resident"] == app.resident


def test_unknown_lottery_is_404(staff_client):
    assert staff_client.get(reverse("loans:lottery_detail", args=[999])).status_code == 404


def test_coordinator_gets_403(coordinator_client, lottery_policy):
    assert coordinator_client.get(reverse("loans:applications")).status_code == 403


def test_applications_page_query_count_is_the_same_for_5_and_50(
    staff_client, lottery_policy, staff_user
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_for(n, start):
        for i in range(n):
            loan_application_create(
                resident=ResidentFactory(name=f"人 {start + i}"),
                policy=lottery_policy,
                by=staff_user,
                venue=venue_of(staff_user),
            )
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(reverse("loans:applications")).status_code == 200
        return len(ctx.captured_queries)

    assert count_for(5, 0) == count_for(45, 5)


def test_lottery_page_query_count_is_the_same_for_5_and_50(staff_client, staff_user, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_for(n):
        policy = LoanPolicyFactory(name=f"方針 {n}")
        _apply(policy, staff_user, n, prefix=f"人{n}")
        lottery = loan_lottery_draw(policy=policy, places=2, by=admin_user, seed=3)
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(reverse("loans:lottery_detail", args=[lottery.pk]))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert count_for(5) == count_for(50)


# Venues ---------------------------------------------------------------------------------------


def test_staff_see_only_their_venues_applicants_on_a_lottery_page(
    client, lottery_policy, staff_user, other_staff_user, admin_user
):
    _apply(lottery_policy, staff_user, 2, prefix="本町")
    _apply(lottery_policy, other_staff_user, 3, prefix="小名浜")
    lottery = loan_lottery_draw(policy=lottery_policy, places=2, by=admin_user, seed=5)
    url = reverse("loans:lottery_detail", args=[lottery.pk])

    client.force_login(staff_user)
    html = client.get(url).content.decode()
    assert "本町 0" in html and "本町 1" in html
    assert "小名浜" not in html
    assert "3 applicants at other venues are not shown." in html

    client.force_login(admin_user)
    html = client.get(url).content.decode()
    assert "小名浜 0" in html and "本町 0" in html and "not shown" not in html


def test_a_lottery_drawn_for_one_venue_takes_only_its_applications(
    admin_client_, lottery_policy, staff_user, other_staff_user, venue, other_venue, client
):
    here = _apply(lottery_policy, staff_user, 2, prefix="本町")
    there = _apply(lottery_policy, other_staff_user, 2, prefix="小名浜")
    response = admin_client_.post(
        reverse("loans:lottery_draw"),
        {"policy": lottery_policy.pk, "places": 1, "venue": venue.pk},
    )
    lottery = LoanLottery.objects.get()
    assert response.status_code == 302 and lottery.venue == venue
    assert sorted(lottery.result) == sorted(a.pk for a in here)
    assert set(
        LoanApplication.objects.filter(pk__in=[a.pk for a in there]).values_list(
            "status", flat=True
        )
    ) == {LoanApplication.Status.PENDING}
    # Staff of the other venue neither see this draw listed nor open it.
    client.force_login(other_staff_user)
    page = client.get(reverse("loans:applications"), {"policy": lottery_policy.pk})
    assert reverse("loans:lottery_detail", args=[lottery.pk]) not in page.content.decode()
    assert client.get(reverse("loans:lottery_detail", args=[lottery.pk])).status_code == 404


def test_a_draw_limited_to_the_users_venues_leaves_the_others_pending(
    lottery_policy, staff_user, other_staff_user, venue
):
    here = _apply(lottery_policy, staff_user, 2, prefix="本町")
    there = _apply(lottery_policy, other_staff_user, 2, prefix="小名浜")
    lottery = loan_lottery_draw(
        policy=lottery_policy, places=5, by=staff_user, seed=1, venue_ids={venue.pk}
    )
    assert sorted(lottery.result) == sorted(a.pk for a in here)
    for app in there:
        app.refresh_from_db()
        assert app.status == LoanApplication.Status.PENDING
