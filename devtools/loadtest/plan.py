"""bench_load's plan: the bench accounts (center staff at a few busy venues) and what each
simulated user works on, written to the JSON file the locustfile reads (``BENCH_LOAD_PLAN``)."""

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, OutputWrapper
from django.db.models import Count, Q
from django.utils import timezone

from classes.models import Registration, Session, Venue
from classes.selectors import local_day_bounds
from kernel.models import Profile, Role
from loans import services_devices
from loans.models import Device, Loan
from residents.models import Resident

ACCOUNT_PREFIX = "bench-load-"
# Only ever used on the bench database; the accounts are staff of a few venues, nothing more.
ACCOUNT_PASSWORD = "bench-load-Pa55word"
LOAN_SLOTS_PER_ACCOUNT = 3


class PlanSteps:
    """The preparation steps of the bench_load command (they write to its ``stdout``)."""

    stdout: OutputWrapper  # set by BaseCommand

    # --- preparation -----------------------------------------------------------------------

    def _plan(self, accounts: int, venue_count: int, think: list[float]) -> dict:
        """Bench accounts (created once, staff at ``venue_count`` busy venues) and what each
        simulated user works on. Deterministic for a given database and day."""
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
            if created or not user.has_usable_password() or not user.is_active:
                user.set_password(ACCOUNT_PASSWORD)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            profile, _ = Profile.objects.update_or_create(user=user, defaults={"role": Role.STAFF})
            profile.venues.set([venue])
            slots = loan_slots[i::accounts][:LOAN_SLOTS_PER_ACCOUNT]
            plan_accounts.append(
                {
                    "username": username,
                    "password": ACCOUNT_PASSWORD,
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
            "login_timeout": 240,
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
        residents = candidates.iterator(chunk_size=500)
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
