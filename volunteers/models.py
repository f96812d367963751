"""Supporters (students, volunteers, デジタル活用支援員) and their assignments to sessions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


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
        DIGITAL_SUPPORTER = "digital_supporter", _("Digital-support worker (支援員)")
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

    def __str__(self) -> str:
        return f"{self.supporter} @ {self.session}"
