"""State changes of the できること self-assessment: the default items, and recording one asking
with its answers (entered by staff from a phone call or a paper form), correcting it and
deleting it."""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.audit import audit_record
from kernel.dates import date_full
from kernel.models import AuditAction
from residents.models import Resident
from residents.models_skills import (
    DEFAULT_SKILL_ITEMS,
    SkillAnswer,
    SkillAssessment,
    SkillItem,
    SkillLevel,
)


def skill_items_ensure() -> int:
    """Create the default items (``DEFAULT_SKILL_ITEMS``) whose code is missing and return how
    many were created. Existing items, with the administrator's wording, are left alone."""
    existing = set(SkillItem.objects.values_list("code", flat=True))
    created = 0
    for position, (code, text, text_en) in enumerate(DEFAULT_SKILL_ITEMS, start=1):
        if code not in existing:
            SkillItem.objects.create(code=code, position=position * 10, text=text, text_en=text_en)
            created += 1
    return created


def _checked_answers(
    *,
    resident: Resident,
    point: str,
    asked_on: date,
    channel: str,
    answers: Mapping[int, str],
    uses_smartphone: str,
) -> dict[int, str]:
    """The answers given ({item id: level}, blanks left out), or ValidationError by field."""
    errors: dict[str, list[str]] = {}
    if resident.anonymised_at is not None:
        raise ValidationError(
            _("This resident's personal data was erased on %(day)s; nothing more is recorded.")
            % {"day": date_full(resident.anonymised_at)}
        )
    if point not in SkillAssessment.Point.values:
        errors.setdefault("point", []).append(_("Choose when in the program this was asked."))
    if channel not in SkillAssessment.Channel.values:
        errors.setdefault("channel", []).append(_("Choose how the answers were taken."))
    if asked_on > timezone.localdate():
        errors.setdefault("asked_on", []).append(
            _("The date is in the future; give the day the resident was asked.")
        )
    if uses_smartphone not in SkillAssessment.Smartphone.values:
        errors.setdefault("uses_smartphone", []).append(_("Answer yes or no."))
    elif point == SkillAssessment.Point.FOLLOW_UP and not uses_smartphone:
        errors.setdefault("uses_smartphone", []).append(
            _("At a follow-up, ask whether the resident still uses a smartphone.")
        )
    given = {int(item_id): level for item_id, level in answers.items() if level}
    if not given:
        errors.setdefault("__all__", []).append(
            _("No item was answered. Choose an answer for at least one item.")
        )
    known = set(SkillItem.objects.filter(pk__in=given).values_list("pk", flat=True))
    if set(given) - known:
        errors.setdefault("__all__", []).append(
            _("An item of this form no longer exists; open the form again.")
        )
    if any(level not in SkillLevel.values for level in given.values()):
        errors.setdefault("__all__", []).append(_("An answer is not one of the three choices."))
    if errors:
        raise ValidationError(errors)
    return given


def skill_assessment_record(
    *,
    resident: Resident,
    point: str,
    asked_on: date,
    channel: str,
    answers: Mapping[int, str],
    uses_smartphone: str = "",
    by=None,
) -> SkillAssessment:
    """Record one asking of the self-assessment and return it.

    ``point``: a ``SkillAssessment.Point`` value; ``asked_on``: the local (Asia/Tokyo) day the
    resident was asked, not in the future; ``channel``: a ``SkillAssessment.Channel`` value;
    ``answers``: {SkillItem id: ``SkillLevel`` value} for the items answered (items left blank
    are left out); ``uses_smartphone``: "yes", "no" or "" (required at a follow-up); ``by``: the
    staff member who asked. Saves the assessment and its answers in one transaction; the audit
    trail gets a CREATE event (``kernel.audit``'s signals). Raises ValidationError (by field)
    for an erased resident, a day in the future, no answer at all, an unknown item or answer,
    or a follow-up without the smartphone question.
    """
    given = _checked_answers(
        resident=resident,
        point=point,
        asked_on=asked_on,
        channel=channel,
        answers=answers,
        uses_smartphone=uses_smartphone,
    )
    with transaction.atomic():
        assessment = SkillAssessment.objects.create(
            resident=resident,
            point=point,
            asked_on=asked_on,
            channel=channel,
            uses_smartphone=uses_smartphone,
            asked_by=by if getattr(by, "is_authenticated", False) else None,
        )
        SkillAnswer.objects.bulk_create(
            SkillAnswer(assessment=assessment, item_id=item_id, level=level)
            for item_id, level in sorted(given.items())
        )
    return assessment


def skill_assessment_update(
    *,
    assessment: SkillAssessment,
    point: str,
    asked_on: date,
    channel: str,
    answers: Mapping[int, str],
    uses_smartphone: str = "",
    by=None,
) -> SkillAssessment:
    """Correct one asking: its point, day, channel and smartphone answer become the ones given
    and its answers are replaced by ``answers`` (an item left blank loses its answer). Returns
    the assessment as saved.

    The arguments mean what they mean for ``skill_assessment_record`` and are checked the same
    way (same ValidationError messages); who asked stays who asked, ``by`` is who corrected.
    One transaction under the assessment's row lock, so two corrections at once apply one
    after the other. When something changed, one CHANGE event names the changed fields
    (``answers`` for the answers) and the resident. Raises SkillAssessment.DoesNotExist when
    the assessment was deleted meanwhile.
    """
    given = _checked_answers(
        resident=assessment.resident,
        point=point,
        asked_on=asked_on,
        channel=channel,
        answers=answers,
        uses_smartphone=uses_smartphone,
    )
    values = {
        "point": point,
        "asked_on": asked_on,
        "channel": channel,
        "uses_smartphone": uses_smartphone,
    }
    with transaction.atomic():
        locked = SkillAssessment.objects.select_for_update().get(pk=assessment.pk)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        before = dict(locked.answers.values_list("item_id", "level"))
        # update() and not save(): the event below names the answers too, which the model
        # signals cannot see, and there is one event per correction.
        SkillAssessment.objects.filter(pk=locked.pk).update(**values)
        if before != given:
            changed.append("answers")
            locked.answers.all().delete()
            SkillAnswer.objects.bulk_create(
                SkillAnswer(assessment=locked, item_id=item_id, level=level)
                for item_id, level in sorted(given.items())
            )
        if changed:
            audit_record(
                action=AuditAction.CHANGE,
                obj=locked,
                summary="; ".join(changed),
                user=by,
                resident_ids=[locked.resident_id],
            )
    locked.refresh_from_db()
    return locked


def skill_assessment_delete(*, assessment: SkillAssessment, by=None) -> bool:
    """Delete one asking and its answers (the reports then no longer count them); True when
    this call deleted it, False when it was already gone (a double click, two staff at once).

    One DELETE event names the assessment and its resident. Nothing is kept to undo it.
    """
    with transaction.atomic():
        locked = SkillAssessment.objects.select_for_update().filter(pk=assessment.pk).first()
        if locked is None:
            return False
        resident_id = locked.resident_id
        audit_record(action=AuditAction.DELETE, obj=locked, user=by, resident_ids=[resident_id])
        locked._audit_skip = True  # type: ignore[attr-defined]  # read by kernel.audit
        locked.delete()
    return True
