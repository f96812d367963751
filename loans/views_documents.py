"""Loan paperwork: agreement (draft and final) and return receipt PDFs, recording who signed,
the register export.

Same access as the other loan pages: administrators and center staff; staff only for loans made
at their venues (404 otherwise); coordinators and supporters get 403.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kernel.date_ranges import RECORD_DATES, DateField
from kernel.roles import role_required, venue_ids_for
from loans.documents import LoanAgreementRenderer, ReturnReceiptRenderer
from loans.exports import register_csv, register_loans, register_rows, register_xlsx
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

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RegisterExportForm(forms.Form):
    """Period and file format of the loan register (GET)."""

    date_from = DateField(label=gettext_lazy("From"), date_range=RECORD_DATES)
    date_to = DateField(label=gettext_lazy("To"), date_range=RECORD_DATES)
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)")],
        initial="xlsx",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(
                gettext_lazy("The end of the period must not be before its start.")
            )
        return data


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


@role_required(*LOAN_ROLES)
def register_export(request):
    """The loan register (貸与台帳) of a period as a CSV or Excel download.

    GET ``date_from``, ``date_to`` (YYYY-MM-DD, inclusive) and ``format`` (csv / xlsx). Bad input
    sends the user back to the loan list with the reason.
    """
    form = RegisterExportForm(request.GET)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect("loans:loan_list")
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    loans = register_loans(date_from=start, date_to=end, venue_ids=venue_ids_for(request.user))
    rows = register_rows(loans)
    stem = f"loan-register-{start:%Y%m%d}-{end:%Y%m%d}"
    if form.cleaned_data["format"] == "csv":
        response = HttpResponse(register_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    else:
        response = HttpResponse(register_xlsx(rows), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
