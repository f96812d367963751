"""The できること self-assessment: what a resident can do with a smartphone, asked at first
contact, at the end of a course or a loan, and at a follow-up 6-12 months later.

``SkillItem`` is one "can do" statement (wording editable by the administrator, Japanese and
English); ``SkillAssessment`` one asking (a resident, a day, the point in the program, who asked,
how); ``SkillAnswer`` its answer to one item: できる / 手伝いがあればできる / できない.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class SkillItem(models.Model):
    """One item of the self-assessment, e.g. 「電話をかける・受ける」.

    ``position`` orders the items on the staff form, the paper form and the reports. An item that
    has answers cannot be deleted (PROTECT); untick ``is_active`` to stop asking it.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("wording (Japanese)"), max_length=120)
    text_en = models.CharField(_("wording (English)"), max_length=120, blank=True)
    is_active = models.BooleanField(
        _("asked"), default=True, help_text=_("Untick to stop asking this item; answers are kept.")
    )

    class Meta:
        verbose_name = _("self-assessment item")
        verbose_name_plural = _("self-assessment items")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        """The wording in the active language (the Japanese one when no English is recorded)."""
        english = not (get_language() or "ja").startswith("ja")
        return self.text_en if english and self.text_en else self.text


class SkillLevel(models.TextChoices):
    CAN = "can", _("Can do")
    WITH_HELP = "with_help", _("Can do with help")
    CANNOT = "cannot", _("Cannot do")


class SkillAssessment(models.Model):
    """One asking of the self-assessment: resident, day (local date), point, who asked, how.

    ``uses_smartphone``: the resident's answer to "do you use a smartphone now?" (required at a
    follow-up, where the reports count who still uses one; optional elsewhere).
    """

    class Point(models.TextChoices):
        BEFORE = "before", _("First contact (before)")
        AFTER = "after", _("End of a course or a loan (after)")
        FOLLOW_UP = "follow_up", _("Follow-up, 6-12 months later")

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        PAPER = "paper", _("Paper form")
        IN_PERSON = "in_person", _("In person")

    class Smartphone(models.TextChoices):
        UNKNOWN = "", _("Not asked")
        YES = "yes", _("Yes")
        NO = "no", _("No")

    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.CASCADE,
        related_name="skill_assessments",
        verbose_name=_("resident"),
    )
    point = models.CharField(_("when in the program"), max_length=12, choices=Point.choices)
    asked_on = models.DateField(_("date asked"))
    channel = models.CharField(_("how"), max_length=12, choices=Channel.choices)
    uses_smartphone = models.CharField(
        _("uses a smartphone now"),
        max_length=3,
        choices=Smartphone.choices,
        blank=True,
        default=Smartphone.UNKNOWN,
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["-asked_on", "-id"]
        indexes = [models.Index(fields=["point", "asked_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(point="follow_up") | ~models.Q(uses_smartphone=""),
                name="skill_follow_up_asks_smartphone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.point} {self.asked_on}"


class SkillAnswer(models.Model):
    """The answer to one item in one assessment (an item left blank has no row)."""

    assessment = models.ForeignKey(
        SkillAssessment, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(SkillItem, on_delete=models.PROTECT, related_name="answers")
    level = models.CharField(_("answer"), max_length=10, choices=SkillLevel.choices)

    class Meta:
        verbose_name = _("self-assessment answer")
        verbose_name_plural = _("self-assessment answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="skill_answer_one_per_item")
        ]
        indexes = [models.Index(fields=["item", "level"])]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.item_id}={self.level}"


# The default items (about ten), from the national basic curriculum (総務省 デジタル活用支援
# 推進事業) and the Essential Digital Skills foundation level. Seeded by migration and by
# ``load_program_data``, which never overwrite the administrator's wording.
DEFAULT_SKILL_ITEMS = (
    ("power_buttons", "電源を入れ・切りし、ボタンや画面を操作できる",
     "Turn the phone on and off and use its buttons and screen"),
    ("calls", "電話をかける・受けることができる", "Make and answer a phone call"),
    ("camera", "カメラで写真を撮り、見返すことができる", "Take a photo and look at it again"),
    ("wifi", "Wi-Fiにつなぐことができる", "Connect to Wi-Fi"),
    ("web_search", "インターネットで調べたいページを探せる", "Find a web page about something"),
    ("line", "LINEでメッセージを送る・読むことができる", "Send and read a LINE message"),
    ("maps", "地図アプリで行きたい場所を調べられる", "Look up a place in a maps app"),
    ("my_number", "マイナンバーカードのアプリ（マイナポータル）を使える",
     "Use the My Number Card app (Mynaportal)"),
    ("scam", "詐欺のメッセージや電話に気づくことができる",
     "Recognise a scam message or call"),
    ("ask_help", "困ったときに誰に・どこに相談すればよいか分かる",
     "Know whom to ask for help when stuck"),
)  # fmt: skip
