from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KycConfig(AppConfig):
    name = "kyc"
    verbose_name = _("KYC household map")

    def ready(self) -> None:
        from clients import events
        from kyc import audit, panels, services

        audit.register()
        panels.register()
        events.client_profile_saved.connect(
            services.on_profile_saved, dispatch_uid="kyc.completeness_on_profile_saved"
        )
        events.clients_merging.connect(services.on_client_merging, dispatch_uid="kyc.merge")
        events.clients_merge_preview.connect(
            services.on_client_merge_preview, dispatch_uid="kyc.merge_preview"
        )
