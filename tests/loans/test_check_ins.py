"""Follow-up check-ins during a loan: the service, the database rule and the form on the loan page."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loans.models import LoanCheckIn
from loans.services import loan_check_in_record, loan_mark_lost

pytestmark = pytest.mark.django_db


def _record(loan, by, **kwargs):
    values = {"channel": "phone", "functions": ["line", "calls"], "satisfaction": 4}
    values.update(kwargs)
    return loan_check_in_record(loan=loan, by=by, **values)


def test_check_in_is_recorded_with_functions_in_a_fixed_order(loan, staff_user):
    check_in = _record(
        loan, staff_user, functions=["health", "line", "calls"], difficulties="文字入力"
    )
    check_in.refresh_from_db()
    assert check_in.on == timezone.localdate()
    assert check_in.functions_used == "calls,line,health"
    assert check_in.function_labels == ["Calls", "LINE", "Health apps"]
    assert check_in.difficulties == "文字入力"
    assert check_in.satisfaction == 4
    assert check_in.created_by == staff_user


@pytest.mark.parametrize("value", [0, 6, -1, True, "3"])
def test_satisfaction_outside_1_to_5_is_refused_with_a_clear_message(loan, staff_user, value):
    with pytest.raises(ValidationError, match=r"from 1 \(not satisfied\) to 5"):
        _record(loan, staff_user, satisfaction=value)
    assert LoanCheckIn.objects.count() == 0


def test_the_database_refuses_a_satisfaction_of_6(loan):
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanCheckIn.objects.create(
            loan=loan, on=timezone.localdate(), channel="phone", satisfaction=6
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channel": "mail"}, "by phone or at a class"),
        ({"functions": ["tiktok"]}, "Unknown function: tiktok"),
        ({"on": timezone.localdate() + timedelta(days=1)}, "cannot be in the future"),
        ({"on": timezone.localdate() - timedelta(days=31)}, "before the loan started"),
    ],
)
def test_bad_input_is_refused(loan, staff_user, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        _record(loan, staff_user, **kwargs)
    assert LoanCheckIn.objects.count() == 0


def test_no_check_in_on_a_loan_that_has_ended(loan, staff_user):
    loan_mark_lost(loan=loan, by=staff_user)
    loan.refresh_from_db()
    with pytest.raises(ValidationError, match="check-ins are recorded during a loan"):
        _record(loan, staff_user)


def _post(client, loan, **data):
    values = {
        "on": timezone.localdate().isoformat(),
        "channel": "class",
        "functions": ["camera", "maps"],
        "difficulties": "地図の拡大",
        "satisfaction": "5",
    }
    values.update(data)
    return client.post(reverse("loans:check_in", args=[loan.pk]), values)


def test_staff_record_a_check_in_on_the_loan_page(staff_client, loan):
    response = _post(staff_client, loan)
    assert response.status_code == 302

    page = staff_client.get(reverse("loans:loan_detail", args=[loan.pk]))
    html = page.content.decode()
    assert "Check-in recorded." in html
    assert "Camera、Maps" in html
    assert "地図の拡大" in html
    assert "5 / 5" in html
    # The form offers "At a class" anyway: read the recorded row itself.
    assert "<td>At a class</td>" in html
    check_in = LoanCheckIn.objects.get(loan=loan)
    assert (check_in.channel, check_in.functions_used, check_in.satisfaction) == (
        "class",
        "camera,maps",
        5,
    )


@pytest.mark.parametrize("value", ["0", "6", ""])
def test_the_form_refuses_satisfaction_0_or_6_and_saves_nothing(staff_client, loan, value):
    response = _post(staff_client, loan, satisfaction=value)
    assert response.status_code == 400
    assert "Choose a satisfaction from 1 to 5." in response.content.decode()
    assert LoanCheckIn.objects.count() == 0


def test_service_errors_show_on_the_page(staff_client, loan):
    day = (loan.start_date - timedelta(days=1)).isoformat()
    response = _post(staff_client, loan, on=day)
    assert response.status_code == 400
    assert "cannot be before the loan started" in response.content.decode()
    assert LoanCheckIn.objects.count() == 0


def test_staff_of_another_venue_get_404_and_coordinators_403(
    client, loan, other_staff_user, coordinator_user
):
    client.force_login(other_staff_user)
    assert _post(client, loan).status_code == 404
    client.force_login(coordinator_user)
    assert _post(client, loan).status_code == 403
    assert LoanCheckIn.objects.count() == 0


def test_loan_page_query_count_does_not_grow_with_check_ins(staff_client, loan, staff_user):
    url = reverse("loans:loan_detail", args=[loan.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        _record(loan, staff_user)
    few = count()
    for _ in range(20):
        _record(loan, staff_user)
    assert count() == few
