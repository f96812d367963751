"""Devices lent to residents for a fixed term, and the policy that sets the term."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext


def split_kit(text: str) -> list[str]:
    """Split a comma- (or 、-) separated kit list into its items, blanks and duplicates dropped."""
    items: list[str] = []
    for item in (text or "").replace("、", ",").split(","):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


# The default kit (``Device.accessories``) is stored in Japanese, as the agreement prints it; in
# the pages each known item is shown in the reader's language, any other item as typed.
KIT_LABELS = {
    "充電器": _("charger"),
    "ケーブル": _("cable"),
    "ケース": _("case"),
    "説明書": _("instructions"),
}


def kit_label(item: str) -> str:
    """A kit item in the active language ("充電器" -> "charger" in English), else as stored."""
    label = KIT_LABELS.get(item)
    return str(label) if label is not None else item


def kit_text(items: list[str]) -> str:
    """Kit items in the active language, joined ("充電器、ケーブル" / "charger, cable")."""
    return pgettext("list separator", ", ").join(kit_label(item) for item in items)


class Device(models.Model):
    """A smartphone, tablet or mobile router in the program's inventory."""

    class Kind(models.TextChoices):
        SMARTPHONE = "smartphone", _("Smartphone")
        TABLET = "tablet", _("Tablet")
        ROUTER = "router", _("Mobile Wi-Fi router")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        RESERVED = "reserved", _("Reserved")
        ON_LOAN = "on_loan", _("On loan")
        IN_REPAIR = "in_repair", _("In repair")
        RETIRED = "retired", _("Retired")
        LOST = "lost", _("Lost")

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        WORN = "worn", _("Worn")
        DAMAGED = "damaged", _("Damaged")

    asset_tag = models.CharField(_("asset tag"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SMARTPHONE)
    maker = models.CharField(_("maker"), max_length=50, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    os = models.CharField(_("OS"), max_length=50, blank=True)
    serial = models.CharField(_("serial number"), max_length=50, unique=True)
    imei = models.CharField(_("IMEI"), max_length=20, blank=True)
    sim_phone_number = models.CharField(_("SIM phone number"), max_length=20, blank=True)
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    data_plan = models.CharField(_("data plan"), max_length=100, blank=True)
    sim_monthly_cost_yen = models.PositiveIntegerField(
        _("SIM monthly cost (yen)"),
        null=True,
        blank=True,
        help_text=_("What the SIM/data plan costs the program per month, in yen (tax included)."),
    )
    preinstalled_apps = models.CharField(
        _("pre-installed apps"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. LINE, disaster app, health app."),
    )
    management_profile = models.CharField(
        _("management profile"),
        max_length=200,
        blank=True,
        help_text=_(
            "The device management (MDM) profile or restrictions installed, e.g. harmful sites "
            "blocked, no international calls."
        ),
    )
    accessories = models.CharField(
        _("kit"),
        max_length=200,
        blank=True,
        default="充電器,ケーブル,ケース,説明書",
        help_text=_("Comma-separated items handed over with the device."),
    )
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, default=Condition.GOOD
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )
    home_venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("home venue"),
    )
    notes = models.TextField(_("notes"), blank=True)
    # A reserved device is held for one resident (e.g. selected in the lottery) until checkout.
    reserved_for = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reserved_devices",
        verbose_name=_("reserved for"),
    )
    reserved_until = models.DateField(_("reserved until"), null=True, blank=True)
    # Where the reservation was made (the resident collects the device there): only that
    # venue's staff see who it is for and may change or cancel it.
    reserved_venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reserved at"),
    )

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["asset_tag"]
        constraints = [
            # "Reserved" always names the resident it is held for, and only then.
            models.CheckConstraint(
                condition=(Q(status="reserved") & Q(reserved_for__isnull=False))
                | (~Q(status="reserved") & Q(reserved_for__isnull=True)),
                name="device_reserved_names_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.maker} {self.model_name}".strip()

    @property
    def kit_items(self) -> list[str]:
        """Kit items normally lent with the device, from ``accessories``."""
        return split_kit(self.accessories)

    @property
    def kit_display(self) -> str:
        """The kit in the reader's language, joined (``kit_text``)."""
        return kit_text(self.kit_items)

    @property
    def is_lendable(self) -> bool:
        """True when the device may be lent now: available, or reserved (for its resident)."""
        return self.status in (self.Status.AVAILABLE, self.Status.RESERVED)

    @property
    def preinstalled_app_items(self) -> list[str]:
        """The pre-installed apps as a list, from the comma-separated field."""
        return split_kit(self.preinstalled_apps)


class DeviceEvent(models.Model):
    """One change of a device's status or venue, kept as its history (written by loans.services
    only). A transfer keeps the status (from = to) and names the venues."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        TRANSFER = "transfer", _("Transfer to another venue")

    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="events", verbose_name=_("device")
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=Device.Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=20, choices=Device.Status.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STATUS)
    from_venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from venue"),
    )
    to_venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to venue"),
    )

    class Meta:
        verbose_name = _("device status change")
        verbose_name_plural = _("device status history")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["device", "at"])]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.from_status} → {self.to_status}"


class LoanPolicy(models.Model):
    """Terms of the loan scheme, set by the administrator. The active one is used for new loans."""

    name = models.CharField(_("name"), max_length=100)
    term_days = models.PositiveIntegerField(_("term (days)"), default=182)
    max_renewals = models.PositiveIntegerField(_("renewals allowed"), default=1)
    min_age = models.PositiveIntegerField(_("minimum age"), default=65)
    max_active_loans = models.PositiveIntegerField(_("devices per resident"), default=1)
    requires_resident_of_city = models.BooleanField(
        _("only residents living in the city"),
        default=False,
        help_text=_("Refuse residents recorded as living outside the city."),
    )
    requires_no_smartphone = models.BooleanField(
        _("only residents without a smartphone"),
        default=False,
        help_text=_("Refuse residents whose own device is an Android smartphone or an iPhone."),
    )
    classes_to_attend = models.PositiveIntegerField(
        _("classes to attend during the loan"),
        default=0,
        help_text=_("Printed on the loan agreement; not checked at checkout."),
    )
    priority_living_alone = models.BooleanField(
        _("priority: living alone"),
        default=False,
        help_text=_("Residents living alone are drawn first in a lottery."),
    )
    priority_seniors_only = models.BooleanField(
        _("priority: senior-only household"),
        default=False,
        help_text=_("Residents of senior-only households are drawn first in a lottery."),
    )
    lender_name = models.CharField(
        _("lender"),
        max_length=200,
        blank=True,
        help_text=_(
            "The operating body that lends the devices, printed on the loan agreement (e.g. "
            "いわき市 デジタル推進課). Empty: the site-wide setting LOAN_LENDER_NAME."
        ),
    )
    # {clause key: text} overriding the default wording of the agreement's clauses
    # (loans.agreement_clauses.CLAUSES); a missing or blank key prints the default.
    clause_texts = models.JSONField(_("agreement clause texts"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("loan policy")
        verbose_name_plural = _("loan policies")
        constraints = [
            models.CheckConstraint(condition=Q(term_days__gte=1), name="policy_term_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Loan(models.Model):
    """A fixed-term loan of one device to one resident (貸与)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("On loan")
        RETURNED = "returned", _("Returned")
        LOST = "lost", _("Lost")

    class Signer(models.TextChoices):
        NONE = "", _("Not signed")
        RESIDENT = "resident", _("The resident")
        PROXY = "proxy", _("A proxy")

    class Outcome(models.TextChoices):
        NONE = "", _("Not yet known")
        OWN_DEVICE = "own_device", _("Bought own device")
        RETURNED_WITHOUT = "returned_without", _("Returned without own device")
        OTHER_PROGRAM = "other_program", _("Joined another program")
        EXTENDED = "extended", _("Extended")
        LOST = "lost", _("Lost")

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="loans", verbose_name=_("device")
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("resident"),
    )
    policy = models.ForeignKey(
        LoanPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("policy"),
    )
    venue = models.ForeignKey(
        "classes.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("venue"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    start_date = models.DateField(_("start date"))
    due_date = models.DateField(_("due date"))
    renewals = models.PositiveIntegerField(_("renewals"), default=0)
    kit_handed_over = models.CharField(_("kit handed over"), max_length=200, blank=True)
    agreement_signed = models.BooleanField(_("agreement signed"), default=False)
    signed_by = models.CharField(
        _("signed by"), max_length=10, choices=Signer.choices, blank=True, default=""
    )
    proxy_signer_name = models.CharField(_("proxy signer's name"), max_length=100, blank=True)
    proxy_signer_relation = models.CharField(
        _("proxy signer's relationship"), max_length=50, blank=True
    )
    unsigned_reason = models.CharField(
        _("reason for handing over unsigned"),
        max_length=300,
        blank=True,
        help_text=_("Why the device was handed over before the agreement was signed."),
    )
    usage_data_consent = models.BooleanField(
        _("consents to de-identified usage data analysis"),
        default=False,
        help_text=_("A separate, optional consent; the loan does not depend on it."),
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    kit_returned = models.CharField(_("kit returned"), max_length=200, blank=True)
    return_condition = models.CharField(
        _("condition at return"), max_length=20, choices=Device.Condition.choices, blank=True
    )
    data_wiped_at = models.DateTimeField(_("data wipe confirmed at"), null=True, blank=True)
    overdue_noted_on = models.DateField(
        _("overdue noted on"),
        null=True,
        blank=True,
        help_text=_("The day the overdue check first listed this loan for a follow-up call."),
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    notes = models.TextField(_("notes"), blank=True)
    # The per-resident limit as database rows: an active loan occupies one numbered holding slot
    # of its resident (unique among active loans) and the slot may not exceed the number the
    # policy allowed at checkout. Two desks lending to one resident at once cannot both win.
    holding_slot = models.PositiveSmallIntegerField(_("holding slot"), null=True, blank=True)
    allowed_loans = models.PositiveSmallIntegerField(
        _("devices allowed at checkout"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["status", "due_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["device"], condition=Q(status="active"), name="loan_one_active_per_device"
            ),
            models.CheckConstraint(
                condition=Q(due_date__gt=F("start_date")), name="loan_due_after_start"
            ),
            models.UniqueConstraint(
                fields=["resident", "holding_slot"],
                condition=Q(status="active"),
                name="loan_resident_slot_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="active")
                | Q(holding_slot__gte=1, holding_slot__lte=F("allowed_loans")),
                name="loan_within_resident_allowance",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("start_date")),
                name="loan_returned_after_start",
            ),
            # Who signed is only recorded for a signed agreement; a proxy has a name and a
            # relationship to the resident.
            models.CheckConstraint(
                condition=Q(signed_by="") | Q(agreement_signed=True),
                name="loan_signer_only_when_signed",
            ),
            models.CheckConstraint(
                condition=~Q(signed_by="proxy")
                | (~Q(proxy_signer_name="") & ~Q(proxy_signer_relation="")),
                name="loan_proxy_signer_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device} → {self.resident}"

    def is_overdue_on(self, day) -> bool:
        """True when the loan is active and was due before ``day`` (a local date)."""
        return self.status == self.Status.ACTIVE and self.due_date < day

    @property
    def kit_handed_over_items(self) -> list[str]:
        """Kit items handed over at checkout, in recorded order."""
        return split_kit(self.kit_handed_over)

    @property
    def kit_returned_items(self) -> list[str]:
        """Kit items ticked back at return (empty while the loan is active)."""
        return split_kit(self.kit_returned)

    @property
    def kit_handed_over_display(self) -> str:
        return kit_text(self.kit_handed_over_items)

    @property
    def kit_returned_display(self) -> str:
        return kit_text(self.kit_returned_items)

    @property
    def missing_kit_display(self) -> str:
        return kit_text(self.missing_kit_items)

    @property
    def missing_kit_items(self) -> list[str]:
        """Kit items handed over but not ticked back at return (empty while the loan is active)."""
        if self.status != self.Status.RETURNED:
            return []
        returned = set(self.kit_returned_items)
        return [item for item in self.kit_handed_over_items if item not in returned]


class LoanCheckIn(models.Model):
    """A follow-up during a loan (by phone or at a class): what the resident now uses, how it goes."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        CLASS = "class", _("At a class")

    class Function(models.TextChoices):
        CALLS = "calls", _("Calls")
        LINE = "line", _("LINE")
        CAMERA = "camera", _("Camera")
        MAPS = "maps", _("Maps")
        MY_NUMBER = "my_number", _("My Number Card")
        HEALTH = "health", _("Health apps")

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("loan")
    )
    on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Comma-separated Function values in Function order: plain text works the same on SQLite
    # and PostgreSQL, and the register exports it as is.
    functions_used = models.CharField(_("functions used"), max_length=100, blank=True)
    difficulties = models.TextField(_("difficulties"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1-5)"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("loan check-in")
        verbose_name_plural = _("loan check-ins")
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1) & Q(satisfaction__lte=5),
                name="checkin_satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.on}"

    @property
    def function_values(self) -> list[str]:
        """The Function values used, in Function order."""
        return [v for v in (self.functions_used or "").split(",") if v]

    @property
    def function_labels(self) -> list[str]:
        """The functions used as display labels in the current language."""
        labels = dict(self.Function.choices)
        return [str(labels.get(v, v)) for v in self.function_values]


# The applications topic lives in its own module; imported here so Django registers its models
# and ``from loans.models import LoanApplication`` keeps working.
from loans.models_applications import LoanApplication, LoanLottery  # noqa: E402

__all__ = [
    "Device",
    "DeviceEvent",
    "Loan",
    "LoanApplication",
    "LoanCheckIn",
    "LoanLottery",
    "LoanPolicy",
    "kit_label",
    "kit_text",
    "split_kit",
]
