"""high_occupation: the client's occupation class is at or above the high-risk class."""

from __future__ import annotations

from decimal import Decimal

from kms import services
from kms.detectors import REGISTRY
from kms.models import RiskCategory, Severity
from tests.conftest import Cast
from tests.kms.detectors import run, texts


def _occupation(cast: Cast, name: str, level: int) -> None:
    client = cast.advisor_client
    client.occupation, client.occupation_class = name, level
    client.save(update_fields=["occupation", "occupation_class"])


def test_it_is_a_loss_risk() -> None:
    assert REGISTRY["high_occupation"].category == RiskCategory.LOSS


def test_it_cites_the_occupation_and_its_class(cast: Cast) -> None:
    _occupation(cast, "货车司机", 5)

    detection = run("high_occupation", cast.advisor_client)

    assert detection is not None
    assert detection.severity == Severity.MEDIUM
    assert texts(detection) == ["Occupation 货车司机 is class 5"]


def test_it_starts_at_class_4(cast: Cast) -> None:
    _occupation(cast, "建筑项目经理", 4)

    assert texts(run("high_occupation", cast.advisor_client)) == [
        "Occupation 建筑项目经理 is class 4"
    ]


def test_it_stays_quiet_below_class_4_or_without_a_class(cast: Cast) -> None:
    _occupation(cast, "工厂主", 3)
    assert run("high_occupation", cast.advisor_client) is None

    cast.advisor_client.occupation_class = None
    cast.advisor_client.save(update_fields=["occupation_class"])
    assert run("high_occupation", cast.advisor_client) is None


def test_it_follows_the_class_an_admin_sets(cast: Cast) -> None:
    _occupation(cast, "建筑项目经理", 4)

    services.parameter_set(key="high_occupation_class", value=Decimal(5), user=cast.admin)

    assert run("high_occupation", cast.advisor_client) is None
