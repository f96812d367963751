"""Seat offers: a freed seat held for the first in line until they say yes, no, or time runs out.

A seat that frees (a cancellation, more seats, a move, a restore) is never handed out at once:
``classes.services_offers.seat_offers_make`` holds it with an open ``SeatOffer`` for the first
waitlisted registration. Open offers count as taken seats everywhere seats are counted, so
nobody else can take the held seat. The resident answers through the mail link (a POST on the
public offer page) or on the phone to staff (the call list); only a yes moves the registration
to REGISTERED.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SeatOffer(models.Model):
    """One offer of a held seat to one waitlisted registration, open until ``expires_at``.

    ``channel``: MAIL when the resident has an email address and consented (they get a one-time
    link), PHONE otherwise (staff call them from the call list). Times are aware (shown in JST).
    """

    class Channel(models.TextChoices):
        MAIL = "mail", _("Email link")
        PHONE = "phone", _("Phone (call list)")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Via(models.TextChoices):
        NONE = "", _("Not decided")
        LINK = "link", _("Email link")
        STAFF = "staff", _("Staff (phone)")
        SYSTEM = "system", _("System")

    session = models.ForeignKey(
        "classes.Session",
        on_delete=models.CASCADE,
        related_name="seat_offers",
        verbose_name=_("session"),
    )
    registration = models.ForeignKey(
        "classes.Registration",
        on_delete=models.CASCADE,
        related_name="seat_offers",
        verbose_name=_("registration"),
    )
    channel = models.CharField(_("reached by"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("answer by"))
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_via = models.CharField(
        _("answered through"), max_length=10, choices=Via.choices, blank=True, default=""
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    # The secret part of the mail link (the link is this value signed with SECRET_KEY).
    link_key = models.CharField(max_length=64, editable=False)
    # Mail offers: when a sender claimed the mail (cleared again when sending fails; a claim older
    # than REMINDER_CLAIM_TIMEOUT is free again, kernel.mail), and when the mail server took it.
    mail_claimed_at = models.DateTimeField(_("email claimed for sending at"), null=True, blank=True)
    mail_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    mail_error = models.CharField(_("last sending error"), max_length=300, blank=True)
    # Phone offers: calls that reached nobody (the offer stays open until ``expires_at``).
    no_answer_count = models.PositiveSmallIntegerField(_("calls without answer"), default=0)
    last_called_at = models.DateTimeField(_("last called at"), null=True, blank=True)

    class Meta:
        verbose_name = _("seat offer")
        verbose_name_plural = _("seat offers")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["status", "expires_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status="open"),
                name="seat_offer_one_open_per_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.registration_id} @ {self.session_id}"

    @property
    def is_open(self) -> bool:
        """True while the offer waits for an answer."""
        return self.status == self.Status.OPEN
