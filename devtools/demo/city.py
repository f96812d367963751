"""The city-scale data set (``generate_city``): about 100,000 residents and 300,000
registrations, written with ``bulk_create`` in batches, for load and query-count checks."""

from __future__ import annotations

import random
import time as time_module
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from classes.models import Organiser, Registration, Session, Venue
from devtools.demo.common import (
    _CARAVAN_PLACES,
    _CONSULTATION_TITLE,
    _HOUSEHOLDS,
    _OWN_DEVICES,
    _SALON_TITLE,
    _SCHOOLS,
    JST,
    _active_policy,
    _skills,
    birth_date_for_age,
    is_session_day,
    program_data_ensure,
    slot_bounds,
)
from devtools.demo.names import NAMES, imei_number, landline_number, mobile_number
from loans.models import Device, Loan
from residents.models import OwnDevice, Resident
from volunteers.models import Assignment, Supporter

CITY_SEED = 42
BATCH_SIZE = 5000

# --- generate_city -----------------------------------------------------------------------------

CITY_DEFAULTS = {
    "residents": 100_000,
    "sessions": 20_000,
    "registrations": 300_000,
    "devices": 3_000,
    "loans": 15_000,
    "supporters": 1_000,
}


@dataclass
class CityResult:
    """Row counts written by generate_city and the seconds it took."""

    counts: dict[str, int]
    seconds: float


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def generate_city(
    *,
    residents: int = CITY_DEFAULTS["residents"],
    sessions: int = CITY_DEFAULTS["sessions"],
    registrations: int = CITY_DEFAULTS["registrations"],
    devices: int = CITY_DEFAULTS["devices"],
    loans: int = CITY_DEFAULTS["loans"],
    supporters: int = CITY_DEFAULTS["supporters"],
    seed: int = CITY_SEED,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] | None = None,
) -> CityResult:
    """Add a city-scale data set in one transaction and return its row counts and duration.

    Counts are exact except: registrations are capped at ``sessions x residents``, and loans
    become at most one active per device (most are returned). Registrations are unique per
    (session, resident); registered never exceed seats (the rest are waitlisted); a supporter is
    never on two sessions at the same time. ``today`` (local date) anchors the dates; sessions
    run up to 90 days ahead and back as far as the count needs. Raises DemoDataError without
    venues/topics.
    """
    started = time_module.monotonic()
    log = log or (lambda message: None)
    today = today or timezone.localdate()
    venues, topics = program_data_ensure()
    with transaction.atomic():
        builder = _CityBuilder(
            today=today, seed=seed, venues=venues, topics=topics, batch_size=batch_size, log=log
        )
        builder.residents(residents)
        builder.sessions(sessions)
        builder.registrations(registrations)
        builder.devices_and_loans(devices, loans)
        builder.supporters_and_assignments(supporters)
    return CityResult(counts=builder.counts, seconds=time_module.monotonic() - started)


class _CityBuilder:
    def __init__(self, *, today, seed, venues, topics, batch_size, log):
        self.today = today
        self.rng = random.Random(seed)
        self.venues = venues
        self.topics = topics
        self.batch_size = batch_size
        self.log = log
        self.counts: dict[str, int] = {}
        # A label unique to this run, so a second run never collides on unique asset tags.
        run = 1
        while Device.objects.filter(asset_tag__startswith=f"C{run}-").exists():
            run += 1
        self.run = run

    def _insert(self, model, rows: list) -> list:
        created = []
        for chunk in _chunks(rows, self.batch_size):
            created.extend(model.objects.bulk_create(chunk))
        return created

    def residents(self, count: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        districts = [v.district or v.name for v in self.venues]
        weights = [v.default_seats for v in self.venues]
        consent_day = today - timedelta(days=30)
        phones = rng.sample(range(450_000), min(count, 450_000))
        self.resident_ids: list[int] = []
        self.borrower_ids: list[int] = []  # 65+, no smartphone: who may borrow a device
        for start in range(0, count, self.batch_size):
            batch = []
            may_borrow: list[bool] = []  # per resident in batch
            for i in range(start, min(count, start + self.batch_size)):
                age = rng.choices((rng.randint(40, 64), rng.randint(65, 95)), (15, 85))[0]
                female = rng.random() < 0.56
                name, kana = NAMES.person(rng, female=female, senior=age >= 70)
                own = rng.choices(_OWN_DEVICES, (28, 30, 22, 15, 5))[0]
                phone = (
                    landline_number(phones[i])
                    if i < len(phones) and rng.random() < 0.8
                    else mobile_number(i * 7 + 3)
                )
                r = Resident(
                    name=name,
                    name_kana=kana,
                    birth_date=birth_date_for_age(rng, today, age),
                    phone=phone,
                    district=rng.choices(districts, weights)[0],
                    household=rng.choices(_HOUSEHOLDS, (25, 35, 30, 10))[0],
                    own_device=own,
                    consent_given=True,
                    consent_date=consent_day - timedelta(days=i % 700),
                )
                # bulk_create does not call save(): fill the search keys it would.
                r.set_search_keys()
                may_borrow.append(age >= 65 and own in (OwnDevice.NONE, OwnDevice.FEATURE_PHONE))
                batch.append(r)
            # bulk_create returns the objects it was given, in order.
            for r, borrower in zip(Resident.objects.bulk_create(batch), may_borrow, strict=True):
                self.resident_ids.append(r.pk)
                if borrower:
                    self.borrower_ids.append(r.pk)
        self.counts["residents"] = len(self.resident_ids)
        self.log(f"residents: {count} in {time_module.monotonic() - t0:.1f}s")

    def sessions(self, count: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        city = Organiser.objects.get_or_create(name="いわき市", defaults={"kind": "city"})[0]
        # Cells: (day, slot, venue, room); big centers have two rooms. Walk back from 90 days
        # ahead until there are a fifth more cells than sessions, so the calendar has gaps.
        rooms = [
            (v, room) for v in self.venues for room in range(2 if v.default_seats >= 20 else 1)
        ]
        cells: list[tuple[date, int, Venue]] = []
        day = today + timedelta(days=90)
        earliest = today - timedelta(days=30)
        while len(cells) < count * 1.2 or day > earliest:
            if is_session_day(day):
                cells.extend((day, slot, venue) for slot in (0, 1) for venue, _ in rooms)
            day -= timedelta(days=1)
        chosen = sorted(rng.sample(range(len(cells)), count))
        kinds = (
            Session.Kind.CLASS,
            Session.Kind.SALON,
            Session.Kind.CONSULTATION,
            Session.Kind.CARAVAN,
        )
        rows = []
        for index in chosen:
            day, slot, venue = cells[index]
            kind = rng.choices(kinds, (60, 20, 15, 5))[0]
            starts_at, ends_at = slot_bounds(day, slot)
            s = Session(
                kind=kind,
                organiser=city,
                starts_at=starts_at,
                ends_at=ends_at,
                venue=venue,
                supporters_needed=1,
            )
            if kind == Session.Kind.CLASS:
                s.topic = rng.choice(self.topics)
                s.seats = venue.default_seats
                s.supporters_needed = 2
            elif kind == Session.Kind.SALON:
                s.title = _SALON_TITLE
            elif kind == Session.Kind.CONSULTATION:
                s.title = _CONSULTATION_TITLE
                s.seats = 6
            else:
                s.title = "お助けキャラバン"
                s.venue = None
                s.place = rng.choice(_CARAVAN_PLACES)
                s.supporters_needed = 3
            if rng.random() < 0.02:
                s.status = Session.Status.CANCELLED
            rows.append(s)
        created = self._insert(Session, rows)
        # Only what later steps need, as plain tuples (not 20,000 model instances).
        self.session_info = [
            (s.pk, s.starts_at, s.kind, s.seats, s.status, s.supporters_needed) for s in created
        ]
        self.counts["sessions"] = len(created)
        self.log(f"sessions: {len(created)} in {time_module.monotonic() - t0:.1f}s")

    def registrations(self, total: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        n_res = len(self.resident_ids)
        now = timezone.now()
        weights = []
        for _, starts_at, kind, seats, status, _ in self.session_info:
            if status == Session.Status.CANCELLED:
                w = 1.0
            elif kind == Session.Kind.CLASS:
                w = seats * rng.uniform(0.6, 1.3)  # above 1: a waitlist
            elif kind == Session.Kind.CONSULTATION:
                w = rng.uniform(2, 7)
            elif kind == Session.Kind.SALON:
                w = rng.uniform(5, 20)
            else:
                w = rng.uniform(10, 30)
            if (starts_at.date() - today).days > 14:
                w *= 0.5
            weights.append(w)
        # Share ``total`` in proportion to the weights, at most one row per resident and session.
        total = min(total, n_res * len(weights))
        scale = total / sum(weights) if weights else 0
        sizes = [min(n_res, int(w * scale)) for w in weights]
        order = sorted(range(len(sizes)), key=lambda i: -weights[i])
        short = total - sum(sizes)
        while short > 0:
            progressed = False
            for i in order:
                if short == 0:
                    break
                if sizes[i] < n_res:
                    sizes[i] += 1
                    short -= 1
                    progressed = True
            if not progressed:
                break
        batch: list[Registration] = []
        written = 0
        for (pk, starts_at, _kind, seats, status, _), k in zip(
            self.session_info, sizes, strict=True
        ):
            past = starts_at < now
            registered = 0
            for idx in rng.sample(range(n_res), k):
                if status == Session.Status.CANCELLED or rng.random() < 0.04:
                    st = Registration.Status.CANCELLED
                elif seats is None or registered < seats:
                    st = Registration.Status.REGISTERED
                    registered += 1
                else:
                    st = Registration.Status.WAITLISTED
                attendance = ""
                if past and st == Registration.Status.REGISTERED:
                    attendance = "attended" if rng.random() < 0.88 else "absent"
                batch.append(
                    Registration(
                        session_id=pk,
                        resident_id=self.resident_ids[idx],
                        status=st,
                        attendance=attendance,
                        is_walk_in=past and seats is None and rng.random() < 0.7,
                        cancelled_at=now if st == Registration.Status.CANCELLED else None,
                    )
                )
            if len(batch) >= self.batch_size:
                Registration.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        if batch:
            Registration.objects.bulk_create(batch)
            written += len(batch)
        self.counts["registrations"] = written
        self.log(f"registrations: {written} in {time_module.monotonic() - t0:.1f}s")

    def devices_and_loans(self, n_devices: int, n_loans: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        policy = _active_policy()
        term = policy.term_days
        kinds = (Device.Kind.SMARTPHONE, Device.Kind.TABLET, Device.Kind.ROUTER)
        prefix = {Device.Kind.SMARTPHONE: "SP", Device.Kind.TABLET: "TB", Device.Kind.ROUTER: "WR"}
        rows = []
        for i in range(n_devices):
            kind = rng.choices(kinds, (60, 25, 15))[0]
            rows.append(
                Device(
                    asset_tag=f"C{self.run}-{prefix[kind]}-{i:05d}",
                    kind=kind,
                    maker="シャープ" if kind == Device.Kind.SMARTPHONE else "Apple",
                    model_name="AQUOS wish3" if kind == Device.Kind.SMARTPHONE else "iPad",
                    serial=f"C{self.run}SN{i:07d}",
                    imei=imei_number(self.run * 1_000_000 + i)
                    if kind != Device.Kind.TABLET
                    else "",
                    home_venue=rng.choice(self.venues),
                )
            )
        created = self._insert(Device, rows)
        # Spread the loans over the devices; each device's loans follow one another in time and
        # only the newest may still be active.
        per_device = [n_loans // max(1, n_devices)] * n_devices
        for i in range(n_loans - sum(per_device)):
            per_device[i % n_devices] += 1
        borrowers = self.borrower_ids[:] or self.resident_ids[:]
        rng.shuffle(borrowers)
        next_borrower = 0  # active loans take distinct residents: one device per resident
        loans = []
        statuses = {}
        outcomes = (
            Loan.Outcome.OWN_DEVICE,
            Loan.Outcome.RETURNED_WITHOUT,
            Loan.Outcome.OTHER_PROGRAM,
        )
        for device, k in zip(created, per_device, strict=True):
            if k == 0:
                continue
            active = rng.random() < 0.6 and next_borrower < len(borrowers)
            if active:
                start = today - timedelta(days=rng.randint(1, 200))
                returned_on = None
            else:
                returned_on = today - timedelta(days=rng.randint(1, 60))
                start = returned_on - timedelta(days=rng.randint(120, 200))
            for n in range(k):
                due = start + timedelta(days=term)
                loan = Loan(
                    device_id=device.pk,
                    policy=policy,
                    venue_id=device.home_venue_id,
                    start_date=start,
                    due_date=due,
                    kit_handed_over=device.accessories,
                    agreement_signed=True,
                    signed_by="resident",
                )
                if n == 0 and active:
                    loan.holding_slot, loan.allowed_loans = 1, policy.max_active_loans
                    loan.resident_id = borrowers[next_borrower]
                    next_borrower += 1
                    statuses[device.pk] = Device.Status.ON_LOAN
                else:
                    loan.resident_id = rng.choice(borrowers)
                    loan.status = Loan.Status.RETURNED
                    loan.returned_on = returned_on
                    loan.outcome = rng.choices(outcomes, (50, 40, 10))[0]
                    loan.kit_returned = device.accessories
                    loan.return_condition = Device.Condition.GOOD
                    assert returned_on is not None, "set for a past device and after its 1st loan"
                    loan.data_wiped_at = datetime.combine(returned_on, time(14, 0), JST)
                loans.append(loan)
                # The loan before this one ended a little before this one started.
                returned_on = start - timedelta(days=rng.randint(2, 30))
                start = returned_on - timedelta(days=rng.randint(120, 200))
        self._insert(Loan, loans)
        on_loan = [d for d in created if d.pk in statuses]
        for d in on_loan:
            d.status = Device.Status.ON_LOAN
        Device.objects.bulk_update(on_loan, ["status"], batch_size=self.batch_size)
        self.counts["devices"] = len(created)
        self.counts["loans"] = len(loans)
        self.counts["active loans"] = len(on_loan)
        self.log(f"devices and loans: {len(loans)} in {time_module.monotonic() - t0:.1f}s")

    def supporters_and_assignments(self, count: int) -> None:
        rng, today = self.rng, self.today
        t0 = time_module.monotonic()
        skills = _skills()
        skill_ids = [s.pk for s in skills.values()]
        kinds = (Supporter.Kind.STUDENT, Supporter.Kind.VOLUNTEER, Supporter.Kind.DIGITAL_SUPPORTER)
        rows = []
        for i in range(count):
            kind = rng.choices(kinds, (60, 30, 10))[0]
            name, kana = NAMES.person(rng, female=rng.random() < 0.5, senior=False)
            rows.append(
                Supporter(
                    name=name,
                    name_kana=kana,
                    kind=kind,
                    organisation=rng.choice(_SCHOOLS) if kind == Supporter.Kind.STUDENT else "",
                    phone=mobile_number(8_000_000 + i),
                    max_sessions_per_month=8,
                )
            )
        created = self._insert(Supporter, rows)
        through = Supporter.skills.through
        self._insert(
            through,
            [
                through(supporter_id=s.pk, skill_id=skill_id)
                for s in created
                for skill_id in rng.sample(skill_ids, min(len(skill_ids), rng.randint(1, 3)))
            ],
        )
        ids = [s.pk for s in created]
        busy: set[tuple[int, datetime]] = set()
        monthly: Counter[tuple[int, int, int]] = Counter()
        assignments = []
        now = timezone.now()
        for pk, starts_at, _, _, status, needed in self.session_info:
            if status == Session.Status.CANCELLED or not ids:
                continue
            days_ahead = (starts_at.date() - today).days
            fill = 0.95 if days_ahead < 0 else 0.7 if days_ahead <= 7 else 0.4
            taken: set[int] = set()
            for _ in range(needed):
                if rng.random() > fill:
                    continue
                for _attempt in range(10):
                    sid = rng.choice(ids)
                    month = (sid, starts_at.year, starts_at.month)
                    if sid in taken or (sid, starts_at) in busy or monthly[month] >= 8:
                        continue
                    taken.add(sid)
                    busy.add((sid, starts_at))
                    monthly[month] += 1
                    past = starts_at < now
                    assignments.append(
                        Assignment(
                            session_id=pk,
                            supporter_id=sid,
                            status=Assignment.Status.CONFIRMED,
                            checked_in_at=starts_at if past else None,
                            checked_out_at=starts_at + timedelta(minutes=100) if past else None,
                        )
                    )
                    break
        self._insert(Assignment, assignments)
        self.counts["supporters"] = len(created)
        self.counts["assignments"] = len(assignments)
        self.log(
            f"supporters and assignments: {len(assignments)} in {time_module.monotonic() - t0:.1f}s"
        )
