from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("Sessions")

    def ready(self) -> None:
        # Register the app's Celery tasks in every process: services queue the offer mail by
        # task name (classes.services_offers), and a web process never runs autodiscovery.
        from classes import tasks  # noqa: F401
