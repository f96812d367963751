"""The demo program (``seed_demo``): demo logins, a few hundred residents, three months of
sessions with registrations and attendance, devices and loans, supporters and assignments."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from faker import Faker

from classes.models import Registration, Session, Topic, Venue
from devtools.demo.builder_loans import LoanSteps
from devtools.demo.builder_residents import ResidentSteps
from devtools.demo.builder_sessions import SessionSteps
from devtools.demo.builder_supporters import SupporterSteps
from devtools.demo.common import program_data_ensure
from kernel.models import Profile, Role
from loans.models import Device, Loan, LoanApplication, LoanLottery
from residents.models import Resident
from volunteers.models import Assignment, Supporter

DEMO_PASSWORD = "demo-pass-2026"
DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    venue_codes: tuple[str, ...]
    description: str
    superuser: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", Role.ADMINISTRATOR, (), "program administrator (city DX office)", True),
    DemoUser("staff", Role.STAFF, ("iwaki-chuo",), "center staff"),
    DemoUser("staff2", Role.STAFF, ("onahama",), "center staff"),
    DemoUser("coordinator", Role.COORDINATOR, (), "volunteer coordinator"),
    DemoUser("supporter", Role.SUPPORTER, (), "supporter (student), linked to a supporter"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)


# --- seed_demo ---------------------------------------------------------------------------------


@dataclass
class DemoResult:
    """What seed_demo made: counts by kind, the demo logins and notable facts for the demo."""

    counts: dict[str, int] = field(default_factory=dict)
    users: list[tuple[str, str, str, str]] = field(default_factory=list)  # user, role, venues, pw
    facts: list[str] = field(default_factory=list)


def demo_data_exists() -> bool:
    """True when the demo logins exist (seed_demo ran on this database)."""
    return get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()


def demo_data_delete() -> dict[str, int]:
    """Delete every resident, session, registration, device, loan, supporter and assignment, and
    the demo logins. Venues, topics, skills, organisers and loan policies stay. Returns the
    deleted row counts by model label. For a demo database only."""
    deleted: Counter[str] = Counter()
    with transaction.atomic():
        # Order matters: registrations, loans and assignments protect what they point to.
        for qs in (
            Assignment.objects.all(),
            Registration.objects.all(),
            Loan.objects.all(),
            LoanApplication.objects.all(),
            LoanLottery.objects.all(),
            Session.objects.all(),
            Device.objects.all(),
            Supporter.objects.all(),
            Resident.objects.all(),
            get_user_model().objects.filter(username__in=DEMO_USERNAMES),
        ):
            _, per_model = qs.delete()
            deleted.update(per_model)
    return dict(deleted)


def seed_demo(*, today: date | None = None, seed: int = DEMO_SEED, stdout=None) -> DemoResult:
    """Build the demo program on top of the program data, in one transaction.

    ``today``: the local (JST) date the data is centred on, default today. Sessions run from a
    month before to two months after it. Raises DemoDataError when venues/topics are missing.
    """
    today = today or timezone.localdate()
    venues, topics = program_data_ensure(stdout=stdout)
    with transaction.atomic():
        return _DemoBuilder(today=today, seed=seed, venues=venues, topics=topics).build()


class _DemoBuilder(ResidentSteps, SessionSteps, LoanSteps, SupporterSteps):
    """The demo program, step by step (the steps are in the ``builder_*`` modules)."""

    def __init__(self, *, today: date, seed: int, venues: list[Venue], topics: list[Topic]):
        self.today = today
        self.rng = random.Random(seed)
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(seed)
        self.venues = venues
        self.topics = topics
        self.result = DemoResult()

    def build(self) -> DemoResult:
        self._users()
        self._residents()
        self._sessions()
        self._registrations()
        self._devices_and_loans()
        self._supporters()
        self._assignments()
        self._kpi_targets()
        self._facts()
        return self.result

    def _kpi_targets(self) -> None:
        """This fiscal year's targets, as the administrator would set them: the plan's target."""
        from reports.figures import fiscal_year_of
        from reports.models import Kpi, KpiTarget

        year = fiscal_year_of(self.today)
        made = 0
        for kpi in Kpi.objects.filter(target_value__isnull=False):
            _, created = KpiTarget.objects.get_or_create(
                kpi=kpi, fiscal_year=year, defaults={"target_value": kpi.target_value}
            )
            made += created
        self.result.counts["KPI targets"] = made

    # Users ------------------------------------------------------------------------------------
    def _users(self) -> None:
        User = get_user_model()
        by_code = {v.code: v for v in self.venues}
        self.users = {}
        for spec in DEMO_USERS:
            venues = [by_code[c] for c in spec.venue_codes if c in by_code]
            if spec.venue_codes and not venues:
                # Program data without Iwaki's venues: give the login the first venues instead.
                venues = [self.venues[min(len(self.users) % 2, len(self.venues) - 1)]]
            if spec.superuser:
                user = User.objects.create_superuser(spec.username, "", DEMO_PASSWORD)
            else:
                user = User.objects.create_user(spec.username, "", DEMO_PASSWORD)
            profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": spec.role})
            if venues:
                profile.venues.set(venues)
            self.users[spec.username] = user
            self.result.users.append(
                (
                    spec.username,
                    spec.description,
                    ", ".join(v.name for v in venues),
                    DEMO_PASSWORD,
                )
            )
        self.staff_by_venue = {}
        for spec in DEMO_USERS:
            if spec.role == Role.STAFF:
                for venue in self.users[spec.username].profile.venues.all():
                    self.staff_by_venue[venue.pk] = self.users[spec.username]

    # Summary ----------------------------------------------------------------------------------
    def _facts(self) -> None:
        from classes.selectors import local_day_bounds
        from loans.selectors import loans_due_soon, loans_overdue
        from volunteers.selectors import sessions_understaffed

        today = self.today
        start = local_day_bounds(today)[0]
        end = local_day_bounds(today + timedelta(days=6))[1]
        waitlisted = (
            Registration.objects.filter(status=Registration.Status.WAITLISTED)
            .values("session")
            .distinct()
            .count()
        )
        self.result.facts = [
            f"sessions with a waitlist: {waitlisted}",
            f"loans overdue: {loans_overdue(today=today).count()}",
            f"loans due within 7 days: {loans_due_soon(today=today, days=7).count()}",
            "sessions in the next 7 days short of supporters: "
            f"{sessions_understaffed(start=start, end=end).count()}",
        ]
