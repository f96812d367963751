"""State changes around the loan paperwork."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from loans.models import Loan


def loan_agreement_record_signed(*, loan: Loan, by) -> Loan:
    """Record that the resident (or proxy) signed the loan agreement of ``loan``; return the loan.

    Only an active loan can be marked: the paper is signed at the desk when the device is handed
    over. Recording it twice is harmless. ``by`` is the acting user (kept for the signature of a
    future audit log). Raises ValidationError when the loan is no longer active.
    """
    with transaction.atomic():
        # A conditional update, so a loan returned in the meantime is never marked.
        updated = Loan.objects.filter(pk=loan.pk, status=Loan.Status.ACTIVE).update(
            agreement_signed=True
        )
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
    loan.agreement_signed = True
    return loan
