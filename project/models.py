"""Who a user is in the program: their role and, for center staff, the venues they run."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Program administrator")
    STAFF = "staff", _("Center staff")
    COORDINATOR = "coordinator", _("Volunteer coordinator")
    SUPPORTER = "supporter", _("Supporter")


class Profile(models.Model):
    """One per user account. Superusers count as administrators whatever their profile says."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    venues = models.ManyToManyField(
        "classes.Venue",
        blank=True,
        related_name="staff_profiles",
        verbose_name=_("venues"),
        help_text=_("Center staff may change sessions and lend devices only at these venues."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"
