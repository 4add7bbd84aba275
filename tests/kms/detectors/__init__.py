"""One module per detector of kms.detectors.REGISTRY.

Each builds real KYC rows, loads them as kms.facts.Facts and runs one detector: a
pattern that fires it (severity and the cited facts) and a close one that does not.
"""

from __future__ import annotations

from django.utils import translation

from clients.models import Client
from kms.detectors import REGISTRY, Detection
from kms.facts import Facts
from kms.models import Finding
from kyc.selectors import kyc_load


def run(key: str, client: Client) -> Detection | None:
    """What the detector says about the client's KYC as stored now."""
    return REGISTRY[key].check(Facts(kyc_load(client=client)))


def texts(detection: Detection | None, language: str = "en") -> list[str]:
    """The cited facts as a finding shows them to the advisor."""
    assert detection is not None, "the detector did not fire"
    with translation.override(language):
        return Finding(facts=detection.facts).fact_texts()
