"""Venues, curriculum topics, organisers, sessions and registrations."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    what_to_bring = models.CharField(_("what to bring"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

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
        ]

    def __str__(self) -> str:
        return f"{self.display_title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        if self.topic_id:
            return self.topic.title
        return str(self.get_kind_display())

    @property
    def seats_left(self) -> int | None:
        """Free seats, or None without a seat limit. Uses the ``registered_count`` annotation of
        ``classes.selectors.session_list`` when present, else counts (one query)."""
        if self.seats is None:
            return None
        taken = getattr(self, "registered_count", None)
        if taken is None:
            taken = self.registrations.filter(status=Registration.Status.REGISTERED).count()
        return max(self.seats - taken, 0)

    @property
    def place_label(self) -> str:
        return self.venue.name if self.venue_id else self.place


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
        _("companion"), max_length=100, blank=True, help_text=_("Someone coming along (付き添い).")
    )
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

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
