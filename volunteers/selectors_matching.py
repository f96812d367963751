"""Reads for matching: what each session needs, and the matching problem built from the database.

Dates are JST calendar dates; a range [date_from, date_to] covers sessions starting from
date_from 00:00 to date_to 24:00 JST.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from classes.models import Registration, Session, Venue
from volunteers import matching
from volunteers.models import (
    Assignment,
    AvailabilityException,
    DistrictTravel,
    MatchGap,
    MatchProposal,
    MatchRun,
    Skill,
    Supporter,
)
from volunteers.selectors import active_assignments, local_month_bounds


def local_day_start(day: date) -> datetime:
    """Aware datetime of 00:00 JST on ``day``."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def session_supporters_needed(session: Session, registered: int | None = None) -> int:
    """How many supporters ``session`` needs now: ``supporters_needed``, or more when the ratio
    (one per ``residents_per_supporter`` registered residents) asks for more, and at least one when
    a lead is needed. ``registered``: registered residents (default: the ``registered_count``
    annotation, else one query)."""
    need = session.supporters_needed
    if session.residents_per_supporter:
        if registered is None:
            registered = getattr(session, "registered_count", None)
        if registered is None:
            registered = session.registrations.filter(status=Registration.Status.REGISTERED).count()
        need = max(need, math.ceil(registered / session.residents_per_supporter))
    if session.lead_needed:
        need = max(need, 1)
    return need


def session_skill_codes(session: Session) -> frozenset[str]:
    """The skills every supporter of ``session`` needs: its own, else its topic's defaults.
    Uses prefetched ``required_skills`` and ``topic.default_skills`` when present."""
    own = frozenset(s.code for s in session.required_skills.all())
    if own or session.topic is None:
        return own
    return frozenset(s.code for s in session.topic.default_skills.all())


def matching_sessions(
    *, date_from: date, date_to: date, venue: Venue | None = None
) -> QuerySet[Session]:
    """Scheduled sessions starting in the range (optionally at one venue), with venue, topic,
    skills and ``registered_count``; soonest first. Four queries when iterated."""
    qs = Session.objects.filter(
        status=Session.Status.SCHEDULED,
        starts_at__gte=local_day_start(date_from),
        starts_at__lt=local_day_start(date_to + timedelta(days=1)),
    )
    if venue is not None:
        qs = qs.filter(venue=venue)
    return (
        qs.select_related("venue", "topic", "series")
        .prefetch_related("required_skills", "topic__default_skills")
        .annotate(
            registered_count=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            )
        )
        .order_by("starts_at", "id")
    )


def _district(session: Session) -> str:
    return session.venue.district if session.venue is not None else ""


@dataclass
class BuiltProblem:
    """A matching problem and the rows it came from (for showing the result)."""

    problem: matching.Problem
    sessions: list[Session]
    supporters: dict[int, Supporter]
    needs: dict[int, int] = field(default_factory=dict)  # session id -> supporters needed
    skills: dict[int, frozenset[str]] = field(default_factory=dict)
    existing: list[Assignment] = field(default_factory=list)  # active ones on these sessions


def match_problem_build(
    *,
    date_from: date,
    date_to: date,
    venue: Venue | None = None,
    run: MatchRun | None = None,
) -> BuiltProblem:
    """The matching problem for the range from the database, in a fixed number of queries.

    Slots: scheduled sessions in the range that need supporters. Supporters: active ones, with
    weekly windows, exceptions touching the range, skills. Fixed: active assignments on those
    sessions and, with ``run``, its pinned proposals; forbidden: its removed proposals. Other active
    assignments count towards monthly maxima (the whole JST months the range touches), overlaps
    (a day either side) and fairness (inside the range).
    """
    sessions = list(matching_sessions(date_from=date_from, date_to=date_to, venue=venue))
    needs = {s.pk: session_supporters_needed(s) for s in sessions}
    skills = {s.pk: session_skill_codes(s) for s in sessions}
    sessions = [s for s in sessions if needs[s.pk] > 0]
    slot_ids = {s.pk for s in sessions}
    slots = [
        matching.Slot(
            id=s.pk,
            start=s.starts_at,
            end=s.ends_at,
            needed=needs[s.pk],
            district=_district(s),
            lead_needed=s.lead_needed,
            skills=skills[s.pk],
            series=s.series_id,
            label=s.display_title,
        )
        for s in sessions
    ]

    range_start = local_day_start(date_from)
    range_end = local_day_start(date_to + timedelta(days=1))
    months_start = local_month_bounds(date_from)[0]
    months_end = local_month_bounds(date_to)[1]
    window_start = min(months_start, range_start - timedelta(days=1))
    window_end = max(months_end, range_end + timedelta(days=1))

    supporters = {
        s.pk: s
        for s in Supporter.objects.filter(is_active=True)
        .prefetch_related(
            "skills",
            "availabilities",
            Prefetch(
                "availability_exceptions",
                queryset=AvailabilityException.objects.filter(
                    date_from__lte=date_to, date_to__gte=date_from
                ),
            ),
        )
        .order_by("pk")
    }
    commitments = (
        active_assignments()
        .filter(
            supporter__in=list(supporters),
            session__starts_at__lt=window_end,
            session__ends_at__gt=window_start,
        )
        .select_related("session__venue", "supporter")
        .order_by("session__starts_at", "pk")
    )
    fixed: list[matching.Placement] = []
    existing: list[Assignment] = []
    busy: dict[int, list[matching.Busy]] = defaultdict(list)
    month_counts: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    base_load: dict[int, int] = defaultdict(int)
    tz = timezone.get_default_timezone()
    for a in commitments:
        if a.session_id in slot_ids:
            fixed.append(matching.Placement(a.session_id, a.supporter_id, a.is_lead))
            existing.append(a)
            continue
        day = timezone.localtime(a.session.starts_at, tz).date()
        if months_start <= a.session.starts_at < months_end:
            month_counts[a.supporter_id][(day.year, day.month)] += 1
        if range_start - timedelta(days=1) <= a.session.starts_at < range_end + timedelta(days=1):
            busy[a.supporter_id].append(
                matching.Busy(a.session.starts_at, a.session.ends_at, _district(a.session))
            )
        if range_start <= a.session.starts_at < range_end:
            base_load[a.supporter_id] += 1

    series_ids = {s.series_id for s in sessions if s.series_id}
    history: dict[int, set[int]] = defaultdict(set)
    if series_ids:
        for sup_id, series_id in (
            Assignment.objects.filter(session__series_id__in=series_ids)
            .exclude(status__in=[Assignment.Status.DECLINED, Assignment.Status.CANCELLED])
            .values_list("supporter_id", "session__series_id")
            .distinct()
        ):
            history[sup_id].add(series_id)

    forbidden: set[tuple[int, int]] = set()
    if run is not None:
        taken = {(p.slot_id, p.supporter_id) for p in fixed}
        for proposal in MatchProposal.objects.filter(run=run).exclude(
            state=MatchProposal.State.SUGGESTED
        ):
            pair = (proposal.session_id, proposal.supporter_id)
            if proposal.state == MatchProposal.State.REMOVED:
                forbidden.add(pair)
            elif proposal.session_id in slot_ids and pair not in taken:
                fixed.append(matching.Placement(*pair, proposal.is_lead))

    data = [
        matching.SupporterData(
            id=s.pk,
            skills=frozenset(k.code for k in s.skills.all()),
            district=s.home_district,
            training_completed_on=s.training_completed_on,
            insurance_valid_until=s.insurance_valid_until,
            max_per_month=s.max_sessions_per_month,
            wish=s.desired_sessions_per_month,
            windows=tuple(
                matching.Window(a.weekday, a.start_time, a.end_time) for a in s.availabilities.all()
            ),
            exceptions=tuple(
                matching.DateException(
                    e.date_from, e.date_to, e.available, e.start_time, e.end_time
                )
                for e in s.availability_exceptions.all()
            ),
            busy=tuple(busy.get(s.pk, ())),
            month_counts=dict(month_counts.get(s.pk, {})),
            base_load=base_load.get(s.pk, 0),
            series_history=frozenset(history.get(s.pk, ())),
            name=s.name,
        )
        for s in supporters.values()
    ]
    travel = {(t.from_district, t.to_district): t.minutes for t in DistrictTravel.objects.all()}
    problem = matching.Problem(
        slots=slots,
        supporters=data,
        fixed=fixed,
        forbidden=forbidden,
        travel=travel,
        default_travel=getattr(
            settings, "MATCHING_DEFAULT_TRAVEL_MINUTES", matching.DEFAULT_TRAVEL_MINUTES
        ),
    )
    return BuiltProblem(
        problem=problem,
        sessions=sessions,
        supporters=supporters,
        needs=needs,
        skills=skills,
        existing=existing,
    )


def match_run_list() -> QuerySet[MatchRun]:
    """Recent runs, newest first, with venue and creator."""
    return MatchRun.objects.select_related("venue", "created_by").order_by("-created_at", "-pk")


@dataclass
class PersonRow:
    """One supporter on one session of the run page, listed once.

    ``proposal``: the run's placement of them there (None: assigned outside this run).
    ``assignment``: their assignment on the session: the active one (proposed = asked and
    awaiting an answer, or confirmed); on a published run, else the latest declined or cancelled
    one, so an answer stays visible; None while the run's placement has not been asked.
    """

    supporter: Supporter
    is_lead: bool
    proposal: MatchProposal | None
    assignment: Assignment | None


@dataclass
class SessionRow:
    """One session on the run page: supporters needed, skill names, each person once (proposed
    by the run and/or assigned, see PersonRow; removed proposals apart) and the gap explanation
    when short."""

    session: Session
    needed: int
    skills: list[str]
    people: list[PersonRow]
    removed: list[MatchProposal]
    gap: MatchGap | None


@dataclass
class DayGroup:
    """The rows of one JST day, in start order."""

    day: date
    rows: list[SessionRow]


def _session_assignments(
    run: MatchRun, session_ids: list[int], proposed: set[tuple[int, int]]
) -> dict[int, dict[int, Assignment]]:
    """session id -> supporter id -> the assignment PersonRow shows. Two queries."""
    wanted = Q(status__in=Assignment.ACTIVE_STATUSES)
    if run.status == MatchRun.Status.PUBLISHED and proposed:
        # After publishing, a declined or cancelled request of the run's people stays shown.
        wanted |= Q(supporter_id__in={supporter_id for _, supporter_id in proposed})
    found: dict[int, dict[int, Assignment]] = defaultdict(dict)
    for a in (
        Assignment.objects.filter(wanted, session_id__in=session_ids)
        .select_related("supporter")
        .prefetch_related("supporter__skills")
        .order_by("pk")
    ):
        active = a.status in Assignment.ACTIVE_STATUSES
        if not active and (a.session_id, a.supporter_id) not in proposed:
            continue
        held = found[a.session_id].get(a.supporter_id)
        # The active one wins; otherwise the latest.
        if held is None or active or held.status not in Assignment.ACTIVE_STATUSES:
            found[a.session_id][a.supporter_id] = a
    return found


def _people(proposals: list[MatchProposal], assignments: dict[int, Assignment]) -> list[PersonRow]:
    """One PersonRow per supporter of one session: lead first, then by kana."""
    rows: dict[int, PersonRow] = {}
    for p in proposals:
        a = assignments.get(p.supporter_id)
        rows[p.supporter_id] = PersonRow(p.supporter, a.is_lead if a else p.is_lead, p, a)
    for supporter_id, a in assignments.items():
        rows.setdefault(supporter_id, PersonRow(a.supporter, a.is_lead, None, a))
    return sorted(
        rows.values(), key=lambda r: (not r.is_lead, r.supporter.name_kana, r.supporter.pk)
    )


def match_run_detail(*, run: MatchRun) -> list[DayGroup]:
    """The run's sessions grouped by JST day, each listing every person once (PersonRow: the
    run's pinned or suggested proposal and/or their assignment, with its state), the removed
    proposals apart, and why the session is short. A fixed number of queries whatever the
    size."""
    sessions = list(
        matching_sessions(date_from=run.date_from, date_to=run.date_to, venue=run.venue)
    )
    ids = [s.pk for s in sessions]
    proposals: dict[int, list[MatchProposal]] = defaultdict(list)
    removed: dict[int, list[MatchProposal]] = defaultdict(list)
    for p in (
        MatchProposal.objects.filter(run=run, session_id__in=ids)
        .select_related("supporter")
        .prefetch_related("supporter__skills")
        .order_by("session_id", "-is_lead", "supporter__name_kana", "pk")
    ):
        (removed if p.state == MatchProposal.State.REMOVED else proposals)[p.session_id].append(p)
    gaps = {g.session_id: g for g in MatchGap.objects.filter(run=run, session_id__in=ids)}
    proposed = {(sid, p.supporter_id) for sid, ps in proposals.items() for p in ps}
    assignments = _session_assignments(run, ids, proposed)
    skill_names = dict(Skill.objects.values_list("code", "name"))
    tz = timezone.get_default_timezone()
    groups: list[DayGroup] = []
    for s in sessions:
        needed = session_supporters_needed(s)
        people = _people(proposals.get(s.pk, []), assignments.get(s.pk, {}))
        if not needed and not people:
            continue
        row = SessionRow(
            session=s,
            needed=needed,
            skills=sorted(skill_names.get(c, c) for c in session_skill_codes(s)),
            people=people,
            removed=removed.get(s.pk, []),
            gap=gaps.get(s.pk),
        )
        day = timezone.localtime(s.starts_at, tz).date()
        if not groups or groups[-1].day != day:
            groups.append(DayGroup(day, []))
        groups[-1].rows.append(row)
    return groups
