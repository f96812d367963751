"""State changes for matching: compute a draft proposal, pin or remove placements, re-run, publish.

A run is a draft until published: supporters see nothing of it. Publishing turns every kept
proposal into an Assignment (status PROPOSED, i.e. asked and awaiting the supporter's answer)
through ``volunteers.services.assignment_create`` and its rules and locks, then emails the
supporters who have an email address (Celery task, enqueued after commit).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from classes.models import Session, Venue
from kernel.dates import datetime_full
from volunteers import matching
from volunteers.models import Assignment, MatchGap, MatchProposal, MatchRun, Supporter
from volunteers.selectors import active_assignments
from volunteers.selectors_matching import BuiltProblem, match_problem_build
from volunteers.services import assignment_create

logger = logging.getLogger(__name__)

MAX_RANGE_DAYS = 62


def _time_limit() -> float:
    return float(getattr(settings, "MATCHING_TIME_LIMIT_SECONDS", 8.0))


def _validate_range(date_from: date | None, date_to: date | None) -> None:
    if date_from is None or date_to is None:
        raise ValidationError(_("Give both the first and the last day to match."))
    if date_to < date_from:
        raise ValidationError(_("The last day is before the first day. Swap the dates."))
    if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(
            _("Match at most %(days)d days at a time (about two months). Choose a shorter range.")
            % {"days": MAX_RANGE_DAYS}
        )


def _solve(built: BuiltProblem, seed: int) -> matching.MatchResult:
    return matching.solve(built.problem, time_limit=_time_limit(), seed=seed)


def _store(run: MatchRun, built: BuiltProblem, result: matching.MatchResult) -> None:
    """Write the new suggestions and gaps of ``result`` into ``run`` (inside a transaction)."""
    MatchProposal.objects.bulk_create(
        [
            MatchProposal(
                run=run,
                session_id=p.slot_id,
                supporter_id=p.supporter_id,
                is_lead=p.is_lead,
                state=MatchProposal.State.SUGGESTED,
            )
            for p in result.placements
        ]
    )
    MatchGap.objects.bulk_create(
        [
            MatchGap(
                run=run,
                session_id=g.slot_id,
                missing=g.missing,
                lead_missing=g.lead_missing,
                reason=g.reason,
                detail=g.detail,
            )
            for g in result.gaps
        ]
    )
    figures = matching.evaluate(built.problem, result.placements)
    run.solved_at = timezone.now()
    run.solver_status = result.status
    run.solve_seconds = round(result.solve_seconds, 3)
    run.objective = result.objective
    run.required_slots = figures.required
    run.filled_slots = figures.filled
    run.fairness = round(figures.fairness, 4)
    run.save()


def match_run_create(
    *,
    date_from: date | None,
    date_to: date | None,
    by: Any,
    venue: Venue | None = None,
    seed: int = 0,
) -> MatchRun:
    """Compute and store a draft proposal for sessions starting in [date_from, date_to] (JST
    dates, at most 62 days), optionally at one venue. Solves for up to
    ``settings.MATCHING_TIME_LIMIT_SECONDS`` (default 8 s) outside any transaction, then stores
    the run, its proposals and its unfilled-slot reasons in one transaction.

    Raises ValidationError: a date missing, the last day before the first, a range over 62 days,
    or no scheduled session in the range that needs supporters.
    """
    _validate_range(date_from, date_to)
    assert date_from is not None and date_to is not None
    built = match_problem_build(date_from=date_from, date_to=date_to, venue=venue)
    if not built.problem.slots:
        raise ValidationError(
            _(
                "No scheduled session between %(start)s and %(end)s needs supporters. "
                "Set how many supporters the sessions need, or choose other dates."
            )
            % {
                "start": date_format(date_from, "SHORT_DATE_FORMAT"),
                "end": date_format(date_to, "SHORT_DATE_FORMAT"),
            }
        )
    result = _solve(built, seed)
    with transaction.atomic():
        run = MatchRun.objects.create(
            date_from=date_from,
            date_to=date_to,
            venue=venue,
            seed=seed,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        _store(run, built, result)
    return run


def _draft_proposal(proposal: MatchProposal) -> MatchProposal:
    """Lock the run row and check it is still a draft; returns the fresh proposal."""
    run = MatchRun.objects.select_for_update().get(pk=proposal.run_id)
    if run.status != MatchRun.Status.DRAFT:
        raise ValidationError(_("This proposal was already published and can no longer change."))
    try:
        return MatchProposal.objects.get(pk=proposal.pk)
    except MatchProposal.DoesNotExist:
        raise ValidationError(
            _("This proposal was replaced by a re-run. Reload the page.")
        ) from None


def _set_state(proposal: MatchProposal, state: str) -> MatchProposal:
    with transaction.atomic():
        current = _draft_proposal(proposal)
        current.state = state
        current.save(update_fields=["state"])
    return current


def match_proposal_pin(*, proposal: MatchProposal, by: Any) -> MatchProposal:
    """Keep this placement through re-runs. Raises ValidationError when the run was published or
    the proposal replaced by a re-run."""
    return _set_state(proposal, MatchProposal.State.PINNED)


def match_proposal_unpin(*, proposal: MatchProposal, by: Any) -> MatchProposal:
    """Undo a pin or a removal: the placement becomes an ordinary suggestion again."""
    return _set_state(proposal, MatchProposal.State.SUGGESTED)


def match_proposal_remove(*, proposal: MatchProposal, by: Any) -> MatchProposal:
    """Take this placement out. Re-runs do not propose this supporter for this session again
    (undo with ``match_proposal_unpin``). Publishing skips it."""
    return _set_state(proposal, MatchProposal.State.REMOVED)


def match_run_rerun(*, run: MatchRun, by: Any) -> MatchRun:
    """Solve the run's range again: pinned proposals stay as they are, removed ones are not
    proposed again, every other suggestion and reason is replaced. Assignments made since the
    first run count as they now are.

    Raises ValidationError when the run is published, or a concurrent re-run or publication won.
    """
    if run.status != MatchRun.Status.DRAFT:
        raise ValidationError(_("This proposal was already published and can no longer change."))
    built = match_problem_build(
        date_from=run.date_from, date_to=run.date_to, venue=run.venue, run=run
    )
    result = _solve(built, run.seed)
    with transaction.atomic():
        locked = MatchRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != MatchRun.Status.DRAFT:
            raise ValidationError(
                _("This proposal was already published and can no longer change.")
            )
        MatchProposal.objects.filter(run=locked, state=MatchProposal.State.SUGGESTED).delete()
        MatchGap.objects.filter(run=locked).delete()
        # A pinned placement the solver got as fixed is not repeated in result.placements.
        _store(locked, built, result)
    return locked


def match_run_publish(*, run: MatchRun, by: Any) -> list[Assignment]:
    """Ask the supporters: every pinned or suggested proposal becomes an Assignment with status
    PROPOSED, created by ``assignment_create`` (supporter row locked, overlap and monthly maximum
    checked again); proposals on sessions cancelled since, or already assigned by hand, are
    skipped. All or nothing: if any placement is no longer possible, nothing is created
    and the ValidationError lists each problem (re-run, then publish again).

    After commit, a Celery task emails each supporter with an email address once and sets
    ``notified_at`` on their new assignments. Returns the new assignments.
    """
    with transaction.atomic():
        locked = MatchRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != MatchRun.Status.DRAFT:
            raise ValidationError(_("This proposal was already published."))
        proposals = list(
            MatchProposal.objects.filter(run=locked, session__status=Session.Status.SCHEDULED)
            .exclude(state=MatchProposal.State.REMOVED)
            .select_related("session__topic", "supporter")
            .order_by("session__starts_at", "session_id", "-is_lead", "pk")
        )
        if not proposals:
            raise ValidationError(_("There is nothing to publish: no supporter is proposed."))
        created: list[Assignment] = []
        problems: list[str] = []
        already = set(
            active_assignments()
            .filter(session_id__in={p.session_id for p in proposals})
            .values_list("session_id", "supporter_id")
        )
        for proposal in proposals:
            if (proposal.session_id, proposal.supporter_id) in already:
                continue  # assigned by hand since the run: the wish already holds
            try:
                # Each in a savepoint, so one refusal does not spoil the rest of the check.
                with transaction.atomic():
                    created.append(
                        assignment_create(
                            session=proposal.session,
                            supporter=proposal.supporter,
                            by=by,
                            is_lead=proposal.is_lead,
                        )
                    )
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            raise ValidationError(
                [_("Nothing was published. Re-run the matching, then publish again.")] + problems
            )
        locked.status = MatchRun.Status.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = by if getattr(by, "is_authenticated", False) else None
        locked.save(update_fields=["status", "published_at", "published_by"])
        pks = [a.pk for a in created]

        from kernel.tasks_util import enqueue
        from volunteers.tasks import match_publish_notify

        transaction.on_commit(lambda: enqueue(match_publish_notify, pks))
    return created


def match_publish_notify_send(*, assignment_pks: list[int]) -> int:
    """Tell each supporter about their newly proposed assignments, once.

    For each supporter, claims their assignments among ``assignment_pks`` that are still
    PROPOSED and not yet notified (``notified_at`` set in one UPDATE, so a second run of the task
    finds nothing), then sends one email if they have an address. If sending fails the claim is
    undone and the error raised, so a retry sends again. Returns the number of emails sent.
    """
    by_supporter: dict[int, list[int]] = defaultdict(list)
    for sup_id, pk in Assignment.objects.filter(pk__in=assignment_pks).values_list(
        "supporter_id", "pk"
    ):
        by_supporter[sup_id].append(pk)
    sent = 0
    for sup_id, pks in by_supporter.items():
        now = timezone.now()
        with transaction.atomic():
            claimed = list(
                Assignment.objects.select_for_update(skip_locked=True)
                .filter(pk__in=pks, status=Assignment.Status.PROPOSED, notified_at__isnull=True)
                .values_list("pk", flat=True)
            )
            Assignment.objects.filter(pk__in=claimed).update(notified_at=now)
        if not claimed:
            continue
        supporter = Supporter.objects.get(pk=sup_id)
        if not supporter.email:
            continue  # they see the request on their own page
        assignments = (
            Assignment.objects.filter(pk__in=claimed)
            .select_related("session__venue", "session__topic")
            .order_by("session__starts_at")
        )
        try:
            # Built outside a request: in the program's language (Japanese), not the last page's.
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Sessions we would like your help with")
                body = _publish_email_body(supporter, assignments)
            send_mail(
                subject=subject,
                message=body,
                from_email=None,
                recipient_list=[supporter.email],
            )
        except Exception:
            Assignment.objects.filter(pk__in=claimed, notified_at=now).update(notified_at=None)
            logger.exception("Could not email supporter %s about new assignments", sup_id)
            raise
        sent += 1
    return sent


def _publish_email_body(supporter: Supporter, assignments) -> str:
    tz = timezone.get_default_timezone()
    lines = [
        _("Dear %(name)s,") % {"name": supporter.name},
        "",
        _("We would like to ask for your help at these sessions:"),
        "",
    ]
    for a in assignments:
        start = timezone.localtime(a.session.starts_at, tz)
        end = timezone.localtime(a.session.ends_at, tz)
        line = (
            f"- {datetime_full(start)}–{end:%H:%M} "
            f"{a.session.display_title} ({a.session.place_label})"
        )
        if a.is_lead:
            line += " " + _("[as lead]")
        lines.append(line)
    lines += [
        "",
        _("Please accept or decline each one on your page: %(url)s")
        % {"url": _site_url(reverse("volunteers:my_assignments"))},
    ]
    return "\n".join(lines)


def _site_url(path: str) -> str:
    base = getattr(settings, "SITE_URL", "") or ""
    return base.rstrip("/") + path


def availability_exception_add(
    *,
    supporter: Supporter,
    date_from: date,
    date_to: date,
    available: bool = False,
    start_time=None,
    end_time=None,
    reason: str = "",
    by: Any = None,
):
    """Add a dated exception to ``supporter``'s weekly pattern (JST dates and times).

    Raises ValidationError: the last day before the first, longer than a year, only one of the
    two times, the end time not after the start, or "available" without times.
    """
    from volunteers.models import AvailabilityException

    if date_to < date_from:
        raise ValidationError(_("The last day is before the first day."))
    if date_to - date_from > timedelta(days=366):
        raise ValidationError(_("An exception can last at most a year."))
    if (start_time is None) != (end_time is None):
        raise ValidationError(_("Give both times, or neither for the whole day."))
    if start_time is not None and end_time <= start_time:
        raise ValidationError(_("The end time must be after the start time."))
    if available and start_time is None:
        raise ValidationError(_("Give the times at which the supporter is available."))
    with transaction.atomic():
        return AvailabilityException.objects.create(
            supporter=supporter,
            date_from=date_from,
            date_to=date_to,
            available=available,
            start_time=start_time,
            end_time=end_time,
            reason=reason,
        )


def availability_exception_delete(*, exception, by: Any = None) -> None:
    """Remove a dated exception."""
    with transaction.atomic():
        exception.delete()
