"""Pages for supporters' answers: a supporter cancelling with a reason, the coordinator's list of
declines and late cancellations, and replacement suggestions with a one-click "Ask".

Roles: the withdraw page is the supporter's own (404 for another's assignment); the other pages
are for the administrator and coordinator (403 for center staff and supporters).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Session
from classes.selectors import session_list
from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required
from volunteers import selectors, selectors_replies, services_replies
from volunteers.forms import AssignForm
from volunteers.forms_hours import WithdrawForm
from volunteers.models import Assignment
from volunteers.view_helpers import MANAGER_ROLES, error_text, own_supporter_or_404


@role_required(Role.SUPPORTER)
def my_assignment_withdraw(request, pk: int):
    """The supporter declines a proposal or cancels a confirmed assignment, with a reason."""
    try:
        assignment = selectors.supporter_assignment(
            supporter=own_supporter_or_404(request.user), pk=pk
        )
    except Assignment.DoesNotExist:
        raise Http404 from None
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with submitted_once(request):
                result = services_replies.assignment_withdraw(
                    assignment=assignment, by=request.user, reason=form.cleaned_data["reason"]
                )
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("volunteers:my_assignments"))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            if result.is_late:  # type: ignore[attr-defined]  # set by assignment_withdraw
                messages.warning(
                    request,
                    _(
                        "You cancelled less than 48 hours before the session. The coordinator "
                        "has been told; thank you for letting us know."
                    ),
                )
            else:
                messages.success(request, _("Cancelled. Thank you for letting us know."))
            return redirect("volunteers:my_assignments")
    context = {
        "assignment": assignment,
        "session": assignment.session,
        "form": form,
        "is_late": selectors_replies.is_late(session=assignment.session, at=timezone.now()),
    }
    return render(request, "volunteers/my_assignment_withdraw.html", context)


@role_required(*MANAGER_ROLES)
def withdrawal_list(request):
    """Late cancellations (last 7 days on) and upcoming declines that left a session short."""
    context = {
        "late": selectors_replies.late_cancellations()[:100],
        "open": selectors_replies.open_withdrawals()[:100],
    }
    return render(request, "volunteers/withdrawals.html", context)


@role_required(*MANAGER_ROLES)
def replacements(request, session_pk: int):
    """Who could fill the session's free slot, least recently asked first; POST asks one."""
    session = session_list().filter(pk=session_pk).first()
    if session is None:
        raise Http404
    if request.method == "POST":
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a supporter from the list and try again."))
        else:
            supporter = form.cleaned_data["supporter"]
            try:
                with submitted_once(request):
                    assignment = services_replies.replacement_ask(
                        session=session, supporter=supporter, by=request.user
                    )
            except AlreadySubmitted as done:
                return already_saved(
                    request, done, reverse("volunteers:replacements", args=[session.pk])
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                if supporter.email:
                    text = _("%(name)s was asked by email and can now accept or decline.")
                else:
                    text = _(
                        "%(name)s was asked and can accept or decline on their page. They have "
                        "no email address: please also phone them."
                    )
                messages.success(request, text % {"name": supporter.name})
                # Set by assignment_create (through replacement_ask) on the instance it returns.
                for warning in assignment.warnings:  # type: ignore[attr-defined]
                    messages.warning(request, warning)
        return redirect("volunteers:replacements", session_pk=session.pk)
    is_open = session.status == Session.Status.SCHEDULED
    context = {
        "session": session,
        "withdrawn": selectors_replies.withdrawals(start=session.starts_at)
        .filter(session=session)
        .order_by("-responded_at", "-id"),
        "candidates": selectors_replies.replacement_candidates(session=session) if is_open else [],
        "is_open": is_open,
        "short": max(session.supporters_needed - session.supporter_count, 0),
    }
    return render(request, "volunteers/replacements.html", context)
