"""The activity certificate (活動証明書) page: pick a supporter and a period, download the PDF.

Roles: the administrator and coordinator for any supporter; a supporter for themself only (a
``supporter`` parameter they send is ignored); center staff get 403.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.models import Role
from kernel.roles import role_required, user_role
from reports.activity_certificate import ActivityCertificateRenderer
from reports.figures import fiscal_year_of, fiscal_year_period
from volunteers.forms_hours import CertificateForm, PeriodForm
from volunteers.models import Supporter
from volunteers.selectors_hours import approved_hours_rows


@role_required(Role.ADMINISTRATOR, Role.COORDINATOR, Role.SUPPORTER)
def activity_certificate(request: HttpRequest) -> HttpResponse:
    """GET without ``date_from``: the form. GET with it: the PDF (attachment), or the form with
    the errors (to before from, longer than a year, no approved hours) and status 400."""
    own = None
    if user_role(request.user) == Role.SUPPORTER:
        assert request.user.is_authenticated, "role_required lets only logged-in users through"
        own = Supporter.objects.filter(user=request.user).first()
        if own is None:
            raise Http404
    form_class = PeriodForm if own is not None else CertificateForm
    today = timezone.localdate()
    initial = {"date_from": fiscal_year_period(fiscal_year_of(today)).start, "date_to": today}
    if "date_from" not in request.GET:
        form = form_class(initial=initial)
        return render(request, "reports/activity_certificate_form.html", {"form": form, "own": own})
    form = form_class(request.GET)
    if form.is_valid():
        supporter = own or form.cleaned_data["supporter"]
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        rows = approved_hours_rows(supporter=supporter, date_from=date_from, date_to=date_to)
        if rows:
            renderer = ActivityCertificateRenderer(supporter, date_from, date_to, rows)
            response = HttpResponse(renderer.render(), content_type="application/pdf")
            file_name = (
                f"activity-certificate-{supporter.pk}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{file_name}"'
            response["Cache-Control"] = "private, no-store"
            return response
        form.add_error(
            None,
            _("%(name)s has no approved hours in this period. Approve the hours first.")
            % {"name": supporter.name},
        )
    context = {"form": form, "own": own}
    return render(request, "reports/activity_certificate_form.html", context, status=400)
