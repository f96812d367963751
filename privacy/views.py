"""Disclosure (本人開示) and erasure on request, for the program administrator only: both hand
over or destroy a person's whole record, so no venue staff may do them."""

import io
import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import audit_record
from kernel.models import AuditAction, Role
from kernel.roles import role_required
from kernel.spreadsheets import csv_writer
from privacy.selectors import resident_disclosure
from privacy.services import ErasureReason, resident_anonymise
from residents.models import Resident

FORMATS = ("json", "csv")


def _csv(data: dict) -> bytes:
    """One CSV readable in Excel: the profile as "item, value" rows, then a titled table per
    section. UTF-8 with a byte-order mark, so Excel in Japanese shows the kanji."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        [_("Personal data held about resident #%(id)s") % {"id": data["resident"]["id"]}]
    )
    writer.writerow([_("Generated at"), data["generated_at"]])
    writer.writerow([])
    writer.writerow([_("Profile")])
    for key, value in data["resident"].items():
        writer.writerow([key, "" if value is None else value])
    for section in (
        "registrations",
        "call_list",
        "consultations",
        "loans",
        "loan_applications",
        "skill_assessments",
    ):
        rows = data[section]
        writer.writerow([])
        writer.writerow([section, len(rows)])
        if not rows:
            continue
        header = [key for key in rows[0] if key not in ("check_ins", "answers")]
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row[key] is None else row[key] for key in header])
        if section == "loans":
            writer.writerow([])
            writer.writerow(["check_ins"])
            writer.writerow(
                ["loan_id", "on", "channel", "functions_used", "difficulties", "satisfaction"]
            )
            for loan in rows:
                for ci in loan["check_ins"]:
                    writer.writerow(
                        [
                            loan["id"],
                            ci["on"],
                            ci["channel"],
                            "、".join(ci["functions_used"]),
                            ci["difficulties"],
                            ci["satisfaction"],
                        ]
                    )
    writer.writerow([])
    writer.writerow(["skill_answers"])
    writer.writerow(["assessment_id", "asked_on", "item", "answer"])
    for assessment in data["skill_assessments"]:
        for answer in assessment["answers"]:
            writer.writerow(
                [assessment["id"], assessment["asked_on"], answer["item"], answer["answer"]]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@role_required(Role.ADMINISTRATOR)
def disclosure_export(request, pk: int, fmt: str):
    """GET: everything held about one resident as a download, ``fmt`` ``json`` or ``csv``
    (UTF-8 with BOM); recorded in the audit trail. Administrators only; 404 for another format."""
    if fmt not in FORMATS:
        raise Http404
    resident = get_object_or_404(Resident, pk=pk)
    data = resident_disclosure(resident=resident)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        content_type = "application/json; charset=utf-8"
    else:
        body = _csv(data)
        content_type = "text/csv; charset=utf-8"
    audit_record(action=AuditAction.EXPORT, obj=resident, summary=f"disclosure {fmt}")
    response = HttpResponse(body, content_type=content_type)
    day = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="resident-{resident.pk}-disclosure-{day}.{fmt}"'
    )
    return response


class EraseForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why is the data erased?"),
        choices=ErasureReason.CHOICES,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that the name, contact details and notes are erased for good."
        ),
        required=True,
    )


@role_required(Role.ADMINISTRATOR)
def erase(request, pk: int):
    """GET/POST: erase a resident's personal data on request (a reason and a confirmation tick),
    keeping the anonymous figures. Administrators only."""
    resident = get_object_or_404(Resident, pk=pk)
    form = EraseForm(request.POST or None)
    if resident.anonymised_at is not None:
        messages.info(request, _("This resident's personal data has already been erased."))
        return redirect("residents:detail", pk=resident.pk)
    if request.method == "POST" and form.is_valid():
        try:
            resident_anonymise(
                resident=resident, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "The personal data of resident #%(id)s was erased. Attendance and loan "
                    "figures still count them."
                )
                % {"id": resident.pk},
            )
            return redirect("residents:detail", pk=resident.pk)
    return render(request, "residents/resident_erase.html", {"resident": resident, "form": form})
