"""The demo builder's supporters, availability and assignments (a part of
``devtools.demo.builder._DemoBuilder``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from classes.models import Session
from devtools.demo.builder_state import DemoBuilderState
from devtools.demo.common import _SCHOOLS, JST, _has_field, _skills
from devtools.demo.names import NAMES, mobile_number
from volunteers.models import Assignment, Supporter


class SupporterSteps(DemoBuilderState):
    """Supporters, weekly windows and assignments; uses the builder's ``rng``, ``today``,
    ``sessions``, ``users``."""

    # Supporters -------------------------------------------------------------------------------
    def _supporters(self) -> None:
        rng, today = self.rng, self.today
        skills = _skills()
        districts = sorted({v.district for v in self.venues if v.district})
        plan = (
            [(Supporter.Kind.STUDENT, _SCHOOLS[0])] * 12
            + [(Supporter.Kind.STUDENT, _SCHOOLS[1])] * 8
            + [(Supporter.Kind.STUDENT, _SCHOOLS[2])] * 6
            + [(Supporter.Kind.VOLUNTEER, "いわき市社会福祉協議会 ボランティアセンター")] * 5
            + [(Supporter.Kind.VOLUNTEER, "")] * 3
            + [(Supporter.Kind.DIGITAL_SUPPORTER, "デジタル活用支援員（いわき市）")] * 6
        )
        has_training = _has_field(Supporter, "training_completed_on")
        has_insurance = _has_field(Supporter, "insurance_valid_until")
        has_languages = _has_field(Supporter, "languages")
        fiscal_end = date(today.year + (today.month >= 4), 3, 31)
        supporters = []
        skill_sets: list[list[str]] = []
        for i, (kind, organisation) in enumerate(plan):
            female = rng.random() < 0.5
            name, kana = NAMES.person(rng, female=female, senior=kind == Supporter.Kind.VOLUNTEER)
            supporter = Supporter(
                name=name,
                name_kana=kana,
                kind=kind,
                organisation=organisation,
                email=(
                    f"{self.fake.user_name()}@example.ac.jp"
                    if kind == Supporter.Kind.STUDENT
                    else ""
                ),
                phone=mobile_number(5_000_000 + i * 7),
                home_district=rng.choice(districts) if districts else "",
                max_sessions_per_month={"student": 6, "volunteer": 8}.get(kind, 16),
            )
            if has_training:
                # Most have done the supporter training; a few new students have not yet.
                supporter.training_completed_on = (
                    None
                    if kind == Supporter.Kind.STUDENT and i % 7 == 3
                    else today - timedelta(days=rng.randint(20, 400))
                )
            if has_insurance:
                supporter.insurance_valid_until = None if i % 11 == 5 else fiscal_end
            if has_languages and rng.random() < 0.15:
                supporter.languages = rng.choice(("英語", "英語、中国語", "ベトナム語", "手話"))
            supporters.append(supporter)
            if kind == Supporter.Kind.DIGITAL_SUPPORTER:
                codes = ["iphone", "android", "line", "mynumber", "scam_awareness", "lead"]
            elif kind == Supporter.Kind.STUDENT:
                codes = rng.sample(["iphone", "android", "tablet", "line"], rng.randint(2, 3))
            else:
                codes = rng.sample(["android", "line", "scam_awareness", "tablet"], 2)
            skill_sets.append([c for c in codes if c in skills])
        self.supporters = Supporter.objects.bulk_create(supporters)
        through = Supporter.skills.through
        through.objects.bulk_create(
            [
                through(supporter_id=s.pk, skill_id=skills[code].pk)
                for s, codes in zip(self.supporters, skill_sets, strict=True)
                for code in codes
            ]
        )
        self.supporter_skills = {
            s.pk: set(c) for s, c in zip(self.supporters, skill_sets, strict=True)
        }
        # The demo supporter login is the first student of いわき明星大学.
        demo = self.supporters[0]
        demo.user = self.users["supporter"]
        demo.save(update_fields=["user"])
        self.demo_supporter = demo
        self._availabilities()
        self.result.counts["supporters"] = len(self.supporters)

    def _availabilities(self) -> None:
        """Weekly windows: students mostly afternoons after lectures, volunteers a few days,
        support workers most days. Assignments below stay inside them."""
        self.windows: dict[int, list[tuple[int, time, time]]] = {}
        for s in self.supporters:
            if s.kind == Supporter.Kind.STUDENT:
                days = sorted(self.rng.sample(range(5), 3))
                windows = [(d, time(13, 0), time(17, 0)) for d in days[:2]]
                windows.append((days[2], time(9, 30), time(17, 0)))
            elif s.kind == Supporter.Kind.VOLUNTEER:
                days = sorted(self.rng.sample(range(5), 3))
                windows = [(d, time(9, 30), time(15, 30)) for d in days]
            else:
                windows = [(d, time(9, 0), time(17, 0)) for d in range(5)]
            self.windows[s.pk] = sorted(windows)
        try:
            from volunteers.models import Availability
        except ImportError:  # the model is optional: the windows still guide the assignments
            return
        rows = [
            Availability(supporter_id=pk, weekday=d, start_time=start, end_time=end)
            for pk, windows in self.windows.items()
            for d, start, end in windows
        ]
        Availability.objects.bulk_create(rows)
        self.result.counts["availability windows"] = len(rows)

    # Assignments ------------------------------------------------------------------------------
    def _assignments(self) -> None:
        rng, today = self.rng, self.today
        coordinator = self.users["coordinator"]
        busy: dict[int, set[datetime]] = defaultdict(set)  # supporter id -> session starts
        monthly: Counter[tuple[int, int, int]] = Counter()
        assignments: list[Assignment] = []
        has_responded = _has_field(Assignment, "responded_at")
        week_end = today + timedelta(days=6)
        scheduled = [s for s in self.sessions if s.status == Session.Status.SCHEDULED]
        # Sessions in the coming week left short of supporters, so the dashboard has work to show.
        this_week = [s for s in scheduled if today <= s.starts_at.date() <= week_end]
        short = {s.pk for s in this_week[1::5]}
        chuo_week = [s for s in this_week if s.venue and s.venue.code == "iwaki-chuo"]
        if chuo_week:
            short.add(chuo_week[-1].pk)

        def ready(supporter: Supporter) -> bool:
            # Only trained and insured supporters are placed (when the roster records that).
            return (
                getattr(supporter, "training_completed_on", True) is not None
                and getattr(supporter, "insurance_valid_until", True) is not None
            )

        def free(supporter: Supporter, session: Session) -> bool:
            key = (supporter.pk, session.starts_at.year, session.starts_at.month)
            start, end = session.starts_at.astimezone(JST), session.ends_at.astimezone(JST)
            return (
                ready(supporter)
                and session.starts_at not in busy[supporter.pk]
                and monthly[key] < supporter.max_sessions_per_month
                and any(
                    d == start.weekday() and w_start <= start.time() and end.time() <= w_end
                    for d, w_start, w_end in self.windows[supporter.pk]
                )
            )

        staffed: Counter[int] = Counter()  # session id -> active assignments
        led: set[int] = set()  # sessions that have their lead (講師)

        def add(supporter: Supporter, session: Session, status: str, lead: bool = False) -> None:
            if status in (Assignment.Status.PROPOSED, Assignment.Status.CONFIRMED):
                # Only a standing assignment holds the supporter's time.
                staffed[session.pk] += 1
                busy[supporter.pk].add(session.starts_at)
                monthly[(supporter.pk, session.starts_at.year, session.starts_at.month)] += 1
            if lead:
                led.add(session.pk)
            a = Assignment(
                session=session,
                supporter=supporter,
                status=status,
                is_lead=lead,
                created_by=coordinator,
            )
            if session.starts_at.date() < today and status == Assignment.Status.CONFIRMED:
                a.checked_in_at = session.starts_at - timedelta(minutes=20)
                a.checked_out_at = session.ends_at + timedelta(minutes=rng.choice((10, 15, 30)))
            if has_responded and status in (
                Assignment.Status.CONFIRMED,
                Assignment.Status.DECLINED,
            ):
                a.responded_at = session.starts_at - timedelta(days=rng.randint(3, 14))
            assignments.append(a)

        # The demo supporter first: a few confirmed, one waiting for an answer.
        upcoming = [s for s in scheduled if s.starts_at.date() >= today and s.pk not in short]
        placed = 0
        for s in upcoming[2:]:
            if placed < 4 and free(self.demo_supporter, s):
                add(self.demo_supporter, s, "proposed" if placed == 3 else "confirmed")
                placed += 1
        for session in scheduled:
            days_ahead = (session.starts_at.date() - today).days
            if session.pk in short:
                target = max(0, session.supporters_needed - rng.randint(1, 2))
            elif days_ahead < 0:
                target = session.supporters_needed
            elif days_ahead <= 14:
                target = session.supporters_needed - (rng.random() < 0.1)
            else:
                target = round(session.supporters_needed * rng.choice((0, 0.5, 1)))
            wanted = _topic_skill(session)
            while staffed[session.pk] < target:
                want_lead = session.kind == Session.Kind.CLASS and session.pk not in led
                skills = self.supporter_skills

                def rank(
                    s: Supporter,
                    want_lead: bool = want_lead,
                    wanted: str | None = wanted,
                    skills: dict[int, set[str]] = skills,
                ) -> tuple[bool, bool, bool, float]:
                    return (
                        # A class needs one lead (講師); the other places go to students and
                        # volunteers, keeping the few support workers free to lead elsewhere.
                        want_lead and "lead" not in skills[s.pk],
                        not want_lead and s.kind == Supporter.Kind.DIGITAL_SUPPORTER,
                        bool(wanted) and wanted not in skills[s.pk],
                        rng.random(),
                    )

                candidates = sorted(self.supporters, key=rank)
                supporter = next(
                    (c for c in candidates if c is not self.demo_supporter and free(c, session)),
                    None,
                )
                if supporter is None:
                    break
                status = Assignment.Status.CONFIRMED
                if days_ahead > 7 and rng.random() < 0.35:
                    status = Assignment.Status.PROPOSED
                add(supporter, session, status, lead=want_lead and "lead" in skills[supporter.pk])
            if 0 <= days_ahead <= 30 and rng.random() < 0.08:
                # Someone said no: the coordinator will look for a replacement.
                for supporter in rng.sample(self.supporters, 5):
                    if free(supporter, session) and supporter is not self.demo_supporter:
                        add(supporter, session, Assignment.Status.DECLINED)
                        break
        Assignment.objects.bulk_create(assignments)
        self.result.counts["assignments"] = len(assignments)


def _topic_skill(session: Session) -> str | None:
    code = session.topic.code if session.topic is not None else ""
    if code in ("A01", "A02", "A05"):
        return "mynumber"
    if code == "B07":
        return "line"
    if code == "B09":
        return "scam_awareness"
    return None
