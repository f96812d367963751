"""The report's outcomes (効果測定): what residents can do before, after and at follow-up (the
できること self-assessment), the share still using a smartphone at follow-up, and the loan
outcome of the residents asked at follow-up."""

from __future__ import annotations

import re

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Loan
from reports.figures.base import FigureQueries
from reports.figures.periods import TOKYO, Scope
from reports.figures.tables import Row, Section, Table, _percent
from residents.models import SkillAnswer, SkillAssessment, SkillItem, SkillLevel

Point = SkillAssessment.Point
# A KPI whose code is ``skills_after_<N>`` is "the share of residents asked at the end of a
# course or a loan who can do at least N items".
SKILLS_KPI_CODE = re.compile(r"^skills_after_(\d{1,2})$")
NO_LOAN = "no_loan"
ON_LOAN = "on_loan"


def skills_kpi_items(code: str) -> int | None:
    """N of a ``skills_after_<N>`` KPI code, else None: ``"skills_after_8"`` -> 8."""
    match = SKILLS_KPI_CODE.match(code)
    return int(match.group(1)) if match else None


class SkillFigures(FigureQueries):
    """Outcomes (a part of ``reports.figures.builder._Builder``). Sets ``skills_can``:
    {number of items answered できる: residents} over the latest after-assessment of each
    resident asked in the period, for the KPIs (None outside the program's report)."""

    def _skill_end(self):
        # Answers are dated; the figures run to the period's last day, or today while it runs.
        return min(self.period.end, timezone.localtime(self.as_of, TOKYO).date())

    def _latest(self, point: str) -> QuerySet[SkillAssessment]:
        """Each resident's latest assessment at ``point`` dated in the period."""
        start, end = self.period.start, self._skill_end()
        later = SkillAssessment.objects.filter(
            resident_id=OuterRef("resident_id"),
            point=point,
            asked_on__gte=start,
            asked_on__lte=end,
        ).filter(
            Q(asked_on__gt=OuterRef("asked_on"))
            | Q(asked_on=OuterRef("asked_on"), id__gt=OuterRef("id"))
        )
        return SkillAssessment.objects.filter(
            point=point, asked_on__gte=start, asked_on__lte=end
        ).exclude(Exists(later))

    @staticmethod
    def _before_answer(prefix: str = "") -> QuerySet[SkillAnswer]:
        """First-contact answers to the item of the answer reached by ``OuterRef(prefix)``, by
        the same resident, on or before that answer's day; latest first."""
        return SkillAnswer.objects.filter(
            item_id=OuterRef(f"{prefix}item_id"),
            assessment__resident_id=OuterRef(f"{prefix}assessment__resident_id"),
            assessment__point=Point.BEFORE,
            assessment__asked_on__lte=OuterRef(f"{prefix}assessment__asked_on"),
        ).order_by("-assessment__asked_on", "-assessment_id")

    def _by_item(self) -> dict[tuple[str, int], dict[str, int]]:
        """{(point, item id): {"n", "can_before", "can_now"}} over the answers of the latest
        after and follow-up assessments that have a first-contact answer to compare with
        (``before``: the latest one on or before their day). One query."""
        can = SkillLevel.CAN
        latest = Q(assessment__in=self._latest(Point.AFTER).values("id")) | Q(
            assessment__in=self._latest(Point.FOLLOW_UP).values("id")
        )
        pairs = (
            SkillAnswer.objects.filter(latest)
            .annotate(before=Subquery(self._before_answer().values("level")[:1]))
            .filter(before__isnull=False)
            .values("assessment__point", "item_id")
            .annotate(
                n=Count("id"),
                can_before=Count("id", filter=Q(before=can)),
                can_now=Count("id", filter=Q(level=can)),
            )
            .order_by()
        )
        return {(row["assessment__point"], row["item_id"]): row for row in pairs}

    def skills(self) -> Section:
        if self.scope.kind != Scope.PROGRAM:
            return Section(
                "skills",
                _("Outcomes (what people can do)"),
                (),
                note=_(
                    "Self-assessments belong to residents, not to venues or organisers: shown in "
                    "the report of the whole program."
                ),
            )
        start, end = self.period.start, self._skill_end()
        asked_before = SkillAssessment.objects.filter(
            point=Point.BEFORE, asked_on__gte=start, asked_on__lte=end
        ).aggregate(n=Count("resident_id", distinct=True))["n"]

        # Each resident's latest after-assessment: how many items it answers できる (for the
        # KPIs) and whether one of its answers has a first-contact answer to compare with.
        can_count = (
            SkillAnswer.objects.filter(assessment_id=OuterRef("pk"), level=SkillLevel.CAN)
            .order_by()
            .values("assessment_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        paired = SkillAnswer.objects.filter(assessment_id=OuterRef("pk")).filter(
            Exists(self._before_answer())
        )
        after_groups = list(
            self._latest(Point.AFTER)
            .annotate(
                can=Coalesce(Subquery(can_count), 0, output_field=IntegerField()),
                paired=Exists(paired),
            )
            .values("can", "paired")
            .annotate(n=Count("id"))
            .order_by()
        )
        asked_after = sum(g["n"] for g in after_groups)
        after_with_before = sum(g["n"] for g in after_groups if g["paired"])
        skills_can: dict[int, int] = {}
        for g in after_groups:
            skills_can[g["can"]] = skills_can.get(g["can"], 0) + g["n"]
        self.skills_can = skills_can

        # The residents asked at follow-up: smartphone answer, a first-contact answer before,
        # and their latest loan started by the follow-up day (none, still active, or its outcome).
        latest_loan = Loan.objects.filter(
            resident_id=OuterRef("resident_id"), start_date__lte=OuterRef("asked_on")
        ).order_by("-start_date", "-id")
        had_before = SkillAssessment.objects.filter(
            resident_id=OuterRef("resident_id"),
            point=Point.BEFORE,
            asked_on__lte=OuterRef("asked_on"),
        )
        follow_ups = list(
            self._latest(Point.FOLLOW_UP)
            .annotate(
                loan_status=Subquery(latest_loan.values("status")[:1]),
                loan_outcome=Subquery(latest_loan.values("outcome")[:1]),
                _before=Exists(had_before),
            )
            .values("loan_status", "loan_outcome")
            .annotate(
                n=Count("id"),
                using=Count("id", filter=Q(uses_smartphone=SkillAssessment.Smartphone.YES)),
                with_before=Count("id", filter=Q(_before=True)),
            )
            .order_by()
        )
        by_loan: dict[str, list[int]] = {}
        for group in follow_ups:
            if group["loan_status"] is None:
                key = NO_LOAN
            elif group["loan_status"] == Loan.Status.ACTIVE:
                key = ON_LOAN
            else:
                key = group["loan_outcome"] or "-"
            counts = by_loan.setdefault(key, [0, 0])
            counts[0] += group["n"]
            counts[1] += group["using"]
        asked_follow_up = sum(g["n"] for g in follow_ups)
        using = sum(g["using"] for g in follow_ups)
        follow_up_with_before = sum(g["with_before"] for g in follow_ups)

        summary = Table(
            key="skills_summary",
            title=_("Self-assessments in the period"),
            label_header=_("Figure"),
            columns=(_("Residents"),),
            people_columns=frozenset({0}),
            rows=(
                Row(_("Asked at first contact"), (asked_before,), key="asked_before"),
                Row(
                    _("Asked at the end of a course or a loan"),
                    (asked_after,),
                    key="asked_after",
                ),
                Row(
                    _("Asked at the end and at first contact"),
                    (after_with_before,),
                    key="after_with_before",
                ),
                Row(_("Asked at a follow-up"), (asked_follow_up,), key="asked_follow_up"),
                Row(
                    _("Asked at a follow-up and at first contact"),
                    (follow_up_with_before,),
                    key="follow_up_with_before",
                ),
                Row(
                    _("Asked at a follow-up and still using a smartphone"),
                    (using,),
                    key="still_using",
                ),
                Row(
                    _("Share still using a smartphone at follow-up (%)"),
                    (_percent(using, asked_follow_up),),
                    people=False,
                    key="still_using_share",
                    derived_from=("still_using", "asked_follow_up"),
                ),
            ),
        )

        by_item = self._by_item()
        answered = {item_id for _point, item_id in by_item}
        items = SkillItem.objects.filter(Q(is_active=True) | Q(pk__in=answered)).order_by(
            "position", "id"
        )
        empty = {"n": 0, "can_before": 0, "can_now": 0}
        item_rows = []
        for item in items:
            a = by_item.get((Point.AFTER, item.pk), empty)
            f = by_item.get((Point.FOLLOW_UP, item.pk), empty)
            item_rows.append(
                Row(
                    item.label,
                    (
                        a["n"],
                        _percent(a["can_before"], a["n"]),
                        _percent(a["can_now"], a["n"]),
                        f["n"],
                        _percent(f["can_before"], f["n"]),
                        _percent(f["can_now"], f["n"]),
                    ),
                    key=item.code,
                )
            )
        item_table = Table(
            key="skills_by_item",
            title=_("Share who can do each item: before, after and at follow-up"),
            label_header=_("Item"),
            columns=(
                _("Asked before and after"),
                _("Can do before (%)"),
                _("Can do after (%)"),
                _("Asked before and at follow-up"),
                _("Can do before, follow-up group (%)"),
                _("Can do at follow-up (%)"),
            ),
            rows=tuple(item_rows),
            people_columns=frozenset({0, 3}),
            derived_columns=((1, 0), (2, 0), (4, 3), (5, 3)),
            note=_(
                "Per item, the residents asked in the period (their latest answer) who had also "
                "answered the item at first contact, on or before that day. Shares count "
                '"can do"; "can do with help" is not counted as can do.'
            ),
        )

        loan_labels = [
            (NO_LOAN, _("No loan")),
            (ON_LOAN, _("Loan still active")),
            *((value or "-", str(label)) for value, label in Loan.Outcome.choices),
        ]
        loan_rows = tuple(
            Row(label, tuple(by_loan.get(key, [0, 0])), key=key) for key, label in loan_labels
        )
        by_loan_table = Table(
            key="skills_follow_up_by_loan",
            title=_("Follow-up: smartphone use by loan outcome"),
            label_header=_("Latest loan before the follow-up"),
            columns=(_("Asked at a follow-up"), _("Still using a smartphone")),
            rows=loan_rows,
            total=Row(_("Total"), (asked_follow_up, using), key="total"),
            people_columns=frozenset({0, 1}),
            additive=True,
        )
        return Section(
            "skills",
            _("Outcomes (what people can do)"),
            (summary, item_table, by_loan_table),
            note=_(
                "The できること self-assessment: about ten items answered can do, can do with help "
                "or cannot do, at first contact, at the end of a course or a loan, and at a "
                "follow-up 6 to 12 months later. Each resident counts once per point, with their "
                "latest answers in the period."
            ),
        )


def share_at_least(counts: dict[int, int] | None, items: int):
    """Share (%, one decimal) of the residents in ``counts`` ({items answered "can do": residents},
    ``SkillFigures.skills_can``) who can do at least ``items`` items; None when ``counts`` is
    None (not the program's report) or empty (nobody asked)."""
    if counts is None:
        return None
    total = sum(counts.values())
    return _percent(sum(n for can, n in counts.items() if can >= items), total)
