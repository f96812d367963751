"""The city-scale data set (``generate_city``): at scale 1 about 100,000 residents and 300,000
registrations, at scale 10 a million residents and three million registrations.

Rows are built as plain tuples with explicit primary keys and written with COPY on PostgreSQL
(``devtools.demo.bulk``), the secondary indexes and foreign keys rebuilt once at the end; on
other databases with ``bulk_create``."""

from __future__ import annotations

import random
import time as time_module
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import accumulate
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from classes.models import Organiser, Registration, Session, Venue
from devtools.demo.bulk import bulk_write, ids_reserve, indexes_deferred
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
from residents.normalize import phone_digits
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

# The other municipalities of Fukushima prefecture (いわき市's venues come from the program
# data): at scale N the data set is a prefecture of N municipalities, each with a copy of the
# program's venues, so a scale-10 calendar spans the same months as scale 1, ten times as full.
MUNICIPALITIES = tuple(
    (
        "福島市 郡山市 会津若松市 須賀川市 白河市 相馬市 南相馬市 二本松市 喜多方市 伊達市 "
        "田村市 本宮市 桑折町 国見町 川俣町 大玉村 鏡石町 天栄村 下郷町 檜枝岐村 只見町 "
        "南会津町 北塩原村 西会津町 磐梯町 猪苗代町 会津坂下町 湯川村 柳津町 三島町 金山町 "
        "昭和村 会津美里町 西郷村 泉崎村 中島村 矢吹町 棚倉町 矢祭町 塙町 鮫川村 石川町 "
        "玉川村 平田村 浅川町 古殿町 三春町 小野町 広野町 楢葉町 富岡町 川内村 大熊町 "
        "双葉町 浪江町 葛尾村 新地町 飯舘村"
    ).split()
)
HOME_CITY = "いわき市"

# The tables generate_city fills (their indexes are rebuilt once at the end).
CITY_MODELS = (
    Resident,
    Session,
    Registration,
    Device,
    Loan,
    Supporter,
    Supporter.skills.through,
    Assignment,
)


@dataclass
class CityResult:
    """Row counts written by generate_city, the seconds it took, and seconds per step."""

    counts: dict[str, int]
    seconds: float
    steps: dict[str, float]


def generate_city(
    *,
    residents: int = CITY_DEFAULTS["residents"],
    sessions: int = CITY_DEFAULTS["sessions"],
    registrations: int = CITY_DEFAULTS["registrations"],
    devices: int = CITY_DEFAULTS["devices"],
    loans: int = CITY_DEFAULTS["loans"],
    supporters: int = CITY_DEFAULTS["supporters"],
    municipalities: int = 1,
    seed: int = CITY_SEED,
    today: date | None = None,
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] | None = None,
) -> CityResult:
    """Add a city-scale data set in one transaction and return its row counts and duration.

    Counts are exact except: registrations are capped at ``sessions x residents``, and loans
    become at most one active per device (most are returned). Registrations are unique per
    (session, resident); registered never exceed seats (the rest are waitlisted); a supporter is
    never on two sessions at the same time; an active loan's device is on loan, and a resident
    holds at most one active loan. ``today`` (local date) anchors the dates; sessions run up to
    90 days ahead and back as far as the count needs. ``municipalities`` (1 to 59): いわき市
    plus that many minus one other municipalities of the prefecture, each with a copy of the
    program's venues (made once, kept by later runs) and its own organiser. ``batch_size``: rows
    per ``bulk_create`` where there is no COPY. Raises DemoDataError without venues/topics.
    """
    started = time_module.monotonic()
    log = log or (lambda message: None)
    today = today or timezone.localdate()
    venues, topics = program_data_ensure()
    steps: dict[str, float] = {}
    prefecture = prefecture_venues(venues, municipalities)

    def step(name: str, func: Callable[[], None]) -> None:
        t0 = time_module.monotonic()
        func()
        steps[name] = time_module.monotonic() - t0
        log(f"{name}: {steps[name]:.1f} s")

    with transaction.atomic():
        builder = _CityBuilder(
            today=today,
            seed=seed,
            venues=[v for v, _ in prefecture],
            organisers={v.pk: organiser_id for v, organiser_id in prefecture},
            topics=topics,
            batch_size=batch_size,
            log=log,
        )
        with indexes_deferred(CITY_MODELS, log=log):
            step("residents", lambda: builder.residents(residents))
            step("sessions", lambda: builder.sessions(sessions))
            step("registrations", lambda: builder.registrations(registrations))
            step("devices and loans", lambda: builder.devices_and_loans(devices, loans))
            step(
                "supporters and assignments", lambda: builder.supporters_and_assignments(supporters)
            )
            t0 = time_module.monotonic()
        steps["indexes and foreign keys"] = time_module.monotonic() - t0
        log(f"indexes and foreign keys: {steps['indexes and foreign keys']:.1f} s")
    return CityResult(counts=builder.counts, seconds=time_module.monotonic() - started, steps=steps)


def _weighted(rng: random.Random, items: tuple, weights: tuple) -> Callable[[], Any]:
    """A function drawing one of ``items`` with ``weights`` (cumulative weights computed once)."""
    cum = list(accumulate(weights))
    return lambda: rng.choices(items, cum_weights=cum)[0]


@cache
def _name_keys(name: str, kana: str) -> tuple[str, str, str, str]:
    """The four name search keys ``Resident.set_search_keys`` gives ``name`` and ``kana`` (the
    generated names come from small pools: computed once per pair)."""
    r = Resident(name=name, name_kana=kana)
    r.set_search_keys()
    return r.search_kana, r.search_kana_given, r.search_name, r.search_name_given


def prefecture_venues(venues: list[Venue], municipalities: int) -> list[tuple[Venue, int]]:
    """The program's ``venues`` (いわき市) and their copies in ``municipalities - 1`` other
    municipalities, each venue with the id of its municipality's organiser. Copies are made
    the first time (their code is the venue's code, then ``-m`` and the municipality's number;
    the name and district are prefixed with the municipality) and found again later."""
    if not 1 <= municipalities <= len(MUNICIPALITIES) + 1:
        raise ValueError(f"municipalities must be 1 to {len(MUNICIPALITIES) + 1}")
    home = Organiser.objects.get_or_create(name=HOME_CITY, defaults={"kind": "city"})[0]
    result = [(v, home.pk) for v in venues]
    for n, city in enumerate(MUNICIPALITIES[: municipalities - 1], start=1):
        organiser = Organiser.objects.get_or_create(name=city, defaults={"kind": "city"})[0]
        for v in venues:
            copy, _ = Venue.objects.get_or_create(
                code=f"{v.code}-m{n}",
                defaults={
                    "name": city + v.name.removeprefix(HOME_CITY),
                    "district": f"{city}{v.district}" if v.district else city,
                    "kind": v.kind,
                    "default_seats": v.default_seats,
                },
            )
            result.append((copy, organiser.pk))
    return result


class _CityBuilder:
    def __init__(self, *, today, seed, venues, organisers, topics, batch_size, log):
        self.today = today
        self.rng = random.Random(seed)
        self.venues = venues
        self.organisers = organisers  # venue pk -> organiser pk
        self.topics = topics
        self.batch_size = batch_size
        self.log = log
        self.counts: dict[str, int] = {}
        # A label unique to this run, so a second run never collides on unique asset tags.
        run = 1
        while Device.objects.filter(asset_tag__startswith=f"C{run}-").exists():
            run += 1
        self.run = run

    def residents(self, count: int) -> None:
        rng, today = self.rng, self.today
        districts = tuple(v.district or v.name for v in self.venues)
        district = _weighted(rng, districts, tuple(v.default_seats for v in self.venues))
        own_device = _weighted(rng, _OWN_DEVICES, (28, 30, 22, 15, 5))
        household = _weighted(rng, _HOUSEHOLDS, (25, 35, 30, 10))
        consent_day = today - timedelta(days=30)
        phones = rng.sample(range(450_000), min(count, 450_000))
        first = ids_reserve(Resident, count)
        self.resident_ids = range(first, first + count)
        borrowers: list[int] = []  # 65+, no smartphone: who may borrow a device
        may_borrow_devices = (OwnDevice.NONE, OwnDevice.FEATURE_PHONE)
        fields = (
            "id", "name", "name_kana", "search_kana", "search_kana_given", "search_name",
            "search_name_given", "birth_date", "phone", "phone_digits", "phone_digits_reversed",
            "district", "household", "own_device", "consent_given", "consent_date",
        )  # fmt: skip

        def rows() -> Iterator[tuple]:
            for i in range(count):
                age = rng.randint(40, 64) if rng.random() < 0.15 else rng.randint(65, 95)
                name, kana = NAMES.person(rng, female=rng.random() < 0.56, senior=age >= 70)
                own = own_device()
                phone = (
                    landline_number(phones[i])
                    if i < len(phones) and rng.random() < 0.8
                    else mobile_number(i * 7 + 3)
                )
                # Generated numbers are ASCII digits and hyphens: phone_digits is a plain strip.
                digits = phone.replace("-", "")
                pk = first + i
                if age >= 65 and own in may_borrow_devices:
                    borrowers.append(pk)
                yield (
                    pk,
                    name,
                    kana,
                    *_name_keys(name, kana),
                    birth_date_for_age(rng, today, age),
                    phone,
                    digits,
                    digits[::-1],
                    district(),
                    household(),
                    own,
                    True,
                    consent_day - timedelta(days=i % 700),
                )

        assert phone_digits(landline_number(0)) == landline_number(0).replace("-", "")
        self.counts["residents"] = bulk_write(Resident, fields, rows())
        self.borrower_ids = borrowers

    def sessions(self, count: int) -> None:
        rng, today = self.rng, self.today
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
        kind_of = _weighted(
            rng,
            (
                Session.Kind.CLASS,
                Session.Kind.SALON,
                Session.Kind.CONSULTATION,
                Session.Kind.CARAVAN,
            ),
            (60, 20, 15, 5),
        )
        first = ids_reserve(Session, count)
        fields = (
            "id", "kind", "title", "topic_id", "venue_id", "place", "organiser_id", "starts_at",
            "ends_at", "seats", "supporters_needed", "status",
        )  # fmt: skip
        rows: list[tuple] = []
        # Only what later steps need: (pk, starts_at, kind, seats, status, supporters_needed).
        self.session_info: list[tuple[int, datetime, Any, int | None, Any, int]] = []
        for n, index in enumerate(chosen):
            day, slot, venue = cells[index]
            kind = kind_of()
            starts_at, ends_at = slot_bounds(day, slot)
            title, place, needed = "", "", 1
            topic_id: int | None = None
            venue_id: int | None = venue.pk
            seats: int | None = None
            organiser_id = self.organisers[venue.pk]
            if kind == Session.Kind.CLASS:
                topic_id = rng.choice(self.topics).pk
                seats = venue.default_seats
                needed = 2
            elif kind == Session.Kind.SALON:
                title = _SALON_TITLE
            elif kind == Session.Kind.CONSULTATION:
                title = _CONSULTATION_TITLE
                seats = 6
            else:
                title = "お助けキャラバン"
                venue_id = None
                place = rng.choice(_CARAVAN_PLACES)
                needed = 3
            status = Session.Status.CANCELLED if rng.random() < 0.02 else Session.Status.SCHEDULED
            pk = first + n
            rows.append(
                (pk, kind, title, topic_id, venue_id, place, organiser_id, starts_at, ends_at, seats,
                 needed, status)
            )  # fmt: skip
            self.session_info.append((pk, starts_at, kind, seats, status, needed))
        self.counts["sessions"] = bulk_write(Session, fields, rows)

    def registrations(self, total: int) -> None:
        rng, today = self.rng, self.today
        n_res = len(self.resident_ids)
        now = timezone.now()
        weights = []
        for _, starts_at, kind, seats, status, _ in self.session_info:
            if status == Session.Status.CANCELLED:
                w = 1.0
            elif kind == Session.Kind.CLASS:
                w = (seats or 0) * rng.uniform(0.6, 1.3)  # above 1: a waitlist
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
        first = ids_reserve(Registration, total)
        fields = (
            "id", "session_id", "resident_id", "status", "attendance", "is_walk_in", "cancelled_at",
        )  # fmt: skip
        cancelled, registered_st, waitlisted = (
            Registration.Status.CANCELLED.value,
            Registration.Status.REGISTERED.value,
            Registration.Status.WAITLISTED.value,
        )
        resident_first = self.resident_ids.start
        session_cancelled = Session.Status.CANCELLED.value

        def rows() -> Iterator[tuple]:
            pk = first
            random_ = rng.random
            for (session_pk, starts_at, _kind, seats, status, _), k in zip(
                self.session_info, sizes, strict=True
            ):
                past = starts_at < now
                registered = 0
                for idx in rng.sample(range(n_res), k):
                    if status == session_cancelled or random_() < 0.04:
                        st = cancelled
                    elif seats is None or registered < seats:
                        st = registered_st
                        registered += 1
                    else:
                        st = waitlisted
                    attendance = ""
                    if past and st == registered_st:
                        attendance = "attended" if random_() < 0.88 else "absent"
                    yield (
                        pk,
                        session_pk,
                        resident_first + idx,
                        st,
                        attendance,
                        past and seats is None and random_() < 0.7,
                        now if st == cancelled else None,
                    )
                    pk += 1

        self.counts["registrations"] = bulk_write(Registration, fields, rows())

    def devices_and_loans(self, n_devices: int, n_loans: int) -> None:
        rng, today = self.rng, self.today
        policy = _active_policy()
        term = policy.term_days
        kinds = (Device.Kind.SMARTPHONE, Device.Kind.TABLET, Device.Kind.ROUTER)
        kind_of = _weighted(rng, kinds, (60, 25, 15))
        prefix = {Device.Kind.SMARTPHONE: "SP", Device.Kind.TABLET: "TB", Device.Kind.ROUTER: "WR"}
        accessories = Device._meta.get_field("accessories").get_default()
        first_device = ids_reserve(Device, n_devices)
        # Spread the loans over the devices; each device's loans follow one another in time and
        # only the newest may still be active.
        per_device = [n_loans // max(1, n_devices)] * n_devices
        for i in range(n_loans - sum(per_device)):
            per_device[i % n_devices] += 1
        borrowers = list(self.borrower_ids) or list(self.resident_ids)
        rng.shuffle(borrowers)
        next_borrower = 0  # active loans take distinct residents: one device per resident
        outcome_of = _weighted(
            rng,
            (Loan.Outcome.OWN_DEVICE, Loan.Outcome.RETURNED_WITHOUT, Loan.Outcome.OTHER_PROGRAM),
            (50, 40, 10),
        )
        device_rows: list[tuple] = []
        loan_rows: list[tuple] = []
        first_loan = ids_reserve(Loan, n_loans)
        active_count = 0
        for i in range(n_devices):
            kind = kind_of()
            venue_id = rng.choice(self.venues).pk
            k = per_device[i]
            active = k > 0 and rng.random() < 0.6 and next_borrower < len(borrowers)
            device_pk = first_device + i
            device_rows.append(
                (
                    device_pk,
                    f"C{self.run}-{prefix[kind]}-{i:05d}",
                    kind,
                    "シャープ" if kind == Device.Kind.SMARTPHONE else "Apple",
                    "AQUOS wish3" if kind == Device.Kind.SMARTPHONE else "iPad",
                    f"C{self.run}SN{i:07d}",
                    imei_number(self.run * 1_000_000 + i) if kind != Device.Kind.TABLET else "",
                    venue_id,
                    Device.Status.ON_LOAN if active else Device.Status.AVAILABLE,
                )
            )
            if active:
                start = today - timedelta(days=rng.randint(1, 200))
                returned_on = None
            else:
                returned_on = today - timedelta(days=rng.randint(1, 60))
                start = returned_on - timedelta(days=rng.randint(120, 200))
            for n in range(k):
                due = start + timedelta(days=term)
                if n == 0 and active:
                    resident_id = borrowers[next_borrower]
                    next_borrower += 1
                    active_count += 1
                    status, slot, allowed = Loan.Status.ACTIVE, 1, policy.max_active_loans
                    outcome, kit_returned, condition, wiped = "", "", "", None
                else:
                    resident_id = rng.choice(borrowers)
                    status, slot, allowed = Loan.Status.RETURNED, None, None
                    outcome, kit_returned = outcome_of(), accessories
                    condition = Device.Condition.GOOD
                    assert returned_on is not None, "set for a past device and after its 1st loan"
                    wiped = datetime.combine(returned_on, time(14, 0), JST)
                loan_rows.append(
                    (first_loan + len(loan_rows), device_pk, resident_id, policy.pk, venue_id,
                     status, start, due, accessories, True, "resident",
                     None if status == Loan.Status.ACTIVE else returned_on, outcome, kit_returned,
                     condition, wiped, slot, allowed)
                )  # fmt: skip
                # The loan before this one ended a little before this one started.
                returned_on = start - timedelta(days=rng.randint(2, 30))
                start = returned_on - timedelta(days=rng.randint(120, 200))
        device_fields = (
            "id", "asset_tag", "kind", "maker", "model_name", "serial", "imei", "home_venue_id",
            "status",
        )  # fmt: skip
        self.counts["devices"] = bulk_write(Device, device_fields, device_rows)
        loan_fields = (
            "id", "device_id", "resident_id", "policy_id", "venue_id", "status", "start_date",
            "due_date", "kit_handed_over", "agreement_signed", "signed_by", "returned_on",
            "outcome", "kit_returned", "return_condition", "data_wiped_at", "holding_slot",
            "allowed_loans",
        )  # fmt: skip
        self.counts["loans"] = bulk_write(Loan, loan_fields, loan_rows)
        self.counts["active loans"] = active_count

    def supporters_and_assignments(self, count: int) -> None:
        rng, today = self.rng, self.today
        skills = _skills()
        skill_ids = [s.pk for s in skills.values()]
        kinds = (Supporter.Kind.STUDENT, Supporter.Kind.VOLUNTEER, Supporter.Kind.DIGITAL_SUPPORTER)
        kind_of = _weighted(rng, kinds, (60, 30, 10))
        first = ids_reserve(Supporter, count)
        rows: list[tuple] = []
        skill_rows: list[tuple] = []
        through = Supporter.skills.through
        first_skill = ids_reserve(through, count * 3)
        for i in range(count):
            kind = kind_of()
            name, kana = NAMES.person(rng, female=rng.random() < 0.5, senior=False)
            pk = first + i
            rows.append(
                (pk, name, kana, kind,
                 rng.choice(_SCHOOLS) if kind == Supporter.Kind.STUDENT else "",
                 mobile_number(8_000_000 + i), 8)
            )  # fmt: skip
            for skill_id in rng.sample(skill_ids, min(len(skill_ids), rng.randint(1, 3))):
                skill_rows.append((first_skill + len(skill_rows), pk, skill_id))
        self.counts["supporters"] = bulk_write(
            Supporter,
            ("id", "name", "name_kana", "kind", "organisation", "phone", "max_sessions_per_month"),
            rows,
        )
        bulk_write(through, ("id", "supporter_id", "skill_id"), skill_rows)
        ids = range(first, first + count)
        busy: set[tuple[int, datetime]] = set()
        monthly: Counter[tuple[int, int, int]] = Counter()
        assignments: list[tuple] = []
        now = timezone.now()
        first_assignment = ids_reserve(Assignment, 0)
        confirmed = Assignment.Status.CONFIRMED
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
                        (first_assignment + len(assignments), pk, sid, confirmed,
                         starts_at if past else None,
                         starts_at + timedelta(minutes=100) if past else None)
                    )  # fmt: skip
                    break
        self.counts["assignments"] = bulk_write(
            Assignment,
            ("id", "session_id", "supporter_id", "status", "checked_in_at", "checked_out_at"),
            assignments,
        )


def vacuum_analyze() -> None:
    """Fresh statistics and visibility maps for the generated tables, as a live database's
    autovacuum would give them, so the planner sees the real sizes (PostgreSQL only). Inside a
    transaction (tests) VACUUM cannot run: statistics only (ANALYZE)."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for model in CITY_MODELS:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def city_wipe() -> None:
    """Empty the tables generate_city fills, and on PostgreSQL every table that refers to them
    (TRUNCATE ... CASCADE: registrations' reminders, loans' events...). For replacing a bench
    data set; never for a database with real data."""
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in CITY_MODELS)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        return
    for model in reversed(CITY_MODELS):
        model._base_manager.all().delete()  # type: ignore[attr-defined]
