from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Client value scoring")

    def ready(self) -> None:
        from scoring import listing, panels, receivers

        listing.register()
        panels.register()
        receivers.connect()
