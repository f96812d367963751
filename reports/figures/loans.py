"""The report's device loans: started, ended, active, overdue, renewed, by outcome, and the
follow-up check-ins."""

from __future__ import annotations

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Loan, LoanCheckIn
from reports.figures.base import FigureQueries
from reports.figures.periods import TOKYO, Scope
from reports.figures.tables import Row, Section, Table, _dec, _percent
from reports.japanese_dates import long_date


class LoanFigures(FigureQueries):
    """Device loans (a part of ``reports.figures.builder._Builder``)."""

    # ---- loans ----

    def loans(self) -> Section:
        if self.scope.kind == Scope.ORGANISER:
            self.totals.update(loans_started=None, own_share=None)
            return Section(
                "loans",
                _("Device loans"),
                (),
                note=_("Loans belong to venues, not to organisers: not shown for an organiser."),
            )
        start, today = self.period.start, timezone.localtime(self.as_of, TOKYO).date()
        # The figures "at the end of the period" are taken on its last day, or today while the
        # period is still running (a loan cannot be overdue on a day still to come).
        end = min(self.period.end, today)
        loans = Loan.objects.all()
        venue_id = self.scope.pk
        if self.scope.kind == Scope.VENUE:
            assert venue_id is not None, "a venue scope always names its venue"
            loans = loans.filter(venue_id=venue_id)
        ended = ~Q(status=Loan.Status.ACTIVE)
        ends_on = Coalesce("returned_on", "due_date")
        loans = loans.annotate(_ends_on=ends_on)
        ended_in = ended & Q(_ends_on__gte=start, _ends_on__lte=end)
        active_at_end = Q(start_date__lte=end) & (
            Q(status=Loan.Status.ACTIVE) | (ended & Q(_ends_on__gt=end))
        )
        ran = Q(start_date__lte=end) & (Q(status=Loan.Status.ACTIVE) | Q(_ends_on__gte=start))
        with_outcome = ended_in & ~Q(outcome__in=[Loan.Outcome.NONE, Loan.Outcome.EXTENDED])
        a = loans.aggregate(
            active=Count("id", filter=active_at_end),
            started=Count("id", filter=Q(start_date__gte=start, start_date__lte=end)),
            returned=Count("id", filter=ended_in & Q(status=Loan.Status.RETURNED)),
            lost=Count("id", filter=ended_in & Q(status=Loan.Status.LOST)),
            overdue=Count("id", filter=active_at_end & Q(due_date__lt=end)),
            overdue_today=Count("id", filter=Q(status=Loan.Status.ACTIVE, due_date__lt=today)),
            renewal_sum=Sum("renewals", filter=ran),
            renewed=Count("id", filter=ran & Q(renewals__gt=0)),
            with_outcome=Count("id", filter=with_outcome),
            own=Count("id", filter=ended_in & Q(outcome=Loan.Outcome.OWN_DEVICE)),
        )
        own_share = _percent(a["own"], a["with_outcome"])
        self.totals.update(loans_started=a["started"], own_share=own_share)

        ended_by_now = end == self.period.end
        on = {"date": long_date(end)}
        active_label = (
            _("Active at the end of the period (%(date)s)") % on
            if ended_by_now
            else _("Active on %(date)s (the period has not ended)") % on
        )
        overdue_label = (
            _("Overdue at the end of the period (%(date)s)") % on
            if ended_by_now
            else _("Overdue on %(date)s (the period has not ended)") % on
        )
        summary = Table(
            key="loans_summary",
            title=_("Device loans"),
            label_header=_("Figure"),
            columns=(_("Value"),),
            people_columns=frozenset({0}),
            rows=(
                Row(active_label, (a["active"],), key="active"),
                Row(_("Started"), (a["started"],), key="started"),
                Row(_("Returned"), (a["returned"],), key="returned"),
                Row(_("Lost"), (a["lost"],), key="lost"),
                Row(overdue_label, (a["overdue"],), key="overdue"),
                # While the period runs, the line above is already today's.
                *(
                    (
                        Row(
                            _("Overdue today (%(date)s)") % {"date": long_date(today)},
                            (a["overdue_today"],),
                            key="overdue_today",
                        ),
                    )
                    if ended_by_now
                    else ()
                ),
                Row(_("Renewals"), (a["renewal_sum"] or 0,), key="renewals"),
                Row(_("Loans renewed at least once"), (a["renewed"],), key="renewed"),
                Row(
                    _("Share ending with an own device (%)"),
                    (own_share,),
                    people=False,
                    key="own_share",
                ),
            ),
        )
        outcomes = {
            v["outcome"]: v["n"]
            for v in loans.filter(ended_in).values("outcome").annotate(n=Count("id")).order_by()
        }
        outcome_rows = tuple(
            Row(str(label), (outcomes.get(value, 0),), key=value or "-")
            for value, label in Loan.Outcome.choices
        )
        outcome_table = Table(
            key="loans_by_outcome",
            title=_("Outcomes of loans ended in the period"),
            label_header=_("Outcome"),
            columns=(_("Loans"),),
            rows=outcome_rows,
            total=Row(_("Total"), (sum(outcomes.values()),), key="total"),
            people_columns=frozenset({0}),
            additive=True,
        )
        check_ins = LoanCheckIn.objects.filter(on__gte=start, on__lte=self.period.end)
        if self.scope.kind == Scope.VENUE:
            assert venue_id is not None, "a venue scope always names its venue"
            check_ins = check_ins.filter(loan__venue_id=venue_id)
        functions = list(LoanCheckIn.Function.choices)

        def uses(value: str) -> Q:
            return (
                Q(functions_used=value)
                | Q(functions_used__startswith=f"{value},")
                | Q(functions_used__endswith=f",{value}")
                | Q(functions_used__contains=f",{value},")
            )

        aggregates = {
            "n": Count("id"),
            "loans": Count("loan_id", distinct=True),
            "avg": Avg("satisfaction"),
            **{f"s{i}": Count("id", filter=Q(satisfaction=i)) for i in range(1, 6)},
            **{f"f_{value}": Count("id", filter=uses(value)) for value, _label in functions},
        }
        c = check_ins.aggregate(**aggregates)
        follow_up = Table(
            key="loan_follow_ups",
            title=_("Follow-up check-ins"),
            label_header=_("Answer"),
            columns=(_("Check-ins"),),
            people_columns=frozenset({0}),
            rows=(
                Row(_("Check-ins in the period"), (c["n"],), key="check_ins"),
                Row(_("Loans with a check-in in the period"), (c["loans"],), key="loans"),
                Row(
                    _("Average satisfaction (1-5)"),
                    (_dec(c["avg"], "0.01"),),
                    people=False,
                    key="satisfaction_avg",
                ),
                *(
                    Row(_("Satisfaction %(n)d") % {"n": i}, (c[f"s{i}"],), key=f"satisfaction_{i}")
                    for i in range(5, 0, -1)
                ),
                *(
                    Row(_("Uses: %(f)s") % {"f": label}, (c[f"f_{value}"],), key=f"uses_{value}")
                    for value, label in functions
                ),
            ),
        )
        return Section("loans", _("Device loans"), (summary, outcome_table, follow_up))
