"""The demo builder's sessions and registrations (a part of
``devtools.demo.builder._DemoBuilder``)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from classes.models import Consultation, Organiser, Registration, Session, Venue
from classes.services_consult import slot_starts
from devtools.demo.builder_state import DemoBuilderState
from devtools.demo.common import (
    _CARAVAN_PLACES,
    _CLASS_BRING,
    _CONSULTATION_BRING,
    _CONSULTATION_TITLE,
    _SALON_TITLE,
    JST,
    _explicit_created_at,
    is_session_day,
    slot_bounds,
)
from residents.models import Resident


class SessionSteps(DemoBuilderState):
    """Sessions and registrations; uses the builder's ``rng``, ``today``, ``venues``, ``residents``."""

    # Sessions ---------------------------------------------------------------------------------
    def _sessions(self) -> None:
        today = self.today
        city = Organiser.objects.get_or_create(name="いわき市", defaults={"kind": "city"})[0]
        partner = Organiser.objects.get_or_create(
            name="いわき明星大学 学生ボランティア", defaults={"kind": Organiser.Kind.PARTNER}
        )[0]
        start_day, end_day = today - timedelta(days=30), today + timedelta(days=60)
        sessions: list[Session] = []
        skipped_holidays = 0
        # (kind, weekday, slot, every n weeks) per venue; bigger centers run more.
        for index, venue in enumerate(self.venues):
            big, medium = venue.default_seats >= 20, venue.default_seats >= 14
            rules = [(Session.Kind.CLASS, index % 5, index % 2, 1 if medium else 2)]
            if big:
                rules += [
                    (Session.Kind.CLASS, (index + 2) % 5, 1, 1),
                    (Session.Kind.SALON, (index + 1) % 5, 1, 1),
                    (Session.Kind.CONSULTATION, (index + 3) % 5, 0, 1),
                ]
            elif medium:
                rules += [
                    (Session.Kind.SALON, (index + 2) % 5, 1, 2),
                    (Session.Kind.CONSULTATION, (index + 4) % 5, 0, 2),
                ]
            else:
                rules += [(Session.Kind.SALON, (index + 3) % 5, 1, 4)]
            topic_cursor = index * 3
            day = start_day
            while day <= end_day:
                for kind, weekday, slot, every in rules:
                    if day.weekday() != weekday or day.isocalendar().week % every:
                        continue
                    if not is_session_day(day):
                        skipped_holidays += 1
                        continue
                    starts_at, ends_at = slot_bounds(day, slot)
                    session = Session(
                        kind=kind,
                        venue=venue,
                        organiser=city,
                        starts_at=starts_at,
                        ends_at=ends_at,
                    )
                    if kind == Session.Kind.CLASS:
                        topic = self.topics[topic_cursor % len(self.topics)]
                        topic_cursor += 1
                        session.topic = topic
                        session.seats = venue.default_seats
                        session.supporters_needed = 3 if big else 2
                        session.what_to_bring = topic.what_to_bring or _CLASS_BRING
                    elif kind == Session.Kind.SALON:
                        session.title = _SALON_TITLE
                        session.seats = None
                        session.supporters_needed = 1
                        session.notes = "お茶とお菓子を用意。予約なしで参加できます。"
                    else:
                        session.title = _CONSULTATION_TITLE
                        session.seats = 6
                        session.supporters_needed = 1
                        session.what_to_bring = _CONSULTATION_BRING
                        session.notes = "1人15分の予約制（空きがあれば当日も可）。"
                    sessions.append(session)
                day += timedelta(days=1)
        # Caravans: out to where people are, staffed by students.
        for offset, place in zip((-12, 10, 33), _CARAVAN_PLACES, strict=False):
            day = today + timedelta(days=offset)
            while not is_session_day(day):
                day += timedelta(days=1)
            starts_at, ends_at = slot_bounds(day, 1)
            sessions.append(
                Session(
                    kind=Session.Kind.CARAVAN,
                    title="お助けキャラバン",
                    place=place,
                    organiser=partner,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    seats=None,
                    supporters_needed=4,
                    notes="学生ボランティアが伺います。スマホをお持ちください。",
                )
            )
        sessions.sort(key=lambda s: (s.starts_at, s.venue_id or 0))
        # One class called off in the past, one salon in the coming weeks: both happen.
        past_classes = [
            s for s in sessions if s.kind == Session.Kind.CLASS and s.starts_at.date() < today
        ]
        future_salons = [
            s
            for s in sessions
            if s.kind == Session.Kind.SALON and s.starts_at.date() > today + timedelta(days=7)
        ]
        for s, note in (
            (
                past_classes[len(past_classes) // 2] if past_classes else None,
                "講師の体調不良のため中止",
            ),
            (future_salons[0] if future_salons else None, "会場の設備点検のため休止"),
        ):
            if s is not None:
                s.status = Session.Status.CANCELLED
                s.notes = note
        self.sessions = Session.objects.bulk_create(sessions)
        self.result.counts["sessions"] = len(self.sessions)
        self.result.counts["sessions skipped (holidays, year-end)"] = skipped_holidays

    # Registrations ----------------------------------------------------------------------------
    def _registrations(self) -> None:
        rng, today = self.rng, self.today
        busy: set[tuple[int, datetime]] = set()  # (resident id, starts_at)
        registrations: list[Registration] = []
        # At least these classes end up full with a waitlist, whatever the dice say.
        classes = [
            s for s in self.sessions if s.kind == Session.Kind.CLASS and s.status == "scheduled"
        ]
        upcoming = [s for s in classes if s.starts_at.date() >= today]
        past = [s for s in classes if s.starts_at.date() < today]
        forced_full = {s.pk for s in upcoming[:6:2] + past[-3:-1]}
        chuo_upcoming = [s for s in upcoming if _venue(s).code == "iwaki-chuo"]
        if chuo_upcoming:
            forced_full.add(chuo_upcoming[0].pk)

        def pick(session: Session, k: int) -> list[Resident]:
            local = self.by_district.get(session.venue.district, []) if session.venue else []
            chosen: list[Resident] = []
            seen: set[int] = set()
            attempts = 0
            while len(chosen) < k and attempts < k * 20:
                attempts += 1
                pool = local if local and rng.random() < 0.7 else self.residents
                r = rng.choice(pool)
                if r.pk in seen or (r.pk, session.starts_at) in busy:
                    continue
                seen.add(r.pk)
                chosen.append(r)
            for r in chosen:
                busy.add((r.pk, session.starts_at))
            return chosen

        for session in self.sessions:
            is_past = session.starts_at.date() < today
            days_ahead = (session.starts_at.date() - today).days
            # Caravans have no venue, so no venue staff to record them.
            by = self.staff_by_venue.get(session.venue_id) if session.venue_id is not None else None
            rows: list[tuple[Resident, str, bool]] = []  # resident, status, walk-in
            if session.status == Session.Status.CANCELLED:
                rows = [(r, Registration.Status.CANCELLED, False) for r in pick(session, 4)]
            elif session.seats is not None:
                seats = session.seats
                if session.pk in forced_full or rng.random() < 0.1:
                    registered, waitlisted = seats, rng.randint(1, 4)
                else:
                    fill = rng.uniform(0.45, 0.9)
                    if days_ahead > 21:
                        fill *= 0.5  # registrations for later weeks are still coming in
                    registered, waitlisted = max(1, round(seats * fill)), 0
                people = pick(session, registered + waitlisted + rng.randint(0, 1))
                for n, r in enumerate(people):
                    if n < registered:
                        rows.append((r, Registration.Status.REGISTERED, False))
                    elif n < registered + waitlisted:
                        rows.append((r, Registration.Status.WAITLISTED, False))
                    else:
                        rows.append((r, Registration.Status.CANCELLED, False))
            elif session.kind == Session.Kind.SALON:
                if is_past:
                    people = pick(session, rng.randint(6, 14))
                    rows = [
                        (r, Registration.Status.REGISTERED, n >= 3) for n, r in enumerate(people)
                    ]
                else:
                    rows = [
                        (r, Registration.Status.REGISTERED, False)
                        for r in pick(session, rng.randint(0, 4))
                    ]
            elif session.kind == Session.Kind.CARAVAN and is_past:
                rows = [
                    (r, Registration.Status.REGISTERED, True)
                    for r in pick(session, rng.randint(12, 22))
                ]
            for n, (resident, status, walk_in) in enumerate(rows):
                attendance = ""
                if is_past and status == Registration.Status.REGISTERED:
                    attendance = (
                        Registration.Attendance.ATTENDED
                        if walk_in or rng.random() < 0.86
                        else Registration.Attendance.ABSENT
                    )
                if walk_in:
                    created_at = session.starts_at + timedelta(minutes=rng.randint(0, 40))
                else:
                    # Phone registrations arrive in the weeks before; order = arrival order.
                    created_at = datetime.combine(
                        session.starts_at.date() - timedelta(days=28 - n // 2),
                        time(9 + (n % 2) * 4, (n * 7) % 60),
                        JST,
                    )
                registrations.append(
                    Registration(
                        created_at=created_at,
                        session=session,
                        resident=resident,
                        status=status,
                        attendance=attendance,
                        is_walk_in=walk_in,
                        companion=rng.choice(("長女", "夫", "妻")) if rng.random() < 0.04 else "",
                        created_by=None if walk_in else by,
                        cancelled_at=(
                            created_at + timedelta(days=3)
                            if status == Registration.Status.CANCELLED
                            else None
                        ),
                    )
                )
        with _explicit_created_at(Registration):
            self.registrations = Registration.objects.bulk_create(registrations)
        self.result.counts["registrations"] = len(self.registrations)
        self._consultations()

    def _consultations(self) -> None:
        """Slot bookings at the consultation desks, as ``classes.services_consult`` records
        them: one slot for each resident with a seat, what it was about once they came, and
        now and then an anonymous walk-up in a free slot of a past desk."""
        # A stream of its own, so the rest of the demo draws what it drew before.
        rng, today = random.Random(f"consultations {self.today}"), self.today
        categories = [c for c in Consultation.Category.values if c]
        by_session: dict[int, list[Registration]] = {}
        for registration in self.registrations:
            if registration.status == Registration.Status.REGISTERED:
                by_session.setdefault(registration.session_id, []).append(registration)
        consultations = []
        for session in self.sessions:
            if session.kind != Session.Kind.CONSULTATION or session.status != "scheduled":
                continue
            slots = slot_starts(session)
            booked = by_session.get(session.pk, [])[: len(slots)]
            for slot, registration in zip(slots, booked, strict=False):
                came = registration.attendance == Registration.Attendance.ATTENDED
                consultations.append(
                    Consultation(
                        session=session,
                        resident_id=registration.resident_id,
                        slot_start=slot,
                        category=rng.choice(categories) if came else "",
                        resolved=came and rng.random() < 0.7,
                    )
                )
            free = slots[len(booked) :]
            if free and session.starts_at.date() < today and rng.random() < 0.5:
                consultations.append(
                    Consultation(
                        session=session,
                        slot_start=free[0],
                        category=rng.choice(categories),
                        resolved=rng.random() < 0.7,
                    )
                )
        Consultation.objects.bulk_create(consultations)
        self.result.counts["consultations"] = len(consultations)


def _venue(session: Session) -> Venue:
    """The venue of a class: ``_sessions`` holds every class at a venue (only caravans go out
    to a ``place`` without one)."""
    assert session.venue is not None, "every demo class is held at a venue"
    return session.venue
