"""Caravan mode (お助けキャラバン offline): the records a device made without a network and sent
later. One row per record the server accepted, keyed by the id the device gave it, so a resend
(a lost answer, a second press of "send") finds its row and creates nothing twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from classes.models import Registration, Session
from classes.models_consult import Consultation


class CaravanRecord(models.Model):
    """A record made on a device in caravan mode and accepted by the sync.

    ``client_id`` is the UUID the device generated when staff made the record (unique: the
    database refuses a second row for one record). ``recorded_at`` is the device's clock when it
    was made (aware); ``received_at`` the server's when it arrived. What the record did is linked:
    the registration marked present or made for a walk-in, the resident a walk-in created, the
    consultation logged, or ``visitors`` (+1 / -1) added to ``Session.walk_in_count``. No
    personal data is stored here: names and birth dates live on the resident only.
    """

    class Kind(models.TextChoices):
        PRESENCE = "presence", _("Presence")
        WALK_IN = "walk_in", _("Walk-in")
        CONSULTATION = "consultation", _("Consultation")
        VISITORS = "visitors", _("Visitors counted")

    client_id = models.UUIDField(_("record id (from the device)"), unique=True)
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="caravan_records",
        verbose_name=_("session"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recorded_at = models.DateTimeField(_("recorded on the device at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registration"),
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caravan_records",
        verbose_name=_("resident created"),
    )
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consultation"),
    )
    present = models.BooleanField(_("present"), null=True, blank=True)
    visitors = models.SmallIntegerField(_("visitors added"), null=True, blank=True)
    flagged_duplicate = models.BooleanField(_("flagged as a possible duplicate"), default=False)

    class Meta:
        verbose_name = _("caravan record")
        verbose_name_plural = _("caravan records")
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["presence", "walk_in", "consultation", "visitors"]),
                name="caravan_record_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.client_id}"
