"""The できること self-assessment pages: staff enter a resident's answers from a phone call or a
paper form, and print the paper form (blank, or with the resident's name).

Administrators and center staff; coordinators and supporters get 403.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required
from residents import selectors_skills, services_skills
from residents.forms_skills import SkillAssessmentForm
from residents.models import Resident
from residents.skills_form_pdf import SkillFormRenderer

MANAGE_ROLES = (Role.ADMINISTRATOR, Role.STAFF)


def _pdf_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _add_errors(form: SkillAssessmentForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@role_required(*MANAGE_ROLES)
def skills_new(request, pk: int):
    """GET/POST: enter one self-assessment of resident ``pk`` (404 if unknown): when, how, the
    smartphone question and one answer per active item. Saved once per form (a double click
    saves once); redirects to the resident page."""
    resident = get_object_or_404(Resident, pk=pk)
    items = list(selectors_skills.skill_items_asked())
    form = SkillAssessmentForm(request.POST or None, items=items)
    detail_url = reverse("residents:detail", args=[resident.pk]) + "#h-skills"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with submitted_once(request) as once:
                services_skills.skill_assessment_record(
                    resident=resident,
                    point=data["point"],
                    asked_on=data["asked_on"],
                    channel=data["channel"],
                    uses_smartphone=data["uses_smartphone"],
                    answers=form.answers(),
                    by=request.user,
                )
                once.result_url = detail_url
        except AlreadySubmitted as done:
            return already_saved(request, done, detail_url)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The self-assessment was saved."))
            return redirect(detail_url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "residents/skills_form.html",
        {"resident": resident, "form": form, "items": items},
        status=status,
    )


@role_required(*MANAGE_ROLES)
def skills_form_pdf(request):
    """GET: the blank paper form of the self-assessment (one A4 page, inline PDF)."""
    content = SkillFormRenderer(list(selectors_skills.skill_items_asked())).render()
    return _pdf_response(content, "skills-form.pdf")


@role_required(*MANAGE_ROLES)
def skills_form_resident_pdf(request, pk: int):
    """GET: the paper form with resident ``pk``'s name printed in (404 if unknown); recorded in
    the audit trail as an export."""
    resident = get_object_or_404(Resident, pk=pk)
    items = list(selectors_skills.skill_items_asked())
    content = SkillFormRenderer(items, resident=resident).render()
    return _pdf_response(content, f"skills-form-{resident.pk}.pdf")
