"""Supporters (students, volunteers, デジタル活用支援員) and their assignments to sessions."""

import math

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The most a coordinator may approve for one assignment, and the longest checked-in span that
# counts: 12 hours.
MAX_APPROVED_MINUTES = 720


class Skill(models.Model):
    """Something a supporter can do (iPhone, Android, LINE, My Number, leading a class...)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Supporter(models.Model):
    """A person who helps at sessions. May have a login (role: supporter)."""

    class Kind(models.TextChoices):
        STUDENT = "student", _("Student")
        VOLUNTEER = "volunteer", _("Volunteer")
        DIGITAL_SUPPORTER = "digital_supporter", _("Digital-support worker")
        STAFF = "staff", _("Staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supporter",
        verbose_name=_("login"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VOLUNTEER)
    organisation = models.CharField(_("school or organisation"), max_length=100, blank=True)
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="supporters", verbose_name=_("skills")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    home_district = models.CharField(_("home district"), max_length=50, blank=True)
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_(
            "Languages the supporter can help in besides Japanese, e.g. English, Vietnamese."
        ),
    )
    training_completed_on = models.DateField(
        _("training completed on"),
        null=True,
        blank=True,
        help_text=_("Date the supporter finished the supporter training (empty: not yet)."),
    )
    insurance_valid_until = models.DateField(
        _("volunteer insurance valid until"),
        null=True,
        blank=True,
        help_text=_("Last day covered by volunteer activity insurance (empty: not insured)."),
    )
    max_sessions_per_month = models.PositiveIntegerField(_("maximum sessions per month"), default=8)
    # The supporter's stated wish; matching spreads sessions fairly against it (empty: half the
    # monthly maximum, see volunteers.matching).
    desired_sessions_per_month = models.PositiveIntegerField(
        _("sessions wished per month"),
        null=True,
        blank=True,
        help_text=_("How many sessions a month the supporter would like (empty: no preference)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Secret part of the supporter's calendar feed URL; empty or reset = the old URL stops working.
    feed_token = models.CharField(
        _("calendar link key"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        ordering = ["name_kana", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def numbered_name(self) -> str:
        """The name with the supporter number (the roster's id), e.g. 「山田 太郎（12番）」, in the
        active language: tells two supporters of the same name apart on buttons and in lists."""
        return gettext("%(name)s (No. %(number)d)") % {"name": self.name, "number": self.pk}


class Availability(models.Model):
    """A weekly time window in which a supporter can usually help (local time, JST).

    ``weekday`` follows Python's ``date.weekday()``: Monday is 0, Sunday is 6.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="availabilities",
        verbose_name=_("supporter"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        ordering = ["supporter", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="availability_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="availability_weekday_0_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Assignment(models.Model):
    """A supporter placed on a session (配置)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses that hold the supporter's time: they count for overlaps, monthly limits and staffing.
    ACTIVE_STATUSES = (Status.PROPOSED, Status.CONFIRMED)

    session = models.ForeignKey(
        "classes.Session",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("session"),
    )
    supporter = models.ForeignKey(
        Supporter, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("supporter")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # When the supporter was told about this assignment (publishing); "least recently asked" and
    # the supporter's inbox read it.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    hours_approved_at = models.DateTimeField(_("hours approved at"), null=True, blank=True)
    # The cancelled_at the coordinators were emailed about (late cancellation): a task delivered
    # twice finds it claimed and sends nothing; a later cancellation of this row is new again.
    late_alert_sent_for = models.DateTimeField(null=True, blank=True, editable=False)
    hours_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hours approved by"),
    )
    # Minutes the coordinator approved; None until approved (the check-in/out span is the proposal).
    approved_minutes = models.PositiveIntegerField(_("approved minutes"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["session__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "supporter"],
                condition=Q(status__in=["proposed", "confirmed"]),
                name="assignment_one_active_per_supporter",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gt=F("checked_in_at")),
                name="assignment_checkout_after_checkin",
            ),
        ]
        indexes = [
            # Declines and cancellations are a few among hundreds of thousands of assignments:
            # the withdrawals page and the dashboard's late cancellations find them here
            # instead of scanning every assignment (32 ms at 303,082 assignments).
            models.Index(
                fields=["session"],
                condition=Q(status__in=["declined", "cancelled"]),
                name="assignment_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supporter} @ {self.session}"

    @property
    def worked_minutes(self) -> int | None:
        """Whole minutes between check-in and check-out (rounded down, at most 720), or None."""
        if self.checked_in_at is None or self.checked_out_at is None:
            return None
        seconds = (self.checked_out_at - self.checked_in_at).total_seconds()
        return min(MAX_APPROVED_MINUTES, max(0, math.floor(seconds / 60)))


class AvailabilityException(models.Model):
    """A dated exception to the weekly pattern (exam weeks, holidays, a free day).

    ``available=False`` (the usual case) blocks the dates; with times, only that part of each day.
    ``available=True`` adds a window on those dates (times required) even where the weekly pattern
    has none. Dates and times are local (JST).
    """

    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="availability_exceptions",
        verbose_name=_("supporter"),
    )
    date_from = models.DateField(_("from date"))
    date_to = models.DateField(_("until date"))
    start_time = models.TimeField(_("from time"), null=True, blank=True)
    end_time = models.TimeField(_("until time"), null=True, blank=True)
    available = models.BooleanField(
        _("available"),
        default=False,
        help_text=_("Unticked: not available on these dates. Ticked: available (give the times)."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["supporter", "date_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")),
                name="availability_exception_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__gt=F("start_time")),
                name="availability_exception_times_in_order",
            ),
            models.CheckConstraint(
                condition=Q(available=False) | Q(start_time__isnull=False),
                name="availability_exception_available_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supporter} {self.date_from}–{self.date_to}"


class DistrictTravel(models.Model):
    """Minutes to travel between two districts, used to keep back-to-back sessions reachable.

    One row covers both directions. Within one district travel is 0; a pair without a row uses
    ``settings.MATCHING_DEFAULT_TRAVEL_MINUTES`` (30 when unset).
    """

    from_district = models.CharField(_("from district"), max_length=50)
    to_district = models.CharField(_("to district"), max_length=50)
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("travel time between districts")
        verbose_name_plural = _("travel times between districts")
        ordering = ["from_district", "to_district"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_district", "to_district"], name="district_travel_one_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_district} → {self.to_district}: {self.minutes}"


class MatchRun(models.Model):
    """One computed proposal for a date range (a draft: supporters do not see it until published).

    The proposal is computed in the background (Celery, ``volunteers.tasks.match_run_solve``):
    ``state`` goes queued -> running -> done (or failed, with ``error`` in words for the
    coordinator); a re-run puts it back to queued. ``progress`` (0-100) and ``stage`` (the
    solver stage under way) show how far it is; ``progress_at`` is the last sign of life: a
    queued or running run silent for ``settings.MATCHING_STALE_SECONDS`` was lost (broker
    message gone, worker dead) and is queued again (``services_matching.match_runs_requeue_stale``).
    ``stages``: per solver stage its objective, proven bound, gap, status and seconds.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being computed")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    date_from = models.DateField(_("from date"))
    date_to = models.DateField(_("until date"))
    venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("venue"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    solver_status = models.CharField(_("solver status"), max_length=30, blank=True)
    solve_seconds = models.FloatField(_("solve time (seconds)"), null=True, blank=True)
    objective = models.FloatField(_("objective"), null=True, blank=True)
    seed = models.PositiveIntegerField(_("seed"), default=0)
    required_slots = models.PositiveIntegerField(_("required slots"), default=0)
    filled_slots = models.PositiveIntegerField(_("filled slots"), default=0)
    fairness = models.FloatField(_("fairness (mean deviation)"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("computation"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_at = models.DateTimeField(_("last progress at"), default=timezone.now)
    stage = models.CharField(_("solver stage"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    stages = models.JSONField(_("solver stages"), default=list, blank=True)
    # The coordinator's language when asking: the background run writes its error in it.
    language = models.CharField(_("language"), max_length=10, default="ja")

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")), name="match_run_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="match_run_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.date_from}–{self.date_to}"

    # What the background computation is doing now (``stage``), in words.
    STAGE_LABELS = {
        "": _("Waiting for the background service"),
        "prepare": _("Reading sessions and supporters"),
        "model": _("Setting up the rules"),
        "fill": _("Filling as many places as possible"),
        "fairness": _("Spreading sessions fairly"),
        "continuity": _("Keeping the same faces on each series"),
        "travel": _("Shortening travel"),
        "store": _("Saving the proposal"),
    }
    # The figure each solver stage improves (``stages``), in words.
    STAGE_FIGURES = {
        "fill": _("Places filled"),
        "fairness": _("Fairness (sessions from the fair share, on average)"),
        "continuity": _("Continuity (faces on series: new 2, returning 1)"),
        "travel": _("Travel (minutes in all)"),
    }

    @property
    def stage_display(self) -> str:
        """The stage under way in words."""
        return str(self.STAGE_LABELS.get(self.stage, self.stage))

    @property
    def stage_rows(self) -> list[dict]:
        """``stages`` with the figure's name and the status in words, for the page."""
        rows = []
        for stage in self.stages or []:
            label = self.STAGE_FIGURES.get(stage.get("name", ""), stage.get("name", ""))
            status = self.SOLVER_STATUS_LABELS.get(stage.get("status", ""), stage.get("status"))
            rows.append({**stage, "label": str(label), "status_display": str(status)})
        return rows

    @property
    def in_progress(self) -> bool:
        """Queued or being computed: the page refreshes and shows the progress."""
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    # The solver's status names (OR-Tools, volunteers.matching.solver) in words.
    SOLVER_STATUS_LABELS = {
        "OPTIMAL": _("the best proposal"),
        "FEASIBLE": _("a good proposal, search stopped at the time limit"),
        "WARM_START": _("a first proposal, no better one found in time"),
        "NOTHING_TO_PLACE": _("nothing to place"),
        "INFEASIBLE": _("no proposal possible"),
        "UNKNOWN": _("no proposal found in time"),
        "MODEL_INVALID": _("no proposal: the problem could not be set up"),
    }

    @property
    def solver_status_display(self) -> str:
        """The solver's status in words ("OPTIMAL" -> the best proposal), else as stored."""
        label = self.SOLVER_STATUS_LABELS.get(self.solver_status)
        return str(label) if label is not None else self.solver_status


class MatchProposal(models.Model):
    """One proposed placement in a draft run. Pinned ones survive re-runs; removed ones stay as
    rows so that re-runs do not propose the same person for that session again."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        PINNED = "pinned", _("Pinned")
        REMOVED = "removed", _("Removed")

    run = models.ForeignKey(
        MatchRun, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("run")
    )
    session = models.ForeignKey(
        "classes.Session", on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="+", verbose_name=_("supporter")
    )
    is_lead = models.BooleanField(_("lead"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUGGESTED
    )

    class Meta:
        verbose_name = _("proposed assignment")
        verbose_name_plural = _("proposed assignments")
        ordering = ["session__starts_at", "session_id", "-is_lead", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "session", "supporter"], name="match_proposal_one_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supporter} @ {self.session}"

    @property
    def pinned(self) -> bool:
        return self.state == self.State.PINNED


class MatchGap(models.Model):
    """Why a session in a run still lacks supporters (or a lead) after solving."""

    class Reason(models.TextChoices):
        NO_ONE_AVAILABLE = "no_one_available", _("No one is available at that time")
        NO_ONE_WITH_SKILL = "no_one_with_skill", _("No one available has the required skills")
        EVERYONE_AT_MAXIMUM = (
            "everyone_at_maximum",
            _("Everyone who could come has reached their monthly maximum"),
        )
        NO_LEAD = "no_lead", _("No one who can lead is available")
        TRAINING_OR_INSURANCE = (
            "training_or_insurance",
            _("Those who could come lack training or valid insurance on the day"),
        )
        BUSY_ELSEWHERE = (
            "busy_elsewhere",
            _("Everyone who could come is needed at another session at that time"),
        )

    run = models.ForeignKey(
        MatchRun, on_delete=models.CASCADE, related_name="gaps", verbose_name=_("run")
    )
    session = models.ForeignKey(
        "classes.Session", on_delete=models.CASCADE, related_name="+", verbose_name=_("session")
    )
    missing = models.PositiveIntegerField(_("missing supporters"), default=0)
    lead_missing = models.BooleanField(_("lead missing"), default=False)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    # Counts behind the reason, e.g. {"available": 3, "with_skill": 1, "under_max": 0}.
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("unfilled slot")
        verbose_name_plural = _("unfilled slots")
        ordering = ["session__starts_at", "session_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "session"], name="match_gap_one_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.missing} ({self.reason})"
