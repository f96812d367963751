"""Loan applications and the lottery (抽選) when devices are fewer than applicants."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import can_change_venue, role_required, user_role, venue_ids_for
from loans import selectors, services_lottery
from loans.forms import (
    ApplicationAddForm,
    LotteryDrawForm,
)
from loans.models import LoanApplication, LoanLottery, LoanPolicy
from loans.view_helpers import (
    LOAN_ROLES,
    error_messages,
    venues_for,
)


def _policy_from_query(request) -> LoanPolicy | None:
    """The active policy named by ``?policy=``, else the one new loans use (None: none active)."""
    policies = selectors.loan_policies_active()
    wanted = request.GET.get("policy", "")
    if wanted.isdigit():
        policy = policies.filter(pk=int(wanted)).first()
        if policy is not None:
            return policy
    return policies.first()


@role_required(*LOAN_ROLES)
def applications(request):
    """Applications under an active policy; find a resident to add one; the lottery (admin)."""
    from residents.selectors import resident_search

    policy = _policy_from_query(request)
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "policy": policy,
        "policies": list(selectors.loan_policies_active()),
        "query": query,
        "residents": list(resident_search(query=query, limit=20)) if query and policy else [],
        "is_administrator": user_role(request.user) == Role.ADMINISTRATOR,
        "venues": list(venues_for(request.user)),
    }
    if policy is not None:
        apps = list(
            selectors.loan_applications(policy=policy, venue_ids=venue_ids_for(request.user))
        )
        context.update(
            applications=apps,
            applied_ids={a.resident_id for a in apps if a.status != "withdrawn"},
            pending_count=sum(1 for a in apps if a.status == LoanApplication.Status.PENDING),
            lotteries=list(
                selectors.loan_lotteries(policy=policy, venue_ids=venue_ids_for(request.user))
            ),
            draw_form=LotteryDrawForm(
                initial={"policy": policy.pk}, venues=venues_for(request.user)
            ),
        )
    return render(request, "loans/applications.html", context)


def _applications_url(policy_id) -> str:
    return reverse("loans:applications") + "?" + urlencode({"policy": policy_id})


@require_POST
@role_required(*LOAN_ROLES)
def application_add(request):
    """Record an application for the chosen resident (staff and administrators)."""
    form = ApplicationAddForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(_applications_url(request.POST.get("policy", "")))
    policy, resident = form.cleaned_data["policy"], form.cleaned_data["resident"]
    venue = form.cleaned_data["venue"]
    if not can_change_venue(request.user, venue.pk):
        messages.error(request, _("Choose one of your venues."))
        return redirect(_applications_url(policy.pk))
    try:
        with submitted_once(request):
            services_lottery.loan_application_create(
                resident=resident, policy=policy, by=request.user, venue=venue
            )
    except AlreadySubmitted as done:
        return already_saved(request, done, _applications_url(policy.pk))
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, str(message))
    else:
        messages.success(request, _("Application recorded for %(name)s.") % {"name": resident.name})
    return redirect(_applications_url(policy.pk))


@require_POST
@role_required(Role.ADMINISTRATOR)
def lottery_draw(request):
    """Draw among the pending applications (administrator only; staff get 403)."""
    form = LotteryDrawForm(request.POST, venues=venues_for(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(_applications_url(request.POST.get("policy", "")))
    policy = form.cleaned_data["policy"]
    try:
        lottery = services_lottery.loan_lottery_draw(
            policy=policy,
            places=form.cleaned_data["places"],
            seed=form.cleaned_data["seed"],
            by=request.user,
            venue=form.cleaned_data["venue"],
            venue_ids=venue_ids_for(request.user),
        )
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, str(message))
        return redirect(_applications_url(policy.pk))
    messages.success(request, _("The lottery was drawn. Seed: %(seed)s.") % {"seed": lottery.seed})
    return redirect("loans:lottery_detail", pk=lottery.pk)


@role_required(*LOAN_ROLES)
def lottery_detail(request, pk: int):
    """A draw's result: seed, priority group first, selected then waitlist, each explained.

    Staff see the applicants of their venues only (and how many others were drawn); a draw held
    for another venue is 404.
    """
    venue_ids = venue_ids_for(request.user)
    try:
        lottery, drawn = selectors.loan_lottery_for_detail(pk=pk, venue_ids=venue_ids)
    except LoanLottery.DoesNotExist:
        raise Http404 from None
    if lottery.venue_id is not None and not can_change_venue(request.user, lottery.venue_id):
        raise Http404
    selected = [a for a in drawn if a.draw_position and a.draw_position <= lottery.places]
    waitlist = [a for a in drawn if a.draw_position and a.draw_position > lottery.places]
    context = {
        "lottery": lottery,
        "selected": selected,
        "waitlist": waitlist,
        "drawn_count": len(lottery.result),
        "elsewhere_count": len(lottery.result) - len(drawn),
        "priority_count": sum(1 for a in drawn if a.priority),
        "checkout_url": reverse("loans:checkout"),
    }
    return render(request, "loans/lottery_detail.html", context)
