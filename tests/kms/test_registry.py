"""Each registered detector has its own test module, as the issue asks."""

from pathlib import Path

from kms.detectors import REGISTRY

DETECTOR_TESTS = Path(__file__).parent / "detectors"


def test_it_has_a_test_module_for_every_detector() -> None:
    modules = {path.stem.removeprefix("test_") for path in DETECTOR_TESTS.glob("test_*.py")}
    assert set(REGISTRY) <= modules
    assert len(REGISTRY) >= 11
