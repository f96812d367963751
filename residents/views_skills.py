"""The できること self-assessment pages: staff enter a resident's answers from a phone call or a
paper form, correct or delete one asking, and print the paper form (blank, or with the
resident's name).

Administrators and center staff of any venue (residents are shared by all venues, like the
rest of their record); coordinators and supporters get 403.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from kernel.confirm import confirm_page, is_confirmed
from kernel.dates import date_full
from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.roles import role_required
from residents import selectors_skills, services_skills
from residents.forms_skills import SkillAssessmentForm, skill_assessment_initial
from residents.models import Resident, SkillAssessment
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


def _assessment_or_404(resident_id: int, assessment_id: int) -> SkillAssessment:
    assessment = selectors_skills.skill_assessment_of(
        resident_id=resident_id, assessment_id=assessment_id
    )
    if assessment is None:
        raise Http404
    return assessment


def _detail_url(resident_id: int) -> str:
    return reverse("residents:detail", args=[resident_id]) + "#h-skills"


@role_required(*MANAGE_ROLES)
def skills_edit(request, pk: int, assessment_pk: int):
    """GET/POST: correct self-assessment ``assessment_pk`` of resident ``pk`` (404 when either
    is unknown or the assessment is another resident's): the entry form, prefilled with its
    answers; saving replaces them. Saved once per form (a double click saves once); redirects
    to the resident page with a message."""
    assessment = _assessment_or_404(pk, assessment_pk)
    resident = assessment.resident
    items = selectors_skills.skill_items_for_assessment(assessment)
    form = SkillAssessmentForm(
        request.POST or None, items=items, initial=skill_assessment_initial(assessment)
    )
    detail_url = _detail_url(resident.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with submitted_once(request) as once:
                services_skills.skill_assessment_update(
                    assessment=assessment,
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
        except SkillAssessment.DoesNotExist as exc:
            raise Http404 from exc  # deleted by someone else meanwhile
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The corrected self-assessment was saved."))
            return redirect(detail_url)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "residents/skills_form.html",
        {"resident": resident, "form": form, "items": items, "assessment": assessment},
        status=status,
    )


@role_required(*MANAGE_ROLES)
def skills_delete(request, pk: int, assessment_pk: int):
    """GET, or a POST without ``confirmed=yes``: the confirmation page naming the resident and
    the asking (nothing is deleted). The confirmed POST deletes the assessment and its answers
    and returns to the resident page with a message. 404 when the resident or the assessment is
    unknown (or another resident's); a confirmed POST of an assessment already deleted (a
    double click) returns to the resident page saying so."""
    resident = get_object_or_404(Resident, pk=pk)
    detail_url = _detail_url(resident.pk)
    assessment = selectors_skills.skill_assessment_of(
        resident_id=resident.pk, assessment_id=assessment_pk
    )
    if assessment is None and not is_confirmed(request):
        raise Http404
    if assessment is not None and not is_confirmed(request):
        day = date_full(assessment.asked_on)
        return confirm_page(
            request,
            title=_("Delete this self-assessment?"),
            question=_("Delete the self-assessment of %(name)s asked on %(day)s?")
            % {"name": resident.name, "day": day},
            facts=[
                (_("Resident"), resident.name),
                (_("Date asked"), day),
                (_("When in the program"), assessment.get_point_display()),
                (_("Items answered"), str(len(assessment.answers.all()))),
            ],
            note=_(
                "Its answers are removed from the resident's record and from the reports. "
                "This cannot be undone; to change answers, correct the self-assessment instead."
            ),
            action_label=_("Delete the self-assessment"),
            back_url=detail_url,
        )
    deleted = assessment is not None and services_skills.skill_assessment_delete(
        assessment=assessment, by=request.user
    )
    if deleted:
        messages.success(request, _("The self-assessment was deleted."))
    else:
        messages.info(request, _("This self-assessment was already deleted."))
    return redirect(detail_url)


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
