from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KmsConfig(AppConfig):
    name = "kms"
    verbose_name = _("Know, Map, Suggest")

    def ready(self) -> None:
        # Connects the signal that deletes a plan's file with its document.
        from kms import panels, plan_services  # noqa: F401

        panels.register()
