"""Read queries for privacy: who is due for anonymisation under the retention rule, and
everything held about one resident for a disclosure request (本人開示)."""

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from classes.models import CallListEntry, Consultation, Registration
from loans.models import Loan, LoanApplication, LoanCheckIn
from residents.models import Resident, SkillAnswer, SkillAssessment
from residents.services import EDITABLE_FIELDS


def retention_cutoff(*, years: int | None = None, now: datetime | None = None) -> datetime:
    """The aware datetime ``years`` (default ``settings.RESIDENT_RETENTION_YEARS``) before
    ``now`` (default: the current time), same local (Asia/Tokyo) wall-clock time; 29 February
    becomes 28 February in a year without it."""
    years = settings.RESIDENT_RETENTION_YEARS if years is None else years
    now = timezone.localtime(now or timezone.now())
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def residents_inactive_since(*, cutoff: datetime) -> QuerySet[Resident]:
    """Residents not yet anonymised with no activity at or after ``cutoff`` (aware datetime).

    Activity: being registered (the record itself), a registration made, or for a session, at
    or after the cutoff (a future session counts); a consultation booked or held; a loan
    started, returned, or still active; a loan application made or still open; a loan check-in;
    a call list entry created or called. One query, ordered by id.
    """

    cutoff_day: date = timezone.localtime(cutoff).date()
    me = OuterRef("pk")
    registrations = Registration.objects.filter(resident=me).filter(
        Q(created_at__gte=cutoff) | Q(session__starts_at__gte=cutoff)
    )
    consultations = Consultation.objects.filter(resident=me).filter(
        Q(created_at__gte=cutoff) | Q(slot_start__gte=cutoff)
    )
    loans = Loan.objects.filter(resident=me).filter(
        Q(status=Loan.Status.ACTIVE)
        | Q(start_date__gte=cutoff_day)
        | Q(returned_on__gte=cutoff_day)
        | Q(created_at__gte=cutoff)
    )
    applications = LoanApplication.objects.filter(resident=me).filter(
        Q(applied_at__gte=cutoff) | ~Q(status=LoanApplication.Status.WITHDRAWN)
    )
    check_ins = LoanCheckIn.objects.filter(loan__resident=me, on__gte=cutoff_day)
    calls = CallListEntry.objects.filter(registration__resident=me).filter(
        Q(created_at__gte=cutoff) | Q(called_at__gte=cutoff)
    )
    assessments = SkillAssessment.objects.filter(resident=me, asked_on__gte=cutoff_day)
    return (
        Resident.objects.filter(anonymised_at__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(registrations))
        .exclude(Exists(consultations))
        .exclude(Exists(loans))
        .exclude(Exists(applications))
        .exclude(Exists(check_ins))
        .exclude(Exists(calls))
        .exclude(Exists(assessments))
        .order_by("id")
    )


# Everything staff may set, plus when the record was made and erased.
PROFILE_FIELDS = (*EDITABLE_FIELDS, "created_at", "anonymised_at")


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def resident_disclosure(*, resident: Resident) -> dict[str, Any]:
    """Everything held about ``resident``, as JSON-ready data (str/int/bool/None, lists, dicts).

    Keys: ``resident`` (profile fields), ``registrations`` (with session, venue, attendance),
    ``call_list`` (calls and reminders about those registrations), ``consultations``, ``loans``
    (with device and check-ins), ``loan_applications``, ``skill_assessments`` (the できること
    self-assessments with who asked and every answer), ``generated_at``. Datetimes are ISO 8601
    in Asia/Tokyo; dates ISO 8601. A fixed number of queries (9) however much is held.
    """

    profile = {field: _value(getattr(resident, field)) for field in PROFILE_FIELDS}
    profile["id"] = resident.pk
    profile["household"] = str(resident.get_household_display())
    profile["own_device"] = str(resident.get_own_device_display())

    registrations = [
        {
            "id": reg.pk,
            "session": reg.session.display_title,
            "session_kind": str(reg.session.get_kind_display()),
            "starts_at": _value(reg.session.starts_at),
            "place": reg.session.place_label,
            "status": str(reg.get_status_display()),
            "attendance": str(reg.get_attendance_display()),
            "companion": reg.companion,
            "walk_in": reg.is_walk_in,
            "registered_at": _value(reg.created_at),
            "cancelled_at": _value(reg.cancelled_at),
        }
        for reg in Registration.objects.filter(resident=resident)
        .select_related("session__topic", "session__venue")
        .order_by("session__starts_at", "id")
    ]
    calls = [
        {
            "registration_id": entry.registration_id,
            "session": entry.registration.session.display_title,
            "reason": str(entry.get_reason_display()),
            "status": str(entry.get_status_display()),
            "called_at": _value(entry.called_at),
            "email_sent_at": _value(entry.sent_at),
            "note": entry.note,
            "created_at": _value(entry.created_at),
        }
        for entry in CallListEntry.objects.filter(registration__resident=resident)
        .select_related("registration__session__topic")
        .order_by("created_at", "id")
    ]
    consultations = [
        {
            "id": c.pk,
            "session": c.session.display_title,
            "place": c.session.place_label,
            "slot_start": _value(c.slot_start),
            "category": str(c.get_category_display()),
            "resolved": c.resolved,
            "note": c.note,
            "booked_at": _value(c.created_at),
        }
        for c in Consultation.objects.filter(resident=resident)
        .select_related("session__topic", "session__venue")
        .order_by("slot_start", "id")
    ]
    loans = [
        {
            "id": loan.pk,
            "device": str(loan.device),
            "venue": loan.venue.name if loan.venue is not None else "",
            "status": str(loan.get_status_display()),
            "start_date": _value(loan.start_date),
            "due_date": _value(loan.due_date),
            "renewals": loan.renewals,
            "returned_on": _value(loan.returned_on),
            "kit_handed_over": loan.kit_handed_over,
            "kit_returned": loan.kit_returned,
            "agreement_signed": loan.agreement_signed,
            "signed_by": str(loan.get_signed_by_display()),
            "proxy_signer_name": loan.proxy_signer_name,
            "proxy_signer_relation": loan.proxy_signer_relation,
            "unsigned_reason": loan.unsigned_reason,
            "usage_data_consent": loan.usage_data_consent,
            "outcome": str(loan.get_outcome_display()),
            "notes": loan.notes,
            "check_ins": [
                {
                    "on": _value(ci.on),
                    "channel": str(ci.get_channel_display()),
                    "functions_used": ci.function_labels,
                    "difficulties": ci.difficulties,
                    "satisfaction": ci.satisfaction,
                }
                for ci in loan.check_ins.all()
            ],
        }
        for loan in Loan.objects.filter(resident=resident)
        .select_related("device", "venue")
        .prefetch_related("check_ins")
        .order_by("start_date", "id")
    ]
    applications = [
        {
            "id": app.pk,
            "policy": app.policy.name,
            "status": str(app.get_status_display()),
            "priority": app.priority,
            "applied_at": _value(app.applied_at),
            "waitlist_position": app.waitlist_position,
        }
        for app in LoanApplication.objects.filter(resident=resident)
        .select_related("policy")
        .order_by("applied_at", "id")
    ]
    skill_assessments = [
        {
            "id": a.pk,
            "asked_on": _value(a.asked_on),
            "point": str(a.get_point_display()),
            "channel": str(a.get_channel_display()),
            "uses_smartphone": str(a.get_uses_smartphone_display()),
            "asked_by": a.asked_by.get_username() if a.asked_by is not None else "",
            "entered_at": _value(a.created_at),
            "answers": [
                {"item": x.item.text, "answer": str(x.get_level_display())} for x in a.answers.all()
            ],
        }
        for a in SkillAssessment.objects.filter(resident=resident)
        .select_related("asked_by")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=SkillAnswer.objects.select_related("item").order_by(
                    "item__position", "item_id"
                ),
            )
        )
        .order_by("asked_on", "id")
    ]
    return {
        "generated_at": _value(timezone.now()),
        "resident": profile,
        "registrations": registrations,
        "call_list": calls,
        "consultations": consultations,
        "loans": loans,
        "loan_applications": applications,
        "skill_assessments": skill_assessments,
    }
