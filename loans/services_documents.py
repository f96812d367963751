"""State changes around the loan paperwork: who signed the loan agreement, or why not; and the
unsaved loan a draft agreement is printed from."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Loan
from loans.services_devices import loan_policy_active


def loan_signature_fields(
    *,
    signed_by: str,
    proxy_signer_name: str = "",
    proxy_signer_relation: str = "",
    unsigned_reason: str = "",
    require_signed: bool = False,
) -> dict[str, object]:
    """The Loan fields recording the agreement's signature, checked and trimmed.

    ``signed_by`` is a Loan.Signer value: RESIDENT, PROXY (then ``proxy_signer_name`` and
    ``proxy_signer_relation`` are required) or NONE (then ``unsigned_reason`` is required, unless
    ``require_signed`` refuses an unsigned agreement outright). Returns a dict of
    ``agreement_signed``, ``signed_by``, ``proxy_signer_name``, ``proxy_signer_relation`` and
    ``unsigned_reason`` ready to save (the reason only for an unsigned agreement, the proxy's name
    and relationship only for a proxy). Raises ValidationError with what to fill in.
    """
    name, relation = proxy_signer_name.strip(), proxy_signer_relation.strip()
    reason = unsigned_reason.strip()
    if signed_by not in Loan.Signer.values or (require_signed and not signed_by):
        raise ValidationError(
            _("Choose who signed the loan agreement: the resident or a proxy."), code="signer"
        )
    if signed_by == Loan.Signer.PROXY and not (name and relation):
        raise ValidationError(
            _(
                "A proxy signed: write down the proxy's name and their relationship to the "
                "resident (for example, eldest son)."
            ),
            code="proxy_signer",
        )
    if signed_by == Loan.Signer.NONE and not reason:
        raise ValidationError(
            _(
                "The loan agreement is not signed. Have it signed before handing the device "
                "over, or write down why the device is handed over without a signature."
            ),
            code="unsigned_reason",
        )
    max_reason = Loan._meta.get_field("unsigned_reason").max_length or 300
    if len(reason) > max_reason:
        raise ValidationError(
            _("The reason is too long: at most %(max)s characters.") % {"max": max_reason},
            code="unsigned_reason_long",
        )
    proxy = signed_by == Loan.Signer.PROXY
    return {
        "agreement_signed": bool(signed_by),
        "signed_by": signed_by,
        "proxy_signer_name": name if proxy else "",
        "proxy_signer_relation": relation if proxy else "",
        "unsigned_reason": "" if signed_by else reason,
    }


def loan_agreement_record_signed(
    *,
    loan: Loan,
    by,
    signed_by: str,
    proxy_signer_name: str = "",
    proxy_signer_relation: str = "",
) -> Loan:
    """Record that ``loan``'s agreement was signed later, by the resident or a proxy; return it.

    ``signed_by`` is Loan.Signer.RESIDENT or PROXY (then the proxy's name and relationship are
    required). Only an active loan can be marked; the reason it was handed over unsigned stays on
    the loan. Recording it again overwrites who signed. ``by`` is the acting user (kept for the
    signature of a future audit log). Raises ValidationError when the signer is missing or
    incomplete, or the loan is no longer active.
    """
    fields = loan_signature_fields(
        signed_by=signed_by,
        proxy_signer_name=proxy_signer_name,
        proxy_signer_relation=proxy_signer_relation,
        require_signed=True,
    )
    fields.pop("unsigned_reason")
    with transaction.atomic():
        # A conditional update, so a loan returned in the meantime is never marked.
        updated = Loan.objects.filter(pk=loan.pk, status=Loan.Status.ACTIVE).update(**fields)
        if not updated:
            current = Loan.objects.get(pk=loan.pk)
            raise ValidationError(
                _(
                    "This loan is not active (it is %(status)s), so its agreement can no longer "
                    "be recorded as signed."
                )
                % {"status": current.get_status_display()},
                code="not_active",
            )
    for name, value in fields.items():
        setattr(loan, name, value)
    return loan


def loan_agreement_draft(*, device, resident, venue, start_date: date | None = None) -> Loan:
    """An unsaved Loan of ``device`` to ``resident`` at ``venue`` (a classes.Venue) under the
    active policy, to print the draft agreement (下書き) before the device is lent.

    ``start_date`` is a local (JST) date, today by default; the due date follows the policy's
    term and the kit is all of the device's kit. Nothing is written. Raises ValidationError when
    there is no active policy or the device cannot be lent now.
    """
    policy = loan_policy_active()
    if not device.is_lendable:
        raise ValidationError(
            _("Device %(tag)s cannot be lent now: it is %(status)s.")
            % {"tag": device.asset_tag, "status": device.get_status_display()},
            code="not_lendable",
        )
    start = start_date or timezone.localdate()
    return Loan(
        device=device,
        resident=resident,
        policy=policy,
        venue=venue,
        start_date=start,
        due_date=start + timedelta(days=policy.term_days),
        kit_handed_over=",".join(device.kit_items),
    )
