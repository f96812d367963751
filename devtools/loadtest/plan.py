"""bench_load's plan: the bench accounts (center staff at a few busy venues), a logged-in session
for each, and what each simulated desk works on, written to the JSON file the locustfile reads
(``BENCH_LOAD_PLAN``)."""

import random
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, OutputWrapper
from django.db.models import Count, Q
from django.test import Client, override_settings
from django.utils import timezone

from classes.models import Registration, Session, Venue
from classes.selectors import local_day_bounds
from kernel.models import Profile, Role
from loans import services_devices
from loans.models import Device, Loan
from residents.models import Resident

ACCOUNT_PREFIX = "bench-load-"
LOAN_SLOTS_PER_ACCOUNT = 3
# The backend the bench sessions are logged in with (the site's login form uses it too).
LOGIN_BACKEND = "kernel.auth_backends.AuthenticationBackend"
# The bench gunicorn's key; the sessions are signed with it, so they are made under it too.
BENCH_SECRET_KEY = "bench-load-not-secret-" + "x" * 40


class PlanSteps:
    """The preparation steps of the bench_load command (they write to its ``stdout``)."""

    stdout: OutputWrapper  # set by BaseCommand

    # --- preparation -----------------------------------------------------------------------

    def _plan(self, accounts: int, venue_count: int, think: list[float]) -> dict:
        """Bench accounts (created once, staff at ``venue_count`` busy venues, without a usable
        password), a logged-in session for each (Django's ``login()``, as after the login form)
        and what each simulated desk works on. Deterministic for a given database and day."""
        rng = random.Random(20240401)
        today = timezone.localdate()
        now = timezone.now()
        day_start, day_end = local_day_bounds(today)
        venues = list(
            Venue.objects.filter(is_active=True)
            .annotate(
                upcoming=Count(
                    "sessions",
                    filter=Q(
                        sessions__starts_at__gte=now,
                        sessions__starts_at__lt=now + timedelta(days=14),
                        sessions__status=Session.Status.SCHEDULED,
                    ),
                )
            )
            .filter(upcoming__gt=0)
            .order_by("-upcoming", "id")[:venue_count]
        )
        if not venues:
            raise CommandError(
                "No upcoming sessions: generate the city data set first "
                "(manage.py generate_city, or make bench)."
            )
        try:
            policy = services_devices.loan_policy_active()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

        family_names = sorted(
            {
                kana.split(" ")[0]
                for kana in Resident.objects.filter(anonymised_at__isnull=True)
                .exclude(name_kana="")
                .order_by("id")
                .values_list("name_kana", flat=True)[:20000]
            }
        )
        kana = rng.sample(family_names, min(60, len(family_names)))
        resident_ids = list(
            Resident.objects.filter(anonymised_at__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:20000]
        )
        loan_slots = self._loan_slots(accounts * LOAN_SLOTS_PER_ACCOUNT, policy, today)
        if len(loan_slots) < accounts:
            raise CommandError(
                f"Only {len(loan_slots)} available devices with eligible residents; need "
                f"{accounts}."
            )

        attendance = {}
        for venue in venues:
            today_ids = list(
                Session.objects.filter(
                    venue=venue,
                    status=Session.Status.SCHEDULED,
                    starts_at__gte=day_start,
                    starts_at__lt=day_end,
                    registrations__status=Registration.Status.REGISTERED,
                )
                .distinct()
                .order_by("starts_at")
                .values_list("id", flat=True)[:5]
            )
            if not today_ids:  # nothing today at this venue: the last week's sessions
                today_ids = list(
                    Session.objects.filter(
                        venue=venue,
                        status=Session.Status.SCHEDULED,
                        starts_at__gte=day_start - timedelta(days=7),
                        starts_at__lt=day_start,
                        registrations__status=Registration.Status.REGISTERED,
                    )
                    .distinct()
                    .order_by("-starts_at")
                    .values_list("id", flat=True)[:5]
                )
            attendance[venue.pk] = today_ids

        User = get_user_model()
        plan_accounts = []
        for i in range(accounts):
            venue = venues[i % len(venues)]
            username = f"{ACCOUNT_PREFIX}{i + 1:02d}"
            user, created = User.objects.get_or_create(username=username)
            if created or user.has_usable_password() or not user.is_active:
                # Nobody logs in as a bench account: its only way in is the session below.
                user.set_unusable_password()
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": Role.STAFF})
            profile.venues.set([venue])
            client = Client()
            with override_settings(SECRET_KEY=BENCH_SECRET_KEY):
                client.force_login(user, backend=LOGIN_BACKEND)
            slots = loan_slots[i::accounts][:LOAN_SLOTS_PER_ACCOUNT]
            plan_accounts.append(
                {
                    "username": username,
                    "session_key": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "venue_id": venue.pk,
                    "kana": kana,
                    "phone_residents": rng.sample(resident_ids, min(50, len(resident_ids))),
                    "attendance_sessions": attendance[venue.pk],
                    "loan_slots": slots,
                }
            )
        self.stdout.write(
            f"  {accounts} accounts ({ACCOUNT_PREFIX}NN, center staff) at "
            + ", ".join(
                f"{v.name} ({len(attendance[v.pk])} sessions for attendance)" for v in venues
            )
        )
        return {
            "today": today.isoformat(),
            "think": think,
            "accounts": plan_accounts,
            "session_cookie_name": settings.SESSION_COOKIE_NAME,
            "login_timeout": 120,
        }

    def _loan_slots(self, wanted: int, policy, today) -> list[dict]:
        """(device, resident) pairs that can be lent now: available, undamaged devices and
        residents the active policy accepts, each used once."""
        devices = list(
            Device.objects.filter(status=Device.Status.AVAILABLE)
            .exclude(condition=Device.Condition.DAMAGED)
            .order_by("id")[: wanted * 2]
        )
        random.Random(7).shuffle(devices)
        candidates = (
            Resident.objects.filter(anonymised_at__isnull=True)
            .exclude(district="")
            .exclude(loans__status=Loan.Status.ACTIVE)
            .order_by("id")
        )
        slots = []
        residents = _in_batches(candidates)
        for device in devices[:wanted]:
            for resident in residents:
                try:
                    services_devices._check_resident_eligible(
                        resident=resident, policy=policy, on=today
                    )
                except ValidationError:
                    continue
                slots.append(
                    {
                        "device": device.pk,
                        "resident": resident.pk,
                        "kit": device.kit_items,
                        "condition": device.condition,
                    }
                )
                break
        return slots


def _in_batches(residents, size: int = 500) -> Iterator[Resident]:
    """The residents of an id-ordered queryset, ``size`` at a time, each batch its own query.
    (A server-side cursor left half-read would be closed by the garbage collector at any
    moment, possibly in the middle of a later query on the same connection, which then hangs.)"""
    last = 0
    while True:
        batch = list(residents.filter(pk__gt=last)[:size])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk
