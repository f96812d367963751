"""Accounts are made here by the program administrator: a user, a role and (for staff) venues.

Nobody signs up (see kernel.adapters), so the User admin carries the Profile inline: one page to
create a login and say what it may do.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kernel import admin_dates as ranged
from kernel.invitations import invitation_send
from kernel.models import AuditEvent, Profile, Role
from kernel.roles import user_role

User = get_user_model()


class ProfileInline(ranged.StackedInline):
    model = Profile
    can_delete = False
    min_num = 1
    max_num = 1
    extra = 0
    filter_horizontal = ("venues",)
    verbose_name = _("role and venues")
    verbose_name_plural = _("role and venues")


@admin.register(Profile)
class ProfileAdmin(ranged.ModelAdmin):
    list_display = ("user", "role", "venue_names")
    list_filter = ("role", "venues")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("venues",)
    list_select_related = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("venues")

    @admin.display(description=_("venues"))
    def venue_names(self, obj: Profile) -> str:
        """The profile's venues joined with "、" (prefetched by ``get_queryset``)."""
        return "、".join(venue.name for venue in obj.venues.all())


# The admin site's own login form would skip the second factor: send it through allauth's login.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus the Profile inline, on the add page too."""

    inlines = (ProfileInline,)
    list_display = ("username", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("profile__role", "is_active", "is_superuser")
    list_select_related = ("profile",)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    # "Disabled": no password yet; the owner sets one from an invitation mail.
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    actions = ("send_invitation",)

    @admin.action(description=_("Send an invitation to set a password"))
    def send_invitation(self, request, queryset) -> None:
        """Admin action: mail each chosen user a link to set a password; errors per user."""
        sent = 0
        for user in queryset:
            try:
                invitation_send(user=user, request=request)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                sent += 1
        if sent:
            self.message_user(
                request, _("Invitations sent: %(count)d.") % {"count": sent}, messages.SUCCESS
            )

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, obj) -> str | Promise:
        """The user's role for the list ("Program administrator" for superusers, "—" if none)."""
        profile = getattr(obj, "profile", None)
        if obj.is_superuser:
            return _("Program administrator")
        return profile.get_role_display() if profile else "—"


@admin.register(AuditEvent)
class AuditEventAdmin(ranged.ModelAdmin):
    """The audit trail, read-only for everyone, superusers included (append-only by design)."""

    list_display = ("at", "username", "action", "object_type", "object_id", "summary", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_type", "summary", "path")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_view_permission(self, request, obj=None) -> bool:
        return user_role(request.user) == Role.ADMINISTRATOR

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
