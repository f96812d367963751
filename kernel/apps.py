from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "kernel"
    # The label it had when this code lived in project/: its tables (project_profile,
    # project_auditevent), migration history and content types keep their names.
    label = "project"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from kernel.audit import connect_signals
        from kernel.database import after_migrate

        connect_signals()
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="kernel_after_migrate")
