from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self) -> None:
        from advisor_crm.health import register_check
        from clients import audit, checks

        audit.register()
        register_check("encryption", checks.encryption_health)
