"""State changes of loan applications and the lottery that allocates scarce devices: apply,
then draw (priority groups first, reproducible from the seed kept on the lottery)."""

import random
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loans.models import LoanApplication, LoanLottery, LoanPolicy
from residents.models import Household, Resident


def _in_priority_group(resident: Resident, policy: LoanPolicy) -> bool:
    return (policy.priority_living_alone and resident.household == Household.ALONE) or (
        policy.priority_seniors_only and resident.household == Household.SENIORS_ONLY
    )


def loan_application_create(
    *, resident: Resident, policy: LoanPolicy, by, venue
) -> LoanApplication:
    """Record ``resident``'s application for a loan under ``policy`` and return it (PENDING).

    ``venue`` (a classes.Venue) is where the resident will collect the device; staff see the
    applications of their own venues only, and a lottery may be drawn per venue.

    Whether the resident is in one of the policy's priority groups (living alone, senior-only
    household) is kept on the application. Raises ValidationError when ``venue`` is None or the
    resident already has an open (not withdrawn) application under this policy.
    """
    if venue is None:
        raise ValidationError(
            _("Choose the venue where the resident will collect the device."), code="no_venue"
        )
    try:
        with transaction.atomic():
            return LoanApplication.objects.create(
                resident=resident,
                policy=policy,
                venue=venue,
                priority=_in_priority_group(resident, policy),
                created_by=by,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("%(name)s has already applied for a loan under this policy.")
            % {"name": resident.name},
            code="duplicate_application",
        ) from exc


def loan_lottery_order(*, application_ids: Iterable[int], priority_ids: Iterable[int], seed: int):
    """The drawn order of ``application_ids``: priority ones first, each group shuffled by ``seed``.

    Pure and reproducible: the same ids and seed always give the same order (ids are sorted
    before shuffling, so the order they are passed in does not matter).
    """
    rng = random.Random(seed)
    ids = sorted(set(application_ids))
    priority = set(priority_ids)
    first = [i for i in ids if i in priority]
    rest = [i for i in ids if i not in priority]
    rng.shuffle(first)
    rng.shuffle(rest)
    return first + rest


def loan_lottery_draw(
    *,
    policy: LoanPolicy,
    places: int,
    by,
    seed: int | None = None,
    venue=None,
    venue_ids: set[int] | None = None,
) -> LoanLottery:
    """Draw ``places`` applicants among the PENDING applications under ``policy``.

    ``venue`` (a classes.Venue) limits the draw to the applications to be collected there and is
    kept on the lottery; ``venue_ids`` (the drawing user's venues, None: every venue) limits it to
    those venues' applications. Applications recorded without a venue are drawn only when neither
    limit is given.

    Priority-group applicants are drawn first, then the others, each group in a random order set
    by ``seed`` (a fresh random seed when None). The first ``places`` become SELECTED, the rest
    WAITLISTED with positions 1, 2, ... in drawn order. The seed and the drawn order are kept on
    the returned LoanLottery so the draw can be re-run and explained. Raises ValidationError when
    ``places`` is below 1 or no application is pending.
    """
    if places < 1:
        raise ValidationError(_("The number of places must be at least 1."), code="places")
    seed = secrets.randbits(32) if seed is None else seed
    with transaction.atomic():
        candidates = LoanApplication.objects.select_for_update().filter(
            policy=policy, status=LoanApplication.Status.PENDING
        )
        if venue is not None:
            candidates = candidates.filter(venue=venue)
        if venue_ids is not None:
            candidates = candidates.filter(venue_id__in=venue_ids)
        pending = list(candidates.order_by("id"))
        if not pending:
            raise ValidationError(
                _("There are no applications waiting for a lottery under this policy."),
                code="no_applications",
            )
        order = loan_lottery_order(
            application_ids=[a.pk for a in pending],
            priority_ids=[a.pk for a in pending if a.priority],
            seed=seed,
        )
        lottery = LoanLottery.objects.create(
            policy=policy, venue=venue, seed=seed, places=places, result=order, held_by=by
        )
        by_id = {a.pk: a for a in pending}
        for position, app_id in enumerate(order, start=1):
            app = by_id[app_id]
            app.lottery = lottery
            app.draw_position = position
            if position <= places:
                app.status = LoanApplication.Status.SELECTED
                app.waitlist_position = None
            else:
                app.status = LoanApplication.Status.WAITLISTED
                app.waitlist_position = position - places
        LoanApplication.objects.bulk_update(
            pending, ["lottery", "draw_position", "status", "waitlist_position"]
        )
    return lottery
