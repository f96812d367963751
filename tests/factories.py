"""factory_boy factories shared by all tests (Faker ja_JP)."""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from factory.django import DjangoModelFactory

from classes.models import Organiser, Registration, Session, Topic, Venue
from kernel.models import Profile, Role
from loans.models import Device, Loan, LoanPolicy
from residents.models import Resident
from volunteers.models import Assignment, Skill, Supporter

factory.Faker._DEFAULT_LOCALE = "ja_JP"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-1234-word")


def make_user(role: str, *, venues=(), username: str | None = None):
    """A user with a Profile of ``role`` (a kernel.models.Role value) and, for staff, ``venues``."""
    user = UserFactory(username=username) if username else UserFactory()
    profile = Profile.objects.create(user=user, role=role)
    if venues:
        profile.venues.set(venues)
    return user


def venue_of(user):
    """The first venue of ``user``'s profile (staff), else a new venue (e.g. for an
    administrator): where an application made by ``user`` is collected."""
    venue = Venue.objects.filter(staff_profiles__user=user).order_by("pk").first()
    return venue or VenueFactory()


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    code = factory.Sequence(lambda n: f"venue-{n}")
    name = factory.Sequence(lambda n: f"第{n}公民館")
    name_kana = factory.Sequence(lambda n: f"だい{n}こうみんかん")
    district = "平"
    kind = Venue.Kind.COMMUNITY_CENTER
    default_seats = 16
    access = "いわき駅から徒歩10分"


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:02d}")
    title = "LINEの使い方"
    title_en = "Using LINE"
    level = Topic.Level.BASIC


class OrganiserFactory(DjangoModelFactory):
    class Meta:
        model = Organiser
        django_get_or_create = ("name",)

    name = "いわき市"
    kind = Organiser.Kind.CITY


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session

    kind = Session.Kind.CLASS
    topic = factory.SubFactory(TopicFactory)
    venue = factory.SubFactory(VenueFactory)
    organiser = factory.SubFactory(OrganiserFactory)
    starts_at = factory.LazyFunction(
        lambda: (timezone.localtime() + timedelta(days=3)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=90))
    seats = 10
    supporters_needed = 2


class ResidentFactory(DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Faker("name")
    name_kana = factory.Faker("kana_name")
    birth_date = factory.Faker(
        "date_between", start_date=date(1935, 1, 1), end_date=date(1958, 12, 31)
    )
    phone = factory.Sequence(lambda n: f"0246-55-{n % 10000:04d}")
    district = "平"
    consent_given = True
    consent_date = factory.LazyFunction(timezone.localdate)


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    resident = factory.SubFactory(ResidentFactory)
    status = Registration.Status.REGISTERED


class LoanPolicyFactory(DjangoModelFactory):
    class Meta:
        model = LoanPolicy

    name = "6か月貸与"
    term_days = 182
    max_renewals = 1
    min_age = 65
    max_active_loans = 1


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    asset_tag = factory.Sequence(lambda n: f"SP-{n:04d}")
    kind = Device.Kind.SMARTPHONE
    maker = "Sharp"
    model_name = "AQUOS wish"
    os = "Android 14"
    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    imei = factory.Sequence(lambda n: f"35{n:013d}")


class LoanFactory(DjangoModelFactory):
    class Meta:
        model = Loan

    device = factory.SubFactory(DeviceFactory, status=Device.Status.ON_LOAN)
    resident = factory.SubFactory(ResidentFactory)
    policy = factory.SubFactory(LoanPolicyFactory)
    start_date = factory.LazyFunction(timezone.localdate)
    due_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=182))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Fill the per-resident holding slot the way loan_checkout does, so that tests can build
        # several active loans for one resident without tripping the database constraints.
        if kwargs.get("status", Loan.Status.ACTIVE) == Loan.Status.ACTIVE:
            if kwargs.get("holding_slot") is None:
                taken = set(
                    Loan.objects.filter(
                        resident=kwargs["resident"], status=Loan.Status.ACTIVE
                    ).values_list("holding_slot", flat=True)
                )
                kwargs["holding_slot"] = next(n for n in range(1, 100) if n not in taken)
            if kwargs.get("allowed_loans") is None:
                kwargs["allowed_loans"] = max(kwargs["holding_slot"], 1)
        return super()._create(model_class, *args, **kwargs)


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = "line"
    name = "LINE"


class SupporterFactory(DjangoModelFactory):
    class Meta:
        model = Supporter

    name = factory.Faker("name")
    name_kana = factory.Faker("kana_name")
    kind = Supporter.Kind.STUDENT
    organisation = "いわき明星大学"
    home_district = "平"


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = Assignment

    session = factory.SubFactory(SessionFactory)
    supporter = factory.SubFactory(SupporterFactory)
    status = Assignment.Status.CONFIRMED


__all__ = ["Role", "make_user"]


def _clock(hour: int, minute: int = 0):
    from datetime import time

    return time(hour, minute)


class AvailabilityFactory(DjangoModelFactory):
    """A weekly window, Monday 9:00-17:00 unless told otherwise."""

    class Meta:
        model = "volunteers.Availability"

    supporter = factory.SubFactory(SupporterFactory)
    weekday = 0
    start_time = factory.LazyFunction(lambda: _clock(9))
    end_time = factory.LazyFunction(lambda: _clock(17))
