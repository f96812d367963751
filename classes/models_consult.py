"""Consultation desks (相談会): one booked slot per row, and what it was about."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from classes.models import Session


class Consultation(models.Model):
    """One appointment slot booked at a consultation desk (相談会), and what it was about.

    ``slot_start`` is an aware datetime on the session's slot grid (``starts_at`` plus a multiple
    of ``slot_minutes``). The database refuses two bookings of one slot. ``resident`` is empty for
    an anonymous walk-up.
    """

    class Category(models.TextChoices):
        UNKNOWN = "", _("Not yet recorded")
        BASIC = "basic", _("Basic operation")
        CALLS_CAMERA = "calls_camera", _("Calls and camera")
        LINE = "line", _("LINE")
        MY_NUMBER = "my_number", _("My Number Card / Mynaportal")
        SCAM = "scam", _("Scam worry")
        APPS = "apps", _("Apps")
        OTHER = "other", _("Other")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("session")
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("resident"),
    )
    slot_start = models.DateTimeField(_("slot start"))
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, blank=True, default=""
    )
    resolved = models.BooleanField(_("resolved"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["slot_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "slot_start"], name="consultation_one_per_slot"
            ),
            models.CheckConstraint(
                condition=Q(
                    category__in=[
                        "",
                        "basic",
                        "calls_camera",
                        "line",
                        "my_number",
                        "scam",
                        "apps",
                        "other",
                    ]
                ),
                name="consultation_category_valid",
            ),
        ]

    def __str__(self) -> str:
        who = self.resident.name if self.resident is not None else _("walk-up")
        return f"{who} @ {self.session} {self.slot_start:%H:%M}"
