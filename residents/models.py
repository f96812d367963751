"""The people the program serves. Most are 65+, have no login and are registered by staff by phone."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OwnDevice(models.TextChoices):
    NONE = "none", _("None")
    FEATURE_PHONE = "feature_phone", _("Feature phone")
    ANDROID = "android", _("Android smartphone")
    IPHONE = "iphone", _("iPhone")
    TABLET = "tablet", _("Tablet only")
    # A list that says only "スマホ": a smartphone, kind not known.
    SMARTPHONE = "smartphone", _("Smartphone (kind not known)")


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


def _import_upload_to(instance: "ResidentImport", filename: str) -> str:
    # Under MEDIA_ROOT, which has no URL: the list is read by tasks only.
    return f"imports/{timezone.now():%Y/%m}/{filename}"


class ResidentImport(models.Model):
    """One run of the staff-list import: the uploaded file, its preview, its report.

    Kept so the office can check later what was done. ``status`` moves uploaded → previewing →
    previewed (or refused) → confirmed → importing → done (or failed). ``header_row`` and the row
    numbers of ``ResidentImportRow`` are the sheet's row numbers as Excel shows them (for a CSV,
    the line on which the record starts). ``rows_total`` counts the rows below the header:
    imported + flagged + rejected + skipped.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting to be read")
        PREVIEWING = "previewing", _("Being read")
        PREVIEWED = "previewed", _("Read: waiting for confirmation")
        REFUSED = "refused", _("Refused")
        CONFIRMED = "confirmed", _("Waiting to be imported")
        IMPORTING = "importing", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=_import_upload_to, blank=True)
    file_hash = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True, db_index=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file_format = models.CharField(_("format and encoding"), max_length=100, blank=True)
    sheet_name = models.CharField(_("sheet read"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), null=True, blank=True)
    # [[header as written, field key or "" when not recognised], ...] in column order.
    columns = models.JSONField(_("columns"), default=list, blank=True)
    # {"rows": [[row number, outcome, name, kana, birth date, phone, district, device, reason]]}
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_imported = models.PositiveIntegerField(_("imported"), default=0)
    rows_flagged = models.PositiveIntegerField(_("flagged as possible duplicates"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected"), default=0)
    rows_skipped = models.PositiveIntegerField(_("skipped"), default=0)
    error = models.TextField(_("why the file was refused"), blank=True)
    report = models.TextField(_("report"), blank=True)

    class Meta:
        verbose_name = _("resident import")
        verbose_name_plural = _("resident imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="resident_import_progress_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def refused(self) -> bool:
        return self.status == self.Status.REFUSED

    @property
    def in_progress(self) -> bool:
        """True while a task is reading or importing the file (the page refreshes itself)."""
        return self.status in (
            self.Status.UPLOADED,
            self.Status.PREVIEWING,
            self.Status.CONFIRMED,
            self.Status.IMPORTING,
        )


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", _("imported")
    FLAGGED = "flagged", _("flagged")
    REJECTED = "rejected", _("rejected")
    SKIPPED = "skipped", _("skipped")


class ResidentImportRow(models.Model):
    """What became of one sheet row below the header (the downloadable report, row by row).

    ``row_number``: as Excel shows it (a CSV: the line the record starts on). Written by the
    preview (the outcome foreseen) and written again by the import (the outcome).
    """

    run = models.ForeignKey(ResidentImport, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=ImportOutcome.choices)
    name = models.CharField(_("name"), max_length=101, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["run", "row_number"]
        indexes = [models.Index(fields=["run", "row_number"])]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.row_number}"


# The self-assessment topic lives in its own module; imported here so Django registers its models
# and ``from residents.models import SkillAssessment`` works.
from residents.models_skills import (  # noqa: E402
    SkillAnswer,
    SkillAssessment,
    SkillItem,
    SkillLevel,
)

__all__ = [
    "ImportOutcome",
    "Household",
    "OwnDevice",
    "Resident",
    "ResidentImport",
    "ResidentImportRow",
    "SkillAnswer",
    "SkillAssessment",
    "SkillItem",
    "SkillLevel",
]
