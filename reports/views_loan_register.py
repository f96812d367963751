"""Asking for the loan register (貸与台帳) of a period from the loans page.

The file is made by the report task (``reports.loan_register``); this view only records the
request and sends the user to the reports page, which shows its progress and, once it is made,
the download link (``reports:report_download``, rights checked and audited). Administrators and
center staff only, as on the other loan pages.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required
from reports.forms import LoanRegisterForm
from reports.services import loan_register_request


@require_POST
@role_required(Role.ADMINISTRATOR, Role.STAFF)
def loan_register(request: HttpRequest) -> HttpResponse:
    """POST ``date_from``, ``date_to`` (YYYY-MM-DD or 和暦, inclusive) and ``format`` (csv /
    xlsx): queue the register of the venues the user may see and go to the reports page. Bad
    input sends the user back to the loan list with the reason; nothing is queued then."""
    form = LoanRegisterForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect("loans:loan_list")
    data = form.cleaned_data
    reports_page = reverse("reports:report_list")
    try:
        with submitted_once(request) as once:
            report = loan_register_request(
                date_from=data["date_from"],
                date_to=data["date_to"],
                format=data["format"],
                by=request.user,
            )
            once.result_url = reports_page
    except AlreadySubmitted as done:
        return already_saved(request, done, reports_page)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("loans:loan_list")
    report.refresh_from_db(fields=["status"])
    if report.status == report.Status.FAILED:
        messages.error(
            request,
            _(
                "The report could not be queued: the background task service does not answer. "
                "Try again in a moment with the Retry button."
            ),
        )
    else:
        messages.success(
            request, _("The loan register is being made. This page shows when it is ready.")
        )
    return redirect(reports_page)
