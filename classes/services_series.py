"""State changes for series (定期開催): create a series with its sessions, edit "this and the
following", register a resident for the whole course.

Times of a series are local wall-clock times (Asia/Tokyo); each session's aware datetimes are made
from its local date and those times.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from classes import services, services_offers
from classes.models import Registration, Series, Session, Venue, VenueClosure
from classes.recurrence import MONTHLY, Plan, Rule, rule_plan
from kernel.dates import date_full
from kernel.locking import bounded_lock_wait
from residents.models import Resident


def series_rule(series: Series) -> Rule:
    """The recurrence Rule stored on ``series``."""
    return Rule(
        frequency=series.frequency,
        weekdays=tuple(series.weekday_list),
        first_date=series.first_date,
        last_date=series.last_date,
        interval=series.interval,
        nth=series.nth,
    )


def series_plan(*, venue: Venue, rule: Rule) -> Plan:
    """Dates ``rule`` gives at ``venue``, skipping public holidays and the venue's closures.

    Raises ValidationError for an invalid rule or one that leaves no date.
    """
    closures = dict(
        VenueClosure.objects.filter(
            venue=venue, date__gte=rule.first_date, date__lte=rule.last_date
        ).values_list("date", "reason")
    )
    return rule_plan(rule, closures=closures)


def _aware(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock), timezone.get_current_timezone())


def _validate_times(start_time: time, end_time: time) -> None:
    if end_time <= start_time:
        raise ValidationError(_("The end time must be after the start time."))


def series_create(
    *,
    venue: Venue,
    rule: Rule,
    start_time: time,
    end_time: time,
    kind: str = Session.Kind.CLASS,
    title: str = "",
    topic=None,
    organiser=None,
    seats: int | None = None,
    supporters_needed: int = 0,
    what_to_bring: str = "",
    by=None,
) -> tuple[Series, Plan]:
    """Create a Series and one Session per date of ``rule`` (times local, JST).

    Returns (series, plan); ``plan.skipped`` lists the dates left out and why (holiday name or
    closure reason). Raises ValidationError for an invalid rule, a rule with no date left, an end
    time not after the start time or a class without seats; then nothing is saved.
    """
    _validate_times(start_time, end_time)
    if kind == Session.Kind.CLASS and not seats:
        raise ValidationError(_("A class needs a number of seats."))
    with transaction.atomic():
        plan = series_plan(venue=venue, rule=rule)
        series = Series.objects.create(
            kind=kind,
            title=title,
            topic=topic,
            venue=venue,
            organiser=organiser,
            start_time=start_time,
            end_time=end_time,
            seats=seats,
            supporters_needed=supporters_needed,
            what_to_bring=what_to_bring,
            frequency=rule.frequency,
            weekdays=",".join(str(d) for d in sorted(set(rule.weekdays))),
            interval=rule.interval,
            nth=rule.nth if rule.frequency == MONTHLY else None,
            first_date=rule.first_date,
            last_date=rule.last_date,
            created_by=by if getattr(by, "pk", None) else None,
        )
        Session.objects.bulk_create(
            Session(
                series=series,
                kind=kind,
                title=title,
                topic=topic,
                venue=venue,
                organiser=organiser,
                starts_at=_aware(day, start_time),
                ends_at=_aware(day, end_time),
                seats=seats,
                supporters_needed=supporters_needed,
                what_to_bring=what_to_bring,
            )
            for day in plan.dates
        )
    return series, plan


def series_update_following(
    *,
    session: Session,
    start_time: time,
    end_time: time,
    seats: int | None,
    supporters_needed: int,
    what_to_bring: str,
    by=None,
) -> int:
    """Change ``session`` and every later session of its series that has not started yet.

    Sessions that already started (or happened) and cancelled ones are never touched; the
    series' own template is updated so the page shows the new values. When seats grow, the new
    seats are offered to the waitlist in order (``services_offers.seat_offers_make``). Returns how many sessions changed.
    Raises ValidationError when ``session`` is not in a series or already started, the end time
    is not after the start time, or a session has more residents registered than the new seats
    (nothing is changed then).
    """
    if session.series_id is None:
        raise ValidationError(_("This session is not part of a series."))
    _validate_times(start_time, end_time)
    now = timezone.now()
    if session.starts_at <= now:
        raise ValidationError(
            _("This session has already started. Choose a later session of the series.")
        )
    with transaction.atomic():
        with bounded_lock_wait(
            _("Someone else is changing this series right now. Please try again.")
        ):
            targets = list(
                Session.objects.select_for_update()
                .filter(
                    series_id=session.series_id,
                    starts_at__gte=session.starts_at,
                    starts_at__gt=now,
                    status=Session.Status.SCHEDULED,
                )
                .order_by("starts_at", "id")
            )
        # Seats taken and waitlist length per session, in one query (FOR UPDATE cannot group).
        counts = {
            row["session_id"]: row
            for row in Registration.objects.filter(session__in=targets)
            .values("session_id")
            .annotate(
                taken=Count("id", filter=Q(status=Registration.Status.REGISTERED)),
                waiting=Count("id", filter=Q(status=Registration.Status.WAITLISTED)),
            )
        }
        for target in targets:
            taken = counts.get(target.pk, {}).get("taken", 0)
            if seats is not None and taken > seats:
                raise ValidationError(
                    _(
                        "On %(when)s %(taken)d residents are registered, more than %(seats)d "
                        "seats. Cancel registrations first or choose more seats."
                    )
                    % {
                        "when": date_full(target.starts_at),
                        "taken": taken,
                        "seats": seats,
                    }
                )
            day = timezone.localtime(target.starts_at).date()
            target.starts_at, target.ends_at = _aware(day, start_time), _aware(day, end_time)
            target.seats = seats
            target.supporters_needed = supporters_needed
            target.what_to_bring = what_to_bring
            target.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "seats",
                    "supporters_needed",
                    "what_to_bring",
                ]
            )
            waiting = counts.get(target.pk, {}).get("waiting")
            if seats is not None:
                # Fewer seats than taken ones plus held ones: the newest offers are withdrawn.
                services_offers.seat_offers_withdraw(
                    session=target, over=taken + services_offers.seats_held(target.pk) - seats
                )
            if waiting and (seats is None or seats > taken):
                # More seats: offered to the waitlist in order, never handed out.
                services_offers.seat_offers_make(session=target)
        Series.objects.filter(pk=session.series_id).update(
            start_time=start_time,
            end_time=end_time,
            seats=seats,
            supporters_needed=supporters_needed,
            what_to_bring=what_to_bring,
        )
    return len(targets)


@dataclass(frozen=True)
class CourseResult:
    """What happened for one session of a whole-course registration.

    ``outcome``: "registered", "waitlisted" or "refused" (then ``message`` says why).
    """

    session: Session
    outcome: str
    message: str = ""
    registration: Registration | None = None


def series_register_course(
    *, series: Series, resident: Resident, by=None, companion: str = ""
) -> list[CourseResult]:
    """Register ``resident`` for every future, scheduled session of ``series`` in one step.

    Each session goes through ``classes.services.registration_create`` (seat or waitlist, same
    locks and checks). A refusal (already registered, an overlapping session, busy) does not
    abort the others: it is reported and the rest are kept, because staff on the phone would
    otherwise have to redo the whole course for one clash. Each registration is saved whole or
    not at all (its own savepoint). Returns one CourseResult per session, in date order.
    Raises ValidationError when the series has no future session.
    """
    sessions = list(
        Session.objects.filter(
            series=series, status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
        )
        .select_related("venue", "topic")
        .order_by("starts_at", "id")
    )
    if not sessions:
        raise ValidationError(_("This series has no future session to register for."))
    results = []
    with transaction.atomic():
        for session in sessions:
            try:
                registration = services.registration_create(
                    session=session, resident=resident, by=by, companion=companion
                )
            except ValidationError as exc:
                results.append(CourseResult(session, "refused", " ".join(exc.messages)))
            else:
                results.append(CourseResult(session, registration.status, "", registration))
    return results
