"""Loan paperwork: agreement (draft and final) and return receipt PDFs, recording who signed.
(The loan register is made in the background: ``reports.views_loan_register``.)

Same access as the other loan pages: administrators and center staff; staff only for loans made
at their venues (404 otherwise); coordinators and supporters get 403.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.roles import role_required
from loans.documents import LoanAgreementRenderer, ReturnReceiptRenderer
from loans.forms import CheckoutPickForm, RecordSignedForm
from loans.models import Device, Loan
from loans.services_documents import loan_agreement_draft, loan_agreement_record_signed
from loans.view_helpers import (
    LOAN_ROLES,
    can_see_reservation,
    get_loan_for_change,
    get_loan_for_user,
    venues_for,
)


def _pdf_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    # Residents' personal data: keep it out of shared caches and the browser cache.
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*LOAN_ROLES)
def agreement_pdf(request, pk: int):
    """The loan agreement (貸与同意書) of loan ``pk`` as an inline PDF."""
    loan = get_loan_for_user(request.user, pk)
    content = LoanAgreementRenderer(loan).render()
    return _pdf_response(content, f"loan-agreement-{loan.pk}.pdf")


@role_required(*LOAN_ROLES)
def agreement_draft_pdf(request):
    """The draft loan agreement (下書き) for the device and resident chosen on the lend page
    (GET ``device``, ``resident``), before the loan exists, as an inline PDF.

    Printed for today's date, the policy's term, all the device's kit and the lending venue the
    lend page proposes. Anything missing or not lendable: back to the lend page with the reason.
    A device reserved at another venue is not shown (404), as on the lend page.
    """
    pick = CheckoutPickForm(request.GET)
    picked = pick.cleaned_data if pick.is_valid() else {}
    device, resident = picked.get("device"), picked.get("resident")
    back = reverse("loans:checkout") + "?" + request.GET.urlencode()
    if device is None or resident is None:
        messages.error(request, _("Choose a device that can be lent and a resident first."))
        return redirect(back)
    if device.status == Device.Status.RESERVED and not can_see_reservation(request.user, device):
        raise Http404
    venues = list(venues_for(request.user))
    if not venues:
        raise PermissionDenied
    venue = next((v for v in venues if v.pk == device.home_venue_id), venues[0])
    try:
        draft = loan_agreement_draft(device=device, resident=resident, venue=venue)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, str(message))
        return redirect(back)
    content = LoanAgreementRenderer(draft, draft=True).render()
    return _pdf_response(content, f"loan-agreement-draft-{device.asset_tag}.pdf")


@require_POST
@role_required(*LOAN_ROLES)
def agreement_signed(request, pk: int):
    """Record who signed the agreement of a loan handed over unsigned (POST: ``signed_by``, and
    for a proxy ``proxy_signer_name`` and ``proxy_signer_relation``), then back to the loan page.
    """
    loan = get_loan_for_change(request.user, pk)
    form = RecordSignedForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("loans:loan_detail", pk=pk)
    data = form.cleaned_data
    try:
        loan_agreement_record_signed(
            loan=loan,
            by=request.user,
            signed_by=data["signed_by"],
            proxy_signer_name=data["proxy_signer_name"],
            proxy_signer_relation=data["proxy_signer_relation"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, str(message))
    else:
        messages.success(request, _("Recorded that the loan agreement was signed."))
    return redirect("loans:loan_detail", pk=pk)


@role_required(*LOAN_ROLES)
def return_receipt_pdf(request, pk: int):
    """The return receipt (返却受領書) of returned loan ``pk`` as an inline PDF.

    A loan not received back has no receipt: back to the loan page with a message.
    """
    loan = get_loan_for_user(request.user, pk)
    if loan.status != Loan.Status.RETURNED:
        messages.error(
            request,
            _("There is no return receipt: this loan is %(status)s, not returned.")
            % {"status": loan.get_status_display()},
        )
        return redirect("loans:loan_detail", pk=pk)
    content = ReturnReceiptRenderer(loan).render()
    return _pdf_response(content, f"return-receipt-{loan.pk}.pdf")
