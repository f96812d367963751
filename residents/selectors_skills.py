"""Read queries of the できること self-assessment: the items asked, one resident's answers over
time (the grid on the resident page), and one asking to correct or delete."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from residents.models import Resident
from residents.models_skills import SkillAnswer, SkillAssessment, SkillItem

# The resident page shows this many askings, newest first; older ones are in the disclosure.
ASSESSMENTS_SHOWN = 6


def skill_items_asked() -> QuerySet[SkillItem]:
    """The active items in form order (one query)."""
    return SkillItem.objects.filter(is_active=True).order_by("position", "id")


def skill_items_for_assessment(assessment: SkillAssessment) -> list[SkillItem]:
    """The items of the correction form of ``assessment``, in form order: the active ones, and
    those it answered that are no longer asked (so that correcting keeps their answers). One
    query."""
    answered = SkillItem.objects.filter(answers__assessment=assessment)
    items = SkillItem.objects.filter(is_active=True) | answered
    return list(items.distinct().order_by("position", "id"))


def skill_assessment_of(*, resident_id: int, assessment_id: int) -> SkillAssessment | None:
    """Assessment ``assessment_id`` of resident ``resident_id`` with its resident and answers
    (two queries), or None when there is none (unknown, deleted, or another resident's)."""
    return (
        SkillAssessment.objects.filter(pk=assessment_id, resident_id=resident_id)
        .select_related("resident")
        .prefetch_related(Prefetch("answers", queryset=SkillAnswer.objects.order_by()))
        .first()
    )


@dataclass(frozen=True)
class SkillGridRow:
    """One item and its answer (a ``SkillLevel`` value or None) in each shown assessment."""

    item: SkillItem
    levels: tuple[str | None, ...]


@dataclass(frozen=True)
class SkillHistory:
    """A resident's askings (newest first, at most ``ASSESSMENTS_SHOWN``), the grid of their
    answers by item, and how many askings there are in all."""

    assessments: tuple[SkillAssessment, ...]
    rows: tuple[SkillGridRow, ...]
    total: int


def resident_skill_history(*, resident: Resident) -> SkillHistory:
    """The self-assessment history of ``resident``: one query when there is none, else three
    (the askings with who asked, their answers, and the items: active ones, plus inactive ones
    that were answered) and a count when more than ``ASSESSMENTS_SHOWN`` may exist."""
    assessments = tuple(
        SkillAssessment.objects.filter(resident=resident)
        .select_related("asked_by")
        .prefetch_related(Prefetch("answers", queryset=SkillAnswer.objects.order_by()))
        .order_by("-asked_on", "-id")[:ASSESSMENTS_SHOWN]
    )
    total = (
        len(assessments)
        if len(assessments) < ASSESSMENTS_SHOWN
        else SkillAssessment.objects.filter(resident=resident).count()
    )
    if not assessments:
        return SkillHistory(assessments=(), rows=(), total=0)
    by_assessment = [{a.item_id: a.level for a in s.answers.all()} for s in assessments]
    answered = {item_id for levels in by_assessment for item_id in levels}
    items = SkillItem.objects.filter(is_active=True) | SkillItem.objects.filter(pk__in=answered)
    rows = tuple(
        SkillGridRow(item=item, levels=tuple(levels.get(item.pk) for levels in by_assessment))
        for item in items.distinct().order_by("position", "id")
    )
    return SkillHistory(assessments=assessments, rows=rows, total=total)
