"""Resident pages: list and search, detail with history, create/edit, import, duplicates review.

Administrators and center staff use them all; coordinators may look at the list and details;
supporters get 403.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kernel.audit import residents_shown
from kernel.models import Role
from kernel.once import AlreadySubmitted, already_saved, submitted_once
from kernel.redirects import safe_next
from kernel.roles import role_required, user_role, venue_ids_for
from residents import selectors, selectors_skills, services, services_import
from residents.forms import ImportForm, ResidentCreateForm, ResidentForm, SearchForm
from residents.importing.headers import field_label
from residents.importing.report import report_csv, report_workbook
from residents.models import Resident, ResidentImport, ResidentImportRow

MANAGE_ROLES = (Role.ADMINISTRATOR, Role.STAFF)
VIEW_ROLES = (Role.ADMINISTRATOR, Role.STAFF, Role.COORDINATOR)
FORM_FIELDS = tuple(ResidentForm.base_fields)


def _add_form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@role_required(*VIEW_ROLES)
def resident_list(request):
    """GET: the search box and its matches (50 at most), or every resident in kana order,
    50 a page. Office roles; supporters 403."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context = {"form": form, "query": query, "can_manage": user_role(request.user) in MANAGE_ROLES}
    if query:
        parsed = selectors.search_query_parse(query)
        context["parsed"] = parsed
        context["results"] = list(selectors.resident_search(query=query, limit=50))
    else:
        context["page"] = Paginator(selectors.resident_list(), 50).get_page(request.GET.get("page"))
    if context["can_manage"]:
        context["duplicates_count"] = selectors.resident_duplicates_pending().count()
    return render(request, "residents/resident_list.html", context)


@role_required(*VIEW_ROLES)
def resident_detail(request, pk: int):
    """GET: one resident with their registrations and the loans of the user's venues (the
    others only counted; 404 if unknown). Office roles."""
    try:
        history = selectors.resident_detail(pk=pk, venue_ids=venue_ids_for(request.user))
    except Resident.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "residents/resident_detail.html",
        {
            "history": history,
            "resident": history.resident,
            "skills": selectors_skills.resident_skill_history(resident=history.resident),
            "can_manage": user_role(request.user) in MANAGE_ROLES,
        },
    )


@role_required(*MANAGE_ROLES)
def resident_create(request):
    """GET/POST: register a resident. A likely duplicate is listed and must be confirmed with
    "create anyway". Redirects to the detail page, or back to a safe ``next`` path with
    ``?resident=<id>`` (the phone-registration screen). ``?name_kana=`` / ``?name=`` prefill the
    form (the phone screen passes what was searched). Administrators and staff."""
    # From the phone screen's search: the kana (or name) the caller gave, so nobody types it twice.
    initial = {
        f: request.GET[f][:100].strip()
        for f in ("name", "name_kana")
        if request.method == "GET" and request.GET.get(f, "").strip()
    }
    form = ResidentCreateForm(request.POST or None, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in FORM_FIELDS}
        next_url = safe_next(request)
        try:
            # A double click registers the resident once: the second click is answered before
            # the duplicate check, which would otherwise take the first click's resident for a
            # likely duplicate.
            with submitted_once(request) as once:
                duplicates = list(
                    selectors.resident_likely_duplicates(
                        name_kana=data["name_kana"],
                        birth_date=data["birth_date"],
                        phone=data["phone"],
                    )
                )
                if duplicates and not form.cleaned_data["create_anyway"]:
                    # Leaves the token unused: the form comes back to be confirmed.
                    raise ValidationError(
                        _(
                            "This may be a resident who is already registered (listed below). "
                            'Open them to check, or tick "create anyway" if this is a different '
                            "person."
                        )
                    )
                resident, _dups = services.resident_create(
                    by=request.user, confirmed_not_duplicate=bool(duplicates), **data
                )
                if next_url:
                    # Back to the phone screen with the new resident chosen.
                    joiner = "&" if "?" in next_url else "?"
                    once.result_url = f"{next_url}{joiner}resident={resident.pk}"
                else:
                    once.result_url = reverse("residents:detail", args=[resident.pk])
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("residents:list"))
        except ValidationError as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": resident.name})
            return redirect(once.result_url)
    return render(
        request,
        "residents/resident_form.html",
        {"form": form, "duplicates": duplicates, "next": safe_next(request)},
    )


@role_required(*MANAGE_ROLES)
def resident_edit(request, pk: int):
    """GET/POST: change a resident's details (404 if unknown). Administrators and staff."""
    resident = get_object_or_404(Resident, pk=pk)
    initial = {f: getattr(resident, f) for f in FORM_FIELDS}
    form = ResidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in FORM_FIELDS}
        try:
            resident = services.resident_update(resident=resident, by=request.user, **data)
        except ValidationError as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("residents:detail", pk=resident.pk)
    return render(request, "residents/resident_form.html", {"form": form, "resident": resident})


@role_required(*MANAGE_ROLES)
def import_upload(request):
    """GET/POST: upload a staff-kept list (.xlsx or CSV). The file is stored and read by a task;
    redirects to its page (progress, then the preview to confirm). Shows the last 10 runs.
    Administrators and staff."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            # A double click on "Upload" stores and reads the list once.
            with submitted_once(request) as once:
                run = services_import.resident_import_upload(
                    upload=form.cleaned_data["file"], by=request.user
                )
                once.result_url = reverse("residents:import_detail", args=[run.pk])
        except AlreadySubmitted as done:
            return already_saved(request, done, reverse("residents:import"))
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, _("The list was received and is being read."))
            return redirect("residents:import_detail", pk=run.pk)
    recent = ResidentImport.objects.select_related("created_by").defer("report", "preview")[:10]
    return render(request, "residents/import.html", {"form": form, "recent": recent})


# The page shows this many report lines; the download has every row.
REPORT_LINES_SHOWN = 300


@role_required(*MANAGE_ROLES)
def import_detail(request, pk: int):
    """GET: one import run: its progress while a task reads or imports it (the page refreshes
    itself), the preview to confirm, or the counts and report (404 if unknown)."""
    run = get_object_or_404(ResidentImport.objects.select_related("created_by"), pk=pk)
    lines = run.report.splitlines()
    return render(
        request,
        "residents/import_detail.html",
        {
            "run": run,
            "same_file": list(services_import.same_file_runs(run)[:5]),
            "report_lines": "\n".join(lines[:REPORT_LINES_SHOWN]),
            "report_cut": max(len(lines) - REPORT_LINES_SHOWN, 0),
            "preview_rows": run.preview.get("rows", []) if run.preview else [],
            "columns": [
                (text, field_label(key) if key and key != "ignored" else "", key)
                for text, key in run.columns
                if text
            ],
        },
    )


@require_POST
@role_required(*MANAGE_ROLES)
def import_confirm(request, pk: int):
    """POST: import a previewed list (queued; its page shows the progress)."""
    run = get_object_or_404(ResidentImport, pk=pk)
    try:
        services_import.resident_import_confirm(run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import has started."))
    return redirect("residents:import_detail", pk=run.pk)


@role_required(*MANAGE_ROLES)
def import_report_download(request, pk: int):
    """GET ``?format=csv`` (default) or ``xlsx``: the run's report row by row, every cell
    neutralised (``kernel.spreadsheets``); recorded in the audit trail as an export of the
    residents it names. 404 if unknown."""
    run = get_object_or_404(ResidentImport, pk=pk)
    residents_shown(
        ResidentImportRow.objects.filter(run=run, resident__isnull=False).values_list(
            "resident_id", flat=True
        )
    )
    stem = f"import-report-{run.pk}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            report_workbook(run),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    else:
        response = HttpResponse(report_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*MANAGE_ROLES)
def duplicate_list(request):
    """GET: residents flagged as possible duplicates, waiting for a person (200 at most)."""
    flagged = list(selectors.resident_duplicates_pending()[:200])
    return render(request, "residents/duplicates.html", {"flagged": flagged})


@require_POST
@role_required(*MANAGE_ROLES)
def duplicate_resolve(request, pk: int):
    """POST ``action=merge|different``: merge the flagged resident into the one it matched, or
    keep it as a different person. Redirects to the duplicates list with a message."""
    resident = get_object_or_404(Resident, pk=pk)
    action = request.POST.get("action")
    if action not in ("merge", "different"):
        messages.error(request, _('Choose "same person" or "different person".'))
        return redirect("residents:duplicates")
    name = resident.name
    try:
        kept = services.duplicate_resolve(
            resident=resident, same_person=action == "merge", by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("residents:duplicates")
    if action == "merge":
        messages.success(
            request,
            _("%(name)s was merged into %(kept)s (#%(id)s).")
            % {"name": name, "kept": kept.name, "id": kept.pk},
        )
    else:
        messages.success(
            request, _("%(name)s is kept as a different person.") % {"name": kept.name}
        )
    return redirect("residents:duplicates")
