"""Matching pages (coordinator) and availability pages (supporter and coordinator).

Roles: administrator and coordinator run, adjust and publish matching; center staff get 403
(matching spans every venue and the whole supporter roster, which staff do not manage); a
supporter edits only their own availability. Drafts are never shown to supporters.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required
from volunteers import (
    selectors_matching,
    selectors_replies,
    services,
    services_matching,
    services_replies,
)
from volunteers.forms import AvailabilityFormSet, weekly_windows
from volunteers.forms_matching import AvailabilityExceptionForm, MatchRunForm
from volunteers.models import AvailabilityException, MatchProposal, MatchRun, Supporter
from volunteers.view_helpers import MANAGER_ROLES, joined_windows_text, own_supporter_or_404


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@role_required(*MANAGER_ROLES)
def matching_home(request):
    """Choose a range (and venue) and ask for a proposal; recent runs below. The proposal is
    computed in the background: the answer is the run's page, which shows the progress."""
    today = timezone.localdate()
    form = MatchRunForm(request.POST or None, initial={"date_from": today, "date_to": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with submitted_once(request) as once:
                run = services_matching.match_run_create(
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    venue=data["venue"],
                    by=request.user,
                )
                once.result_url = _detail_url(run.pk)
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("volunteers:matching"))
        except ValidationError as exc:
            for text in _errors(exc):
                form.add_error(None, text)
        else:
            _say_whether_queued(request, run)
            return redirect("volunteers:match_run_detail", pk=run.pk)
    context = {"form": form, "runs": selectors_matching.match_run_list()[:20]}
    return render(request, "volunteers/matching_home.html", context)


def _say_whether_queued(request, run: MatchRun) -> None:
    run.refresh_from_db(fields=["state"])
    if run.state == MatchRun.State.FAILED:
        messages.error(request, _("The proposal could not be computed. The reason is below."))
    elif run.state == MatchRun.State.DONE:
        messages.success(request, _("The proposal is ready. Check it, then publish."))
    else:
        messages.success(
            request, _("The proposal is being computed. This page shows it when it is ready.")
        )


@role_required(*MANAGER_ROLES)
def match_run_detail(request, pk: int):
    """A matching run's proposals by day, with gaps and pin/remove/publish buttons; while the
    proposal is computed, its progress (the page refreshes itself, no script)."""
    run = get_object_or_404(selectors_matching.match_run_list(), pk=pk)
    if run.in_progress and services_matching.match_runs_requeue_stale(run_ids=[run.pk]):
        # Its run died (worker or, in-process, a web process): started again from here too.
        run = get_object_or_404(selectors_matching.match_run_list(), pk=pk)
    ready = run.state == MatchRun.State.DONE
    context = {
        "run": run,
        "days": selectors_matching.match_run_detail(run=run) if ready else [],
        "ready": ready,
        "is_draft": run.status == MatchRun.Status.DRAFT,
        "can_change": run.status == MatchRun.Status.DRAFT and ready,
    }
    return render(request, "volunteers/match_run_detail.html", context)


@require_POST
@role_required(*MANAGER_ROLES)
def match_run_rerun(request, pk: int):
    """POST: compute a draft run again in the background, keeping pinned and removed
    proposals (also: try a failed run again)."""
    run = get_object_or_404(MatchRun, pk=pk)
    try:
        run = services_matching.match_run_rerun(run=run, by=request.user)
    except ValidationError as exc:
        for text in _errors(exc):
            messages.error(request, text)
    else:
        _say_whether_queued(request, run)
    return redirect("volunteers:match_run_detail", pk=run.pk)


@require_POST
@role_required(*MANAGER_ROLES)
def match_run_publish(request, pk: int):
    """POST: turn a draft run's proposals into proposed assignments and notify supporters."""
    run = get_object_or_404(MatchRun, pk=pk)
    try:
        created = services_matching.match_run_publish(run=run, by=request.user)
    except ValidationError as exc:
        for text in _errors(exc):
            messages.error(request, text)
    else:
        people = len({a.supporter_id for a in created})
        messages.success(
            request,
            _("Published: sent %(requests)s to %(people)s. They can now accept or decline.")
            % {
                "requests": ngettext("%(count)d request", "%(count)d requests", len(created))
                % {"count": len(created)},
                "people": ngettext("%(count)d supporter", "%(count)d supporters", people)
                % {"count": people},
            },
        )
    return redirect("volunteers:match_run_detail", pk=run.pk)


@require_POST
@role_required(*MANAGER_ROLES)
def match_proposal_action(request, pk: int, action: str):
    """Pin, unpin (also: put back a removed one) or remove one proposed placement."""
    proposal = get_object_or_404(MatchProposal.objects.select_related("supporter"), pk=pk)
    service = {
        "pin": services_matching.match_proposal_pin,
        "unpin": services_matching.match_proposal_unpin,
        "remove": services_matching.match_proposal_remove,
    }.get(action)
    if service is None:
        raise Http404
    try:
        service(proposal=proposal, by=request.user)
    except ValidationError as exc:
        for text in _errors(exc):
            messages.error(request, text)
    else:
        texts = {
            "pin": _("%(name)s is pinned and stays when you re-run."),
            "unpin": _("%(name)s is an ordinary suggestion again."),
            "remove": _("%(name)s was removed and will not be proposed here again."),
        }
        messages.success(request, texts[action] % {"name": proposal.supporter.name})
    return redirect(f"{_detail_url(proposal.run_id)}#session-{proposal.session_id}")


def _detail_url(run_id: int) -> str:
    return reverse("volunteers:match_run_detail", kwargs={"pk": run_id})


def _availability_page(request, supporter: Supporter, *, own: bool):
    """Weekly pattern (formset) and dated exceptions (add / delete) of one supporter."""
    here = "volunteers:my_availability" if own else "volunteers:supporter_availability"
    args = [] if own else [supporter.pk]
    formset = AvailabilityFormSet(None, instance=supporter, prefix="availability")
    exception_form = AvailabilityExceptionForm(prefix="exception")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "weekly":
            formset = AvailabilityFormSet(request.POST, instance=supporter, prefix="availability")
            if formset.is_valid():
                try:
                    joined = services.availability_weekly_set(
                        supporter=supporter, windows=weekly_windows(formset), by=request.user
                    )
                except ValidationError as exc:
                    for text in _errors(exc):
                        formset.non_form_errors().append(text)
                else:
                    messages.success(request, _("The weekly availability was saved."))
                    for text in joined_windows_text(joined):
                        messages.info(request, text)
                    return redirect(here, *args)
            messages.error(request, _("Please correct the errors below."))
        elif action == "add_exception":
            exception_form = AvailabilityExceptionForm(request.POST, prefix="exception")
            if exception_form.is_valid():
                try:
                    added = services_matching.availability_exception_add(
                        supporter=supporter, by=request.user, **exception_form.cleaned_data
                    )
                except ValidationError as exc:
                    for text in _errors(exc):
                        exception_form.add_error(None, text)
                else:
                    messages.success(request, _("The exception was added."))
                    _warn_conflicts(request, supporter, added)
                    return redirect(f"{reverse(here, args=args)}#exception-{added.pk}")
            messages.error(request, _("Please correct the errors below."))
        elif action == "decline_conflicts":
            exception = get_object_or_404(
                AvailabilityException, pk=request.POST.get("exception"), supporter=supporter
            )
            _decline_conflicts(request, exception)
            return redirect(here, *args)
        elif action == "delete_exception":
            exception = get_object_or_404(
                AvailabilityException, pk=request.POST.get("exception"), supporter=supporter
            )
            services_matching.availability_exception_delete(exception=exception, by=request.user)
            messages.success(request, _("The exception was removed."))
            return redirect(here, *args)
    today = timezone.localdate()
    exceptions = list(
        supporter.availability_exceptions.filter(date_to__gte=today).order_by("date_from", "pk")
    )
    conflicts = selectors_replies.exception_conflicts(supporter=supporter, exceptions=exceptions)
    context = {
        "supporter": supporter,
        "own": own,
        "formset": formset,
        "exception_form": exception_form,
        # (exception, the requests and accepted assignments it falls on)
        "exceptions": [(e, conflicts.get(e.pk, [])) for e in exceptions],
    }
    return render(request, "volunteers/availability.html", context)


def _warn_conflicts(request, supporter: Supporter, exception: AvailabilityException) -> None:
    """After a day off is added: say how many requests it falls on (listed on the page)."""
    found = selectors_replies.exception_conflicts(supporter=supporter, exceptions=[exception])
    count = len(found.get(exception.pk, []))
    if count:
        messages.warning(
            request,
            ngettext(
                "These days off fall on %(count)d request or accepted session. It is listed "
                "under the exception: decline it there, or keep it.",
                "These days off fall on %(count)d requests or accepted sessions. They are listed "
                "under the exception: decline them there, or keep them.",
                count,
            )
            % {"count": count},
        )


def _decline_conflicts(request, exception: AvailabilityException) -> None:
    """POST part of the availability page: decline the ticked requests a day off falls on."""
    ids = [int(v) for v in request.POST.getlist("assignment") if v.isdigit()]
    try:
        withdrawn = services_replies.exception_requests_decline(
            exception=exception, assignment_ids=ids, by=request.user
        )
    except ValidationError as exc:
        for text in _errors(exc):
            messages.error(request, text)
        return
    messages.success(
        request,
        ngettext(
            "Declined %(count)d session. The coordinator sees it among the declines.",
            "Declined %(count)d sessions. The coordinator sees them among the declines.",
            len(withdrawn),
        )
        % {"count": len(withdrawn)},
    )
    if any(a.is_late for a in withdrawn):  # type: ignore[attr-defined]  # set by withdraw
        messages.warning(
            request,
            _(
                "A session was less than 48 hours away: the coordinator has been alerted. "
                "If you can, please also phone the center."
            ),
        )


@role_required(Role.SUPPORTER)
def my_availability(request):
    """The supporter's own weekly availability and dated exceptions."""
    supporter = own_supporter_or_404(request.user)
    return _availability_page(request, supporter, own=True)


@role_required(*MANAGER_ROLES)
def supporter_availability(request, pk: int):
    """A supporter's weekly availability and dated exceptions, edited by the office."""
    return _availability_page(request, get_object_or_404(Supporter, pk=pk), own=False)
