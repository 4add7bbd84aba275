from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KmsConfig(AppConfig):
    name = "kms"
    verbose_name = _("Know, Map, Suggest")

    def ready(self) -> None:
        # plan_services connects the signal that deletes a plan's file with its document.
        from clients import events
        from kms import panels, plan_services, services  # noqa: F401

        panels.register()
        events.clients_merging.connect(services.on_client_merging, dispatch_uid="kms.merge")
        events.clients_merge_preview.connect(
            services.on_client_merge_preview, dispatch_uid="kms.merge_preview"
        )
