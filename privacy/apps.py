from django.apps import AppConfig
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Personal data: disclosure and erasure")

    def ready(self) -> None:
        # The audit page shows the summaries this app stores in words (kernel.audit_display).
        from kernel.audit_display import register_summaries
        from privacy.services import ErasureReason

        reasons = [*ErasureReason.CHOICES, (ErasureReason.RETENTION, _("Retention period over"))]
        register_summaries(
            {f"reason: {value}": format_lazy(_("Reason: {}"), label) for value, label in reasons}
        )
        register_summaries(
            {
                "disclosure json": _("Disclosure export (JSON)"),
                "disclosure csv": _("Disclosure export (CSV)"),
            }
        )
