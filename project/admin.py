"""Accounts are made here by the program administrator: a user, a role and (for staff) venues.

Nobody signs up (see project.adapters), so the User admin carries the Profile inline: one page to
create a login and say what it may do.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from project.models import Profile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    min_num = 1
    max_num = 1
    extra = 0
    filter_horizontal = ("venues",)
    verbose_name = _("role and venues")
    verbose_name_plural = _("role and venues")


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "venue_names")
    list_filter = ("role", "venues")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    filter_horizontal = ("venues",)
    list_select_related = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("venues")

    @admin.display(description=_("venues"))
    def venue_names(self, obj: Profile) -> str:
        return "、".join(venue.name for venue in obj.venues.all())


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
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        if obj.is_superuser:
            return _("Program administrator")
        return profile.get_role_display() if profile else "—"
