"""concentration: one asset class, or real estate, above its share of the assets."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from kms import services
from kms.detectors import REGISTRY
from kms.models import Parameter, RiskCategory, Severity
from tests.conftest import Cast
from tests.factories import make_asset
from tests.kms.detectors import run, texts


def test_it_is_an_investment_risk() -> None:
    assert REGISTRY["concentration"].category == RiskCategory.INVESTMENT


def test_it_cites_the_class_its_share_and_amount(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="stocks", value=Decimal(7_000_000), liquidity_days=3)
    make_asset(client=client, category="deposit", value=Decimal(3_000_000))

    detection = run("concentration", client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection, "zh-hans") == ["股票占资产的70%（700万元）"]


def test_it_holds_real_estate_to_a_lower_share(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="real_estate", value=Decimal(3_000_000), liquidity_days=180)
    make_asset(client=client, category="real_estate", value=Decimal(2_500_000), liquidity_days=180)
    make_asset(client=client, category="deposit", value=Decimal(4_500_000))

    assert texts(run("concentration", client), "zh-hans") == ["房产占资产的55%（550万元）"]


def test_it_cites_the_class_in_the_language_of_the_reader(cast: Cast) -> None:
    """Facts are stored language-neutral (kms.detectors): an advisor working in English
    runs the detection, and the plan still prints the asset class in Chinese."""
    client = cast.advisor_client
    make_asset(client=client, category="stocks", value=Decimal(7_000_000), liquidity_days=3)
    make_asset(client=client, category="deposit", value=Decimal(3_000_000))

    with translation.override("en"):
        detection = run("concentration", client)

    assert texts(detection, "en") == ["Stocks makes up 70% of assets (7,000,000 yuan)"]
    assert texts(detection, "zh-hans") == ["股票占资产的70%（700万元）"]


def test_it_stays_quiet_for_55_percent_in_one_class_other_than_real_estate(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="stocks", value=Decimal(5_500_000), liquidity_days=3)
    make_asset(client=client, category="deposit", value=Decimal(4_500_000))

    assert run("concentration", client) is None


def test_it_follows_the_threshold_an_admin_sets(cast: Cast) -> None:
    client = cast.advisor_client
    make_asset(client=client, category="stocks", value=Decimal(7_000_000), liquidity_days=3)
    make_asset(client=client, category="deposit", value=Decimal(3_000_000))
    assert run("concentration", client) is not None

    services.parameter_set(key="concentration_share", value=Decimal(75), user=cast.admin)
    assert Parameter.objects.get(key="concentration_share").value == 75
    assert run("concentration", client) is None

    services.parameter_set(key="concentration_share", value=Decimal(65), user=cast.admin)
    assert run("concentration", client) is not None

    # None restores the default of 60%, and no override is left behind.
    services.parameter_set(key="concentration_share", value=Decimal(75), user=cast.admin)
    services.parameter_set(key="concentration_share", value=None, user=cast.admin)
    assert not Parameter.objects.filter(key="concentration_share").exists()
    assert run("concentration", client) is not None
