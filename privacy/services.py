"""Erasing a resident's personal data, on request (本人の求め) or under the retention rule.

What is kept, so that report figures stay right: the row itself (registrations, attendance,
consultations and loans keep pointing at it and keep counting), ``district``, ``lives_in_city``,
``household``, ``own_device`` and consent flags (coarse, needed for aggregates), and the birth
**year**: ``birth_date`` becomes 1 July of that year. Figures by birth year, or by age band
computed from the birth year, are unchanged; an age computed to the day may move by at most one
year for an anonymised resident (mid-year keeps that error symmetric).

What is erased: name (becomes "匿名"), kana, phone, email, proxy contact, accessibility needs,
notes, the possible-duplicate link; on related rows, the free text that may name or describe the
person: a registration's companion, call list notes, consultation notes, loan notes and check-in
difficulties. The できること self-assessments (what the person can and cannot do, asked and
answered about them) are deleted with their answers: the outcome figures of reports made later
no longer count them; reports already made keep what they printed.
"""

import json
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classes.models import CallListEntry, Consultation, Registration
from kernel.audit import audit_record
from kernel.dates import date_full
from kernel.models import AuditAction
from loans.models import Loan, LoanApplication, LoanCheckIn
from residents.models import Resident, ResidentImport, ResidentImportRow, SkillAssessment

ANONYMOUS_NAME = "匿名"


class ErasureReason:
    """Why a resident's data was erased; stored in the audit trail (no free text: it could
    itself hold personal data)."""

    RESIDENT_REQUEST = "resident_request"
    PROXY_REQUEST = "proxy_request"
    DECEASED = "deceased"
    OTHER = "other"
    RETENTION = "retention"

    CHOICES = [
        (RESIDENT_REQUEST, gettext_lazy("Request from the resident")),
        (PROXY_REQUEST, gettext_lazy("Request from a family member or proxy")),
        (DECEASED, gettext_lazy("The resident has died")),
        (OTHER, gettext_lazy("Other")),
    ]


def _refuse_while_in_use(resident: Resident) -> None:

    loan = (
        Loan.objects.filter(resident=resident, status=Loan.Status.ACTIVE)
        .select_related("device")
        .first()
    )
    if loan is not None:
        raise ValidationError(
            _(
                "%(name)s still has device %(tag)s on loan. Receive the device back (or mark "
                "it lost) first, then erase the data."
            )
            % {"name": resident.name, "tag": loan.device.asset_tag}
        )
    upcoming = (
        Registration.objects.filter(resident=resident, session__starts_at__gte=timezone.now())
        .exclude(status=Registration.Status.CANCELLED)
        .count()
    )
    if upcoming:
        raise ValidationError(
            _(
                "%(name)s is registered for %(count)s upcoming session(s). Cancel those "
                "registrations first, so that the seats go to the waitlist."
            )
            % {"name": resident.name, "count": upcoming}
        )
    if (
        LoanApplication.objects.filter(resident=resident)
        .exclude(status=LoanApplication.Status.WITHDRAWN)
        .exists()
    ):
        raise ValidationError(
            _("%(name)s has an open loan application. Withdraw it first, then erase the data.")
            % {"name": resident.name}
        )


def _erase_related(resident: Resident, *, former: tuple[str, ...] = ()) -> None:

    Registration.objects.filter(resident=resident).exclude(companion="").update(companion="")
    CallListEntry.objects.filter(registration__resident=resident).exclude(note="").update(note="")
    Consultation.objects.filter(resident=resident).exclude(note="").update(note="")
    Loan.objects.filter(resident=resident).exclude(notes="").update(notes="")
    LoanCheckIn.objects.filter(loan__resident=resident).exclude(difficulties="").update(
        difficulties=""
    )
    # Their answers go with them (CASCADE); the deletions are not audited one by one: the
    # erasure event below stands for them.
    for assessment in SkillAssessment.objects.filter(resident=resident):
        assessment._audit_skip = True  # type: ignore[attr-defined]  # read by kernel.audit
        assessment.delete()
    # The import reports: the resident's rows lose their name and reason (the outcome stays
    # counted); their former name, kana and phone (``former``) are taken out of the text report
    # and the preview of every run that imported them.
    runs = set(ResidentImportRow.objects.filter(resident=resident).values_list("run_id", flat=True))
    ResidentImportRow.objects.filter(resident=resident).update(name="", reason="")
    values = [v for v in former if v and v.strip()]
    if values:
        for run in ResidentImport.objects.filter(pk__in=runs).only("report", "preview"):
            report, preview = run.report, json.dumps(run.preview, ensure_ascii=False)
            for value in values:
                report = report.replace(value, ANONYMOUS_NAME)
                preview = preview.replace(json.dumps(value, ensure_ascii=False)[1:-1], "")
            ResidentImport.objects.filter(pk=run.pk).update(
                report=report, preview=json.loads(preview)
            )


def resident_anonymise(*, resident: Resident, by=None, reason: str) -> Resident:
    """Erase ``resident``'s personal data (see the module docstring) and return the row.

    ``by``: the user acting (None for the retention task). ``reason``: an ``ErasureReason``
    value; ``ErasureReason.RETENTION`` records an "anonymise" audit event, anything else an
    "erase" (on request) event; neither holds personal data. Runs in one transaction with the
    resident row locked. Raises ValidationError while the resident has a device on loan, an
    upcoming registration or an open loan application, or when the data is already erased.
    """
    with transaction.atomic():
        locked = Resident.objects.select_for_update().get(pk=resident.pk)
        if locked.anonymised_at is not None:
            raise ValidationError(
                _("This resident's personal data was already erased on %(day)s.")
                % {"day": date_full(locked.anonymised_at)}
            )
        _refuse_while_in_use(locked)
        former = (locked.name, locked.name_kana, locked.phone)
        locked.name = ANONYMOUS_NAME
        for field in (
            "name_kana",
            "phone",
            "email",
            "accessibility_needs",
            "proxy_name",
            "proxy_phone",
            "proxy_relation",
            "notes",
        ):
            setattr(locked, field, "")
        if locked.birth_date is not None:
            locked.birth_date = date(locked.birth_date.year, 7, 1)
        locked.possible_duplicate_of = None
        locked.anonymised_at = timezone.now()
        # The explicit event below replaces the generic "changed" one.
        locked._audit_skip = True  # type: ignore[attr-defined]  # read by project.audit
        locked.save()
        # Records flagged against this one no longer have anything to compare with.
        Resident.objects.filter(possible_duplicate_of=locked).update(possible_duplicate_of=None)
        _erase_related(locked, former=former)
        audit_record(
            action=AuditAction.ANONYMISE
            if reason == ErasureReason.RETENTION
            else AuditAction.ERASE,
            obj=locked,
            user=by,
            summary=f"reason: {reason}",
        )
    return locked
