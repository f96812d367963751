from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    name = "project"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from project.audit import connect_signals

        connect_signals()
