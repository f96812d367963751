"""State changes for matching: compute a draft proposal, pin or remove placements, re-run, publish.

A proposal is computed in the background: ``match_run_create`` and ``match_run_rerun`` queue
the run and return at once; the Celery task ``volunteers.tasks.match_run_solve`` calls
``match_run_solve``, which claims the run, writes its progress and stores the result (the
report-generation pattern of ``reports.services``; a beat scan queues lost runs again).

A run is a draft until published: supporters see nothing of it. Publishing turns every kept
proposal into an Assignment (status PROPOSED, i.e. asked and awaiting the supporter's answer)
through ``volunteers.services.assignment_create`` and its rules and locks, then emails the
supporters who have an email address (Celery task, enqueued after commit).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from classes.models import Session, Venue
from kernel.dates import datetime_full
from kernel.tasks_util import enqueue
from volunteers import matching
from volunteers.models import Assignment, MatchGap, MatchProposal, MatchRun, Supporter
from volunteers.selectors import active_assignments
from volunteers.selectors_matching import BuiltProblem, match_problem_build, matching_sessions
from volunteers.services import assignment_create

logger = logging.getLogger(__name__)

MAX_RANGE_DAYS = 62


def _time_limit() -> float:
    return float(getattr(settings, "MATCHING_TIME_LIMIT_SECONDS", 55.0))


def _stale_before(now):
    return now - timedelta(seconds=int(getattr(settings, "MATCHING_STALE_SECONDS", 600)))


IN_PROGRESS = (MatchRun.State.QUEUED, MatchRun.State.RUNNING)


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


def _nothing_to_match(date_from: date, date_to: date) -> ValidationError:
    return ValidationError(
        _(
            "No scheduled session between %(start)s and %(end)s needs supporters. "
            "Set how many supporters the sessions need, or choose other dates."
        )
        % {
            "start": date_format(date_from, "SHORT_DATE_FORMAT"),
            "end": date_format(date_to, "SHORT_DATE_FORMAT"),
        }
    )


def _store(run: MatchRun, built: BuiltProblem, result: matching.MatchResult) -> None:
    """Write the new suggestions and gaps of ``result`` into ``run`` and mark it done (inside a
    transaction)."""
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
    now = timezone.now()
    run.solved_at = now
    run.solver_status = result.status
    run.solve_seconds = round(result.solve_seconds, 3)
    run.objective = result.objective
    run.required_slots = figures.required
    run.filled_slots = figures.filled
    run.fairness = round(figures.fairness, 4)
    run.stages = [stage.as_dict() for stage in result.stages]
    run.state = MatchRun.State.DONE
    run.progress = 100
    run.progress_at = now
    run.finished_at = now
    run.stage = ""
    run.error = ""
    run.save()


def match_run_create(
    *,
    date_from: date | None,
    date_to: date | None,
    by: Any,
    venue: Venue | None = None,
    seed: int = 0,
) -> MatchRun:
    """Ask for a draft proposal for sessions starting in [date_from, date_to] (JST dates, at
    most 62 days), optionally at one venue. Returns at once with the run *queued*: the solve
    (``match_run_solve``, up to ``settings.MATCHING_TIME_LIMIT_SECONDS``, default 55 s) runs in
    the background, sent after the transaction commits; the run's page shows its progress.

    Raises ValidationError: a date missing, the last day before the first, a range over 62 days,
    or no scheduled session in the range that needs supporters.
    """
    _validate_range(date_from, date_to)
    assert date_from is not None and date_to is not None
    needing = matching_sessions(date_from=date_from, date_to=date_to, venue=venue).filter(
        Q(supporters_needed__gt=0)
        | Q(lead_needed=True)
        | Q(residents_per_supporter__gt=0, registered_count__gt=0)
    )
    if not needing.exists():
        raise _nothing_to_match(date_from, date_to)
    with transaction.atomic():
        run = MatchRun.objects.create(
            date_from=date_from,
            date_to=date_to,
            venue=venue,
            seed=seed,
            created_by=by if getattr(by, "is_authenticated", False) else None,
            state=MatchRun.State.QUEUED,
            progress_at=timezone.now(),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        transaction.on_commit(partial(match_run_queue, run_id=run.pk))
    return run


def match_run_queue(*, run_id: int) -> bool:
    """Send the solve of queued run ``run_id`` to the background worker (in-process when Celery
    is eager). Returns False when the broker cannot be reached: the run is then marked failed
    at once, saying so in the coordinator's language (the page offers to try again)."""
    from volunteers.tasks import match_run_solve as solve_task  # the task module imports this

    if enqueue(solve_task, run_id):
        return True
    language = MatchRun.objects.filter(pk=run_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        reason = _(
            "The proposal could not be queued: the background task service does not answer. "
            "Try again in a moment."
        )
    MatchRun.objects.filter(pk=run_id, state=MatchRun.State.QUEUED).update(
        state=MatchRun.State.FAILED, finished_at=timezone.now(), error=reason
    )
    return False


class _Superseded(Exception):
    """The run was taken over (found stale and started again) or changed: stop quietly."""


def match_run_solve(*, run_id: int) -> bool:
    """Compute the proposal of run ``run_id`` (the background task's body). Safe to run twice:
    the run is claimed atomically when it is a queued draft, or running but silent for
    ``settings.MATCHING_STALE_SECONDS`` (its worker died). Pinned proposals stay, removed ones
    are not proposed again, every other suggestion and gap is replaced.

    Progress (percent and solver stage) is written as the solver goes; each write checks the
    claim is still this run's, and a run taken over stops without storing. A failure marks the
    run failed with a message for the coordinator (in the language they asked in) and is
    logged; it is not raised. Returns True once stored, False otherwise (not claimed, taken
    over, failed).
    """
    now = timezone.now()
    claimed = (
        MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.DRAFT)
        .filter(
            Q(state=MatchRun.State.QUEUED)
            | Q(state=MatchRun.State.RUNNING, progress_at__lt=_stale_before(now))
        )
        .update(
            state=MatchRun.State.RUNNING,
            started_at=now,
            progress=2,
            progress_at=now,
            stage="prepare",
            error="",
        )
    )
    if not claimed:
        return False
    mine = MatchRun.objects.filter(pk=run_id, state=MatchRun.State.RUNNING, started_at=now)

    def progress(percent: int, stage: str) -> None:
        if not mine.update(progress=percent, stage=stage, progress_at=timezone.now()):
            raise _Superseded

    run = MatchRun.objects.select_related("venue").get(pk=run_id)
    try:
        with translation.override(run.language or settings.LANGUAGE_CODE):
            try:
                built = match_problem_build(
                    date_from=run.date_from, date_to=run.date_to, venue=run.venue, run=run
                )
                if not built.problem.slots:
                    raise _nothing_to_match(run.date_from, run.date_to)
                result = matching.solve(
                    built.problem, time_limit=_time_limit(), seed=run.seed, progress=progress
                )
                with transaction.atomic():
                    locked = MatchRun.objects.select_for_update().get(pk=run_id)
                    if (
                        locked.state != MatchRun.State.RUNNING
                        or locked.started_at != now
                        or locked.status != MatchRun.Status.DRAFT
                    ):
                        return False
                    MatchProposal.objects.filter(
                        run=locked, state=MatchProposal.State.SUGGESTED
                    ).delete()
                    MatchGap.objects.filter(run=locked).delete()
                    # A pinned placement the solver got as fixed is not repeated in the result.
                    _store(locked, built, result)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except _Superseded:
                return False
            except Exception:
                logger.exception("Matching run %s failed.", run_id)
                error = _(
                    "The proposal could not be computed because of an error in the system. "
                    "Try again; if it fails again, tell the system administrator."
                )
            else:
                return True
    except _Superseded:
        return False
    mine.update(state=MatchRun.State.FAILED, finished_at=timezone.now(), error=error)
    return False


def match_runs_requeue_stale(*, now=None, run_ids: Iterable[int] | None = None) -> list[int]:
    """Queue again the draft runs nobody is computing: queued or running with no progress for
    ``settings.MATCHING_STALE_SECONDS`` (a lost message, a dead worker). They are put back to
    queued with a fresh ``progress_at`` and sent again; ``run_ids`` limits the scan (the run's
    page passes its own). Returns the ids queued again, oldest first. The solve claims
    atomically, so a run queued twice is computed once."""
    now = now or timezone.now()
    stale = MatchRun.objects.filter(
        status=MatchRun.Status.DRAFT, state__in=IN_PROGRESS, progress_at__lt=_stale_before(now)
    )
    if run_ids is not None:
        stale = stale.filter(pk__in=list(run_ids))
    ids = list(stale.order_by("created_at", "id").values_list("pk", flat=True))
    stale.filter(pk__in=ids).update(
        state=MatchRun.State.QUEUED, progress=0, progress_at=now, stage=""
    )
    for run_id in ids:
        match_run_queue(run_id=run_id)
    return ids


def _draft_proposal(proposal: MatchProposal) -> MatchProposal:
    """Lock the run row and check it is still a draft; returns the fresh proposal."""
    run = MatchRun.objects.select_for_update().get(pk=proposal.run_id)
    if run.status != MatchRun.Status.DRAFT:
        raise ValidationError(_("This proposal was already published and can no longer change."))
    if run.state != MatchRun.State.DONE:
        raise ValidationError(_("The proposal is being computed again. Wait until it is ready."))
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
    """Solve the run's range again in the background: the run goes back to queued and
    ``match_run_solve`` is sent after commit; pinned proposals stay as they are, removed ones
    are not proposed again, every other suggestion and reason is replaced. Assignments made
    since the first run count as they now are. Also the way to try a failed run again.

    Raises ValidationError when the run is published or already being computed.
    """
    with transaction.atomic():
        locked = MatchRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != MatchRun.Status.DRAFT:
            raise ValidationError(
                _("This proposal was already published and can no longer change.")
            )
        if locked.state in IN_PROGRESS:
            raise ValidationError(
                _("This proposal is already being computed. Its page shows it when it is ready.")
            )
        now = timezone.now()
        locked.state = MatchRun.State.QUEUED
        locked.progress = 0
        locked.progress_at = now
        locked.stage = ""
        locked.error = ""
        locked.started_at = None
        locked.finished_at = None
        locked.language = translation.get_language() or settings.LANGUAGE_CODE
        locked.save(
            update_fields=[
                "state",
                "progress",
                "progress_at",
                "stage",
                "error",
                "started_at",
                "finished_at",
                "language",
            ]
        )
        transaction.on_commit(partial(match_run_queue, run_id=locked.pk))
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
        if locked.state != MatchRun.State.DONE:
            raise ValidationError(
                _("The proposal is being computed again. Wait until it is ready.")
            )
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
