"""The admin site holds dates to the same plausible ranges as the product's forms: a session
or loan in year 9999, or a birth date in 1899, is refused there too (it used to be saved, and
then pages that add a day to it failed)."""

from datetime import date, timedelta

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.utils import timezone

from classes.models import Session, VenueClosure
from residents.models import Resident
from tests.factories import ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _admin_form(model, instance, **changes):
    request = RequestFactory().get("/admin/")
    user_model = get_user_model()
    request.user = user_model.objects.filter(
        username="root"
    ).first() or user_model.objects.create_superuser("root", "root@example.jp", "x")
    model_admin = site._registry[model]
    form_class = model_admin.get_form(request, instance)
    data = {k: v for k, v in model_to_dict(instance).items() if v is not None}
    data.update(changes)
    return form_class(data=data, instance=instance)


def test_a_birth_date_before_1900_or_in_the_future_is_refused_in_the_admin():
    resident = ResidentFactory()
    for bad in (date(1899, 12, 31), timezone.localdate() + timedelta(days=1)):
        form = _admin_form(Resident, resident, birth_date=bad)
        assert not form.is_valid()
        assert "Enter a birth date from 1900-01-01 to today." in form.errors["birth_date"]
    assert (
        _admin_form(Resident, resident, birth_date=date(1943, 5, 1)).errors.get("birth_date")
        is None
    )


def test_a_venue_closure_in_year_9999_is_refused_in_the_admin(venue):
    closure = VenueClosure.objects.create(venue=venue, date=timezone.localdate(), reason="点検")
    form = _admin_form(VenueClosure, closure, date=date(9999, 12, 31))
    assert not form.is_valid()
    assert "Enter a date from 2000-01-01 to" in " ".join(form.errors["date"])


def test_a_session_starting_in_year_9999_is_refused_in_the_admin(venue):
    session = SessionFactory(venue=venue)
    form = _admin_form(Session, session, starts_at_0="9999-12-31", starts_at_1="10:00")
    form.is_valid()
    assert "Enter a date from 2000-01-01 to" in " ".join(form.errors.get("starts_at", []))
