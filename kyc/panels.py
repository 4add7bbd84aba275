"""The KYC buttons on the client page (see clients.panels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clients.panels import Action, action_register


def register() -> None:
    action_register(Action(key="kyc", label="KYC", url_name="kyc:page", order=10, primary=True))
    action_register(Action(key="history", label=_("History"), url_name="kyc:history", order=20))
    action_register(Action(key="export", label=_("Export"), url_name="kyc:export", order=30))
    action_register(Action(key="erase", label=_("Erase"), url_name="kyc:erase", order=40))
