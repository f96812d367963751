"""Who a user is in the program: their role and, for center staff, the venues they run."""

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    ERASE = "erase", _("Erased on request")
    ANONYMISE = "anonymise", _("Anonymised (retention)")
    READ_LIMIT = "read_limit", _("Paused: too many residents shown")


class AuditEventQuerySet(models.QuerySet):
    """Append-only: bulk update and delete are refused here (and by a trigger on PostgreSQL)."""

    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who viewed or changed a resident's personal data, a loan or a device, and when.

    Append-only (see ``kernel.audit``): rows are written by ``audit_record`` and never changed
    or deleted; on PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE. ``summary``
    holds no personal data (changed field names, a status change, a reason category).
    ``user`` has no database constraint and ``username`` is a copy, so deleting a login never
    touches the trail.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    path = models.CharField(_("request path"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Reads: the page's query string (search words and filters, as typed), how many residents the
    # page showed and which (their ids: the read limit counts distinct residents per user).
    query = models.CharField(_("query"), max_length=300, blank=True)
    resident_count = models.PositiveIntegerField(_("residents shown"), default=0)
    resident_ids = models.JSONField(_("residents shown (ids)"), default=list, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"]),
            # The read limit: one user's recent events.
            models.Index(fields=["user", "at"], name="project_audit_user_at"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")

    @property
    def object_type_display(self) -> str:
        """The model's name in the user's language ("端末" for ``loans.device``), else the label."""
        from django.apps import apps

        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type

    @property
    def summary_display(self) -> str:
        """The summary in words in the user's language (page names, field names, status labels;
        ``kernel.audit_display``); the stored summary is unchanged."""
        from kernel.audit_display import summary_display

        return summary_display(self.summary, self.object_type)


class FormSubmission(models.Model):
    """A one-time form token that was used: the first POST carrying it saved something.

    ``kernel.once`` inserts the row in the same transaction as what the form saves, so the
    unique token lets exactly one of two identical POSTs through (a double click, a resent
    form, on any worker); ``result_url`` is where the second one is sent to see the result.
    """

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    result_url = models.CharField(_("result"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.token[:8]}… {self.created_at:%Y-%m-%d %H:%M}"
