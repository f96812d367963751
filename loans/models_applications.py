"""Loan applications and the lottery that draws among them, when devices are fewer than applicants."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loans.models import LoanPolicy


class LoanLottery(models.Model):
    """One draw among the pending applications of a policy: seed and result kept to re-run it."""

    policy = models.ForeignKey(
        LoanPolicy, on_delete=models.PROTECT, related_name="lotteries", verbose_name=_("policy")
    )
    seed = models.BigIntegerField(_("seed"))
    places = models.PositiveIntegerField(_("places"))
    # Application ids in drawn order (priority groups first); the first ``places`` were selected.
    result = models.JSONField(_("result"), default=list)
    held_at = models.DateTimeField(_("held at"), default=timezone.now)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The draw was among the applications of this venue only; None: of every venue.
    venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("venue"),
    )

    class Meta:
        verbose_name = _("loan lottery")
        verbose_name_plural = _("loan lotteries")
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"{self.policy} {self.held_at:%Y-%m-%d}"


class LoanApplication(models.Model):
    """A resident's application for a loan under a policy, before a device is lent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the lottery")
        SELECTED = "selected", _("Selected")
        WAITLISTED = "waitlisted", _("Waitlisted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        related_name="loan_applications",
        verbose_name=_("resident"),
    )
    policy = models.ForeignKey(
        LoanPolicy, on_delete=models.PROTECT, related_name="applications", verbose_name=_("policy")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    priority = models.BooleanField(_("priority group"), default=False)
    lottery = models.ForeignKey(
        LoanLottery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("lottery"),
    )
    venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.PROTECT,
        null=True,  # applications recorded before the venue was required
        related_name="loan_applications",
        verbose_name=_("venue"),
        help_text=_(
            "Where the resident will collect the device; staff see their venues' applications."
        ),
    )
    draw_position = models.PositiveIntegerField(_("position in the draw"), null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ["applied_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "policy"],
                condition=~Q(status="withdrawn"),
                name="loan_application_one_open_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} ({self.get_status_display()})"
