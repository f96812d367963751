"""The people the program serves. Most are 65+, have no login and are registered by staff by phone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OwnDevice(models.TextChoices):
    NONE = "none", _("None")
    FEATURE_PHONE = "feature_phone", _("Feature phone")
    ANDROID = "android", _("Android smartphone")
    IPHONE = "iphone", _("iPhone")
    TABLET = "tablet", _("Tablet only")


class Household(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    ALONE = "alone", _("Living alone")
    SENIORS_ONLY = "seniors_only", _("Senior-only household")
    WITH_FAMILY = "with_family", _("Living with family")


class Resident(models.Model):
    """A resident (市民 / 利用者).

    ``name_kana`` is stored as full-width katakana with single ASCII spaces (see
    ``residents.normalize.normalize_kana``); ``phone_digits`` holds the national number's digits
    only, so that search matches any width, script or hyphenation.
    """

    name = models.CharField(_("name (kanji)"), max_length=100)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    search_kana = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    # Search keys, kept by save(): all are prefix-searched through their btree index, so
    # a phone search stays fast on a large table (see residents.selectors.resident_search).
    search_kana_given = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    search_name = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    search_name_given = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_digits = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    # Reversed digits: "last four digits" becomes a prefix match that can use an index.
    phone_digits_reversed = models.CharField(
        max_length=20, blank=True, db_index=True, editable=False
    )
    email = models.EmailField(_("email"), blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    lives_in_city = models.BooleanField(
        _("lives in the city"),
        default=True,
        help_text=_(
            "Untick for someone registered from outside the city (e.g. a neighbouring town)."
        ),
    )
    household = models.CharField(
        _("household"), max_length=20, choices=Household.choices, blank=True, default=""
    )
    own_device = models.CharField(
        _("own device"), max_length=20, choices=OwnDevice.choices, default=OwnDevice.NONE
    )
    accessibility_needs = models.CharField(
        _("accessibility needs"),
        max_length=200,
        blank=True,
        help_text=_("For example: hearing aid, large print, wheelchair."),
    )
    proxy_name = models.CharField(_("proxy contact name"), max_length=100, blank=True)
    proxy_phone = models.CharField(_("proxy contact phone"), max_length=20, blank=True)
    proxy_relation = models.CharField(_("proxy relation"), max_length=50, blank=True)
    consent_given = models.BooleanField(_("consent to data use"), default=False)
    consent_date = models.DateField(_("consent date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        verbose_name=_("possible duplicate of"),
        help_text=_("Set by the import when this looks like a resident already registered."),
    )
    source_import = models.ForeignKey(
        "ResidentImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when the personal data was erased (retention or an erasure request); the row stays so
    # that aggregate report figures (attendances, loans) keep counting it.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["search_kana", "id"]
        indexes = [models.Index(fields=["birth_date"]), models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_given=False) | models.Q(consent_date__isnull=False),
                name="resident_consent_has_date",
            )
        ]

    SEARCH_KEY_FIELDS = (
        "search_kana",
        "search_kana_given",
        "search_name",
        "search_name_given",
        "phone_digits",
        "phone_digits_reversed",
    )

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.set_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # Keys follow their source fields even on a partial save.
            kwargs["update_fields"] = set(update_fields) | set(self.SEARCH_KEY_FIELDS)
        super().save(*args, **kwargs)

    def set_search_keys(self) -> None:
        """Fill the search keys from name, name_kana and phone (save() calls this)."""
        from residents.normalize import (
            clean_name,
            given_part,
            kana_search_key,
            normalize_kana,
            phone_digits,
            search_name_key,
        )

        self.search_kana = kana_search_key(self.name_kana)
        self.search_kana_given = given_part(normalize_kana(self.name_kana))
        self.search_name = search_name_key(self.name)
        self.search_name_given = search_name_key(given_part(clean_name(self.name)))
        self.phone_digits = phone_digits(self.phone)
        self.phone_digits_reversed = self.phone_digits[::-1]

    def age_on(self, day) -> int | None:
        """Age in whole years on ``day`` (a date), or None when the birth date is unknown."""
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int | None:
        """Age in whole years today (Asia/Tokyo), or None without a birth date."""
        from django.utils import timezone

        return self.age_on(timezone.localdate())


class ResidentImport(models.Model):
    """One run of the staff-list import, with its report (kept so the office can check it later)."""

    file_name = models.CharField(_("file name"), max_length=255)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_imported = models.PositiveIntegerField(_("imported"), default=0)
    rows_flagged = models.PositiveIntegerField(_("flagged as possible duplicates"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    report = models.TextField(_("report"), blank=True)

    class Meta:
        verbose_name = _("resident import")
        verbose_name_plural = _("resident imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
