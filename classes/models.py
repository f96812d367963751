"""Venues, curriculum topics, organisers, sessions and registrations."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _display_title(obj) -> str:
    """Title of a Session or Series: its own, else its topic's (one query unless selected), else
    its kind's label."""
    if obj.title:
        return obj.title
    if obj.topic_id:
        return obj.topic.title
    return str(obj.get_kind_display())


class Venue(models.Model):
    """A community center (公民館・交流センター) or other place where sessions are held."""

    class Kind(models.TextChoices):
        COMMUNITY_CENTER = "community_center", _("Community center")
        LEARNING_CENTER = "learning_center", _("Learning center")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    default_seats = models.PositiveIntegerField(_("default seats"), default=16)
    address = models.CharField(_("address"), max_length=200, blank=True)
    access = models.CharField(
        _("access"), max_length=200, blank=True, help_text=_("How to get there, said on the phone.")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # How long a freed seat is held for the first in line (classes.services_offers).
    offer_window_hours = models.PositiveSmallIntegerField(
        _("seat offer window (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How long a freed seat is held for the first resident on the waitlist to answer."
        ),
    )

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name_kana", "code"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """A curriculum topic of the national digital-support classes (``curriculum.csv``)."""

    class Level(models.TextChoices):
        BASIC = "basic", _("Basic")
        APPLIED = "applied", _("Applied")

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BASIC)
    minutes = models.PositiveIntegerField(_("minutes"), default=90)
    what_to_bring = models.CharField(_("what to bring"), max_length=200, blank=True)
    # Skills a session of this topic needs from its supporters unless the session says otherwise.
    default_skills = models.ManyToManyField(
        "volunteers.Skill",
        blank=True,
        related_name="+",
        verbose_name=_("skills supporters need"),
    )

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Organiser(models.Model):
    """Who runs a session: the city office or a partner group it supports."""

    class Kind(models.TextChoices):
        CITY = "city", _("City office")
        PARTNER = "partner", _("Partner group")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITY)

    class Meta:
        verbose_name = _("organiser")
        verbose_name_plural = _("organisers")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """One class, salon, consultation desk or caravan at a date and time (times are aware, JST)."""

    class Kind(models.TextChoices):
        CLASS = "class", pgettext_lazy("session kind", "Class")
        SALON = "salon", pgettext_lazy("session kind", "Salon")
        CONSULTATION = "consultation", pgettext_lazy("session kind", "Consultation desk")
        CARAVAN = "caravan", pgettext_lazy("session kind", "Caravan")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLASS)
    title = models.CharField(_("title"), max_length=200, blank=True)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("topic"),
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("venue"),
    )
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_(
            "For a caravan away from a venue: the hall or housing complex and its address."
        ),
    )
    organiser = models.ForeignKey(
        Organiser,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("organiser"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    seats = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Empty for a drop-in without a limit.")
    )
    supporters_needed = models.PositiveIntegerField(_("supporters needed"), default=0)
    lead_needed = models.BooleanField(
        _("lead needed"),
        default=False,
        help_text=_("One of the supporters must be able to lead the class (講師)."),
    )
    required_skills = models.ManyToManyField(
        "volunteers.Skill",
        blank=True,
        related_name="+",
        verbose_name=_("skills supporters need"),
        help_text=_("Every supporter placed here needs all of these. Default: the topic's skills."),
    )
    # One supporter per this many registered residents; the need grows with registrations
    # (volunteers.selectors.session_supporters_needed).
    residents_per_supporter = models.PositiveIntegerField(
        _("residents per supporter"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("One supporter for every N registered residents (empty: no ratio)."),
    )
    what_to_bring = models.CharField(_("what to bring"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # iCalendar SEQUENCE: bumped by ``_bump_session_sequence`` when what a calendar shows changes.
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    series = models.ForeignKey(
        "classes.Series",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("series"),
    )
    # Consultation desks: length of one appointment slot; salons: walk-ins counted without names.
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=20, validators=[MinValueValidator(5)]
    )
    walk_in_count = models.PositiveIntegerField(_("walk-ins (counted)"), default=0)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["venue", "starts_at"]), models.Index(fields=["starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(venue__isnull=False) | ~Q(place=""), name="session_has_venue_or_place"
            ),
            models.CheckConstraint(
                condition=Q(residents_per_supporter__isnull=True)
                | Q(residents_per_supporter__gte=1),
                name="session_residents_per_supporter_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def display_title(self) -> str:
        """The title, else the topic's title, else the kind ("Salon")."""
        return _display_title(self)

    @property
    def seats_left(self) -> int | None:
        """Free seats, or None without a seat limit: seats held by open seat offers are taken.
        Uses the ``registered_count`` and ``held_count`` annotations of
        ``classes.selectors.session_list`` when present, else counts (two queries)."""
        if self.seats is None:
            return None
        taken = getattr(self, "registered_count", None)
        if taken is None:
            taken = self.registrations.filter(status=Registration.Status.REGISTERED).count()
            taken += self.seat_offers.filter(status="open").count()
        else:
            taken += getattr(self, "held_count", 0)
        return self.seats_left_after(taken)

    def seats_left_after(self, taken: int) -> int | None:
        """Free seats when ``taken`` residents are registered, or None without a seat limit."""
        if self.seats is None:
            return None
        return max(self.seats - taken, 0)

    @property
    def place_label(self) -> str:
        """Where it is held: the venue's name, or the free-text place of a caravan."""
        return self.venue.name if self.venue is not None else self.place


class Registration(models.Model):
    """A resident's place in a session: registered (has a seat), waitlisted or cancelled."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CANCELLED = "cancelled", _("Cancelled")

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Not yet taken")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("session")
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("resident"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, blank=True, default=""
    )
    companion = models.CharField(
        _("companion"), max_length=100, blank=True, help_text=_("Someone coming along.")
    )
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The waitlist is served in order of this time, else of ``created_at``: a restored
    # registration goes to the head of the line with a time just before the first one waiting.
    queued_at = models.DateTimeField(
        _("in line from"),
        null=True,
        blank=True,
        help_text=_("Orders the waitlist when set (a restored registration goes first)."),
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "resident"],
                condition=~Q(status="cancelled"),
                name="registration_one_active_per_resident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.session}"


class CallListEntry(models.Model):
    """One phone call (or reminder email) staff owe a resident about a registration.

    Reasons: the day-before reminder, "the session is cancelled", "you have a seat now". One entry
    per registration and reason, so a reminder is claimed and sent at most once.
    """

    class Reason(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        SEAT_OFFERED = "seat_offered", _("Seat offered (from the waitlist)")

    class Status(models.TextChoices):
        TO_CALL = "to_call", _("To call")
        REMINDED = "reminded", _("Reminded")
        NO_ANSWER = "no_answer", _("No answer")
        CANCELLED_BY_RESIDENT = "cancelled_by_resident", _("Cancelled by the resident")
        TOLD = "told", _("Told")

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="call_entries",
        verbose_name=_("registration"),
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.TO_CALL
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Email reminders: sent_at is set when the entry is claimed for sending (cleared again if
    # the send fails), so two workers never send the same reminder.
    sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    send_attempts = models.PositiveIntegerField(_("send attempts"), default=0)
    last_error = models.TextField(_("last sending error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call list entry")
        verbose_name_plural = _("call list entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "reason"], name="call_entry_one_per_registration_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.registration}"

    @property
    def is_done(self) -> bool:
        """True when the call needs no further attempt (reached, or the resident cancelled)."""
        return self.status in (
            self.Status.REMINDED,
            self.Status.CANCELLED_BY_RESIDENT,
            self.Status.TOLD,
        )


class Series(models.Model):
    """A recurring session (定期開催): a template for its sessions and the rule that dates them.

    The rule is stored as given (see ``classes.recurrence.Rule``); the sessions it generated link
    back through ``Session.series``. Times are local (JST) wall-clock times.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly (n-th weekday)")

    kind = models.CharField(
        _("kind"), max_length=20, choices=Session.Kind.choices, default=Session.Kind.CLASS
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
        verbose_name=_("topic"),
    )
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="series", verbose_name=_("venue")
    )
    organiser = models.ForeignKey(
        Organiser,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
        verbose_name=_("organiser"),
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(_("end time"))
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    supporters_needed = models.PositiveIntegerField(_("supporters needed"), default=0)
    what_to_bring = models.CharField(_("what to bring"), max_length=200, blank=True)
    frequency = models.CharField(
        _("repeats"), max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    # Python weekday numbers (Monday=0), comma separated: "1,3" is Tuesday and Thursday.
    weekdays = models.CharField(_("weekdays"), max_length=20)
    interval = models.PositiveSmallIntegerField(_("every n weeks"), default=1)
    nth = models.SmallIntegerField(_("n-th weekday of the month"), null=True, blank=True)
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["-first_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_date__gte=F("first_date")), name="series_last_on_or_after_first"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="series_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title, else the topic's title, else the kind ("Salon")."""
        return _display_title(self)

    @property
    def weekday_list(self) -> list[int]:
        """``weekdays`` as Python weekday numbers (Monday=0), e.g. [1, 3]."""
        return [int(d) for d in self.weekdays.split(",") if d.strip()]


class VenueClosure(models.Model):
    """A date a venue is closed (maintenance, year-end): series skip it."""

    venue = models.ForeignKey(
        Venue, on_delete=models.CASCADE, related_name="closures", verbose_name=_("venue")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("venue closure")
        verbose_name_plural = _("venue closures")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "date"], name="venue_closure_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.date:%Y-%m-%d} {self.reason}"


# Fields shown in calendar feeds: a change to any of them is a new revision of the event.
SESSION_CALENDAR_FIELDS = (
    "kind",
    "title",
    "topic_id",
    "venue_id",
    "place",
    "starts_at",
    "ends_at",
    "status",
)


@receiver(pre_save, sender=Session, dispatch_uid="classes_session_sequence")
def _bump_session_sequence(sender, instance: Session, update_fields=None, raw=False, **kwargs):
    """Increase ``Session.sequence`` when a field shown in calendar feeds changes (RFC 5545
    SEQUENCE), so subscribed calendars replace the old event. ``QuerySet.update()`` bypasses
    this; services change sessions through ``save()``."""
    if raw or instance.pk is None:
        return
    old = (
        Session.objects.filter(pk=instance.pk).values(*SESSION_CALENDAR_FIELDS, "sequence").first()
    )
    if old is None or all(old[f] == getattr(instance, f) for f in SESSION_CALENDAR_FIELDS):
        return
    instance.sequence = old["sequence"] + 1
    if update_fields is not None and "sequence" not in update_fields:
        # save(update_fields=[...]) would not write the new sequence: write it here.
        Session.objects.filter(pk=instance.pk).update(sequence=instance.sequence)


# Consultation slots, caravan mode's sync ledger and seat offers live in their own modules;
# imported here so Django registers them and ``from classes.models import ...`` finds them.
from classes.models_caravan import CaravanRecord  # noqa: E402
from classes.models_consult import Consultation  # noqa: E402
from classes.models_offers import SeatOffer  # noqa: E402

__all__ = [
    "CallListEntry",
    "CaravanRecord",
    "Consultation",
    "Organiser",
    "Registration",
    "SeatOffer",
    "Series",
    "Session",
    "SESSION_CALENDAR_FIELDS",
    "Topic",
    "Venue",
    "VenueClosure",
]
