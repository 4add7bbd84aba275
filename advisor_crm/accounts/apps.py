from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "advisor_crm.accounts"
    label = "accounts"
    verbose_name = _("Accounts and teams")

    def ready(self) -> None:
        # The lowest app of the project: every app above stores text through it.
        from advisor_crm import inputs

        inputs.connect()
