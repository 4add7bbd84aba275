"""Calculator inputs have ranges; a bad stored override never breaks a case.

Before the ranges, POST years=1e309 to the education calculator was saved, and from
then on every step of the case, its progress and a reset of the input returned 500,
and "new version" copied the bad value into the next case.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from advisor_crm.accounts.models import User
from kms import selectors, services
from kms.calculators import override_value, overrides_valid
from kms.models import CaseStatus, KmsCase, Step
from tests.conftest import Cast, logged_in
from tests.factories import born, make_household, make_person

repair = importlib.import_module("kms.migrations.0006_repair_needs_overrides")


def _en(user: User) -> HttpClient:
    http = logged_in(user)
    http.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return http


@pytest.fixture
def case(cast: Cast) -> KmsCase:
    """A couple with a five-year-old daughter, spending 300,000 a year."""
    client = cast.advisor_client
    make_person(client=client, relationship="self", name="赵建国", gender="male", birth_date=born(42))  # fmt: skip
    make_person(client=client, relationship="child", name="赵可欣", birth_date=born(5))
    make_household(client=client, annual_spending=Decimal(300_000))
    return services.case_start(client=client, user=cast.advisor)


def _reload(case: KmsCase) -> KmsCase:
    return KmsCase.objects.get(pk=case.pk)


def _store(case: KmsCase, overrides: Any) -> None:
    # As an older release (or a hand edit in the admin) left them: no service checks.
    KmsCase.objects.filter(pk=case.pk).update(needs_overrides=overrides)


def _education(case: KmsCase) -> Any:
    return next(
        c for c in selectors.case_state(case=_reload(case)).calculations if c.key == "education"
    )


# Ranges at the field ----------------------------------------------------------------


def test_it_refuses_years_of_1e309_at_the_field_and_stores_nothing(
    cast: Cast, case: KmsCase
) -> None:
    url = reverse("kms:needs", args=[case.pk, "education"])

    response = _en(cast.advisor).post(url, {"years": "1e309", "cost_per_year": ""})

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 300." in response.content.decode()
    assert _reload(case).needs_overrides == {}


@pytest.mark.parametrize(
    ("calculator", "name", "typed", "error"),
    [
        ("life_cover", "spending_years", "101", "less than or equal to 100."),
        ("pension", "retirement_age", "121", "less than or equal to 120."),
        ("pension", "life_expectancy", "1e26", "less than or equal to 120."),
        ("education", "years", "301", "less than or equal to 300."),
        ("education", "years", "-1", "greater than or equal to 0."),
        ("education", "years", "2.555", "no more than 2 decimal places."),
        ("education", "years", "Infinity", "Enter a number."),
        ("education", "years", "NaN", "Enter a number."),
        ("education", "cost_per_year", "1e26", "Enter an amount"),
    ],
)
def test_it_refuses_each_input_beyond_its_range_with_a_message_at_the_field(
    cast: Cast, case: KmsCase, calculator: str, name: str, typed: str, error: str
) -> None:
    url = reverse("kms:needs", args=[case.pk, calculator])

    response = _en(cast.advisor).post(url, {name: typed})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{name}-error"' in html and error in html
    assert _reload(case).needs_overrides == {}


def test_it_shows_the_range_errors_in_chinese_by_default(cast: Cast, case: KmsCase) -> None:
    url = reverse("kms:needs", args=[case.pk, "education"])

    response = logged_in(cast.advisor).post(url, {"years": "1e309"})

    assert "确保该值小于或等于300。" in response.content.decode()


def test_it_accepts_the_edges_of_each_range(cast: Cast, case: KmsCase) -> None:
    url = reverse("kms:needs", args=[case.pk, "education"])

    logged_in(cast.advisor).post(url, {"years": "300", "cost_per_year": "999999999999.99"})

    assert _reload(case).needs_overrides == {
        "education": {"years": "300", "cost_per_year": "999999999999.99"}
    }
    # 300 × 999,999,999,999.99 = 299,999,999,999,997 — shown, not a crash.
    assert _education(case).result == Decimal("299999999999997.00")


def test_the_service_refuses_an_out_of_range_value_whatever_calls_it(case: KmsCase) -> None:
    with pytest.raises(ValueError, match=r"education\.years"):
        services.needs_override(
            case=case, calculator="education", values={"years": Decimal("1e309")}
        )

    assert _reload(case).needs_overrides == {}


# A bad stored override is ignored, with a warning, never a 500 ------------------------

BAD = {"education": {"years": "1e309", "cost_per_year": "30000"}}


def test_it_opens_every_step_and_the_progress_of_a_case_with_a_bad_override(
    cast: Cast, case: KmsCase
) -> None:
    _store(case, BAD)
    http = logged_in(cast.advisor)

    for step in Step.values:
        response = http.get(reverse("kms:step", args=[case.pk, step]))
        assert response.status_code in {200, 302}, step
        progress = http.get(reverse("kms:progress", args=[case.pk, step]))
        assert progress.status_code == 200, step
    assert http.get(reverse("kms:resume", args=[case.pk])).status_code == 302


def test_it_computes_with_the_kyc_value_instead_and_says_so(cast: Cast, case: KmsCase) -> None:
    default_years = _education(case).input("years").default
    _store(case, BAD)

    calculation = _education(case)
    html = _en(cast.advisor).get(reverse("kms:step", args=[case.pk, "know"])).content.decode()

    # The valid override is still used; the bad one is replaced by the KYC value.
    assert calculation.input("years").value == default_years
    assert calculation.input("cost_per_year").value == Decimal(30000)
    assert calculation.result == default_years * 30000
    assert [(str(i.label), i.value) for i in calculation.ignored] == [
        (str(calculation.input("years").label), "1e309")
    ]
    assert "The saved value “1e309” for “Years of education still ahead" in html
    assert "was ignored: the KYC value is used instead." in html


def test_it_warns_in_chinese_by_default(cast: Cast, case: KmsCase) -> None:
    _store(case, BAD)

    html = logged_in(cast.advisor).get(reverse("kms:step", args=[case.pk, "know"])).content.decode()

    assert "已保存的数值“1e309”" in html


@pytest.mark.parametrize(
    "stored",
    [
        {"education": {"years": "Infinity"}},
        {"education": {"years": "NaN"}},
        {"education": {"years": ["12"]}},
        {"education": {"years": None}},
        {"education": {"years": "9" * 100_000}},
        {"education": "years"},
        {"pension": {"life_expectancy": "1e26", "retirement_age": "-5"}},
        ["not", "a", "mapping"],
        "broken",
    ],
)
def test_it_survives_any_shape_of_stored_overrides(cast: Cast, case: KmsCase, stored: Any) -> None:
    _store(case, stored)

    response = logged_in(cast.advisor).get(reverse("kms:step", args=[case.pk, "know"]))

    assert response.status_code == 200


def test_it_clears_a_bad_override_when_the_input_is_reset_to_blank(
    cast: Cast, case: KmsCase
) -> None:
    _store(case, BAD)
    url = reverse("kms:needs", args=[case.pk, "education"])

    response = _en(cast.advisor).post(url, {"years": "", "cost_per_year": "30000"})

    assert response.status_code == 200
    assert "was ignored" not in response.content.decode()
    assert _reload(case).needs_overrides == {"education": {"cost_per_year": "30000.00"}}


def test_saving_another_calculator_drops_the_bad_override_too(cast: Cast, case: KmsCase) -> None:
    _store(case, BAD)

    logged_in(cast.advisor).post(
        reverse("kms:needs", args=[case.pk, "life_cover"]), {"spending_years": "5"}
    )

    assert _reload(case).needs_overrides == {
        "education": {"cost_per_year": "30000"},
        "life_cover": {"spending_years": "5"},
    }


def test_a_new_version_copies_only_the_valid_overrides(cast: Cast, case: KmsCase) -> None:
    services.case_close(case=case, status=CaseStatus.PRESENTED)
    _store(case, BAD)

    response = logged_in(cast.advisor).post(reverse("kms:new_version", args=[case.pk]))

    copy = KmsCase.objects.get(client=case.client, version=2)
    assert response.status_code == 302
    assert copy.needs_overrides == {"education": {"cost_per_year": "30000"}}


# The reading rules and the repair ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", Decimal(12)),
        ("12.5", Decimal("12.5")),
        (12, Decimal(12)),
        ("300", Decimal(300)),
        ("301", None),
        ("1e309", None),
        ("-1", None),
        ("12.555", None),
        ("Infinity", None),
        ("NaN", None),
        ("sNaN", None),
        ("twelve", None),
        (True, None),
        (None, None),
        ("1" * 41, None),
    ],
)
def test_it_reads_a_stored_override_only_when_the_form_would_accept_it(
    raw: Any, expected: Decimal | None
) -> None:
    assert override_value("education", "years", raw) == expected


def test_it_reads_no_override_for_an_unknown_input() -> None:
    assert override_value("education", "lottery", "1") is None
    assert override_value("lottery", "years", "1") is None


def test_the_repair_keeps_valid_overrides_and_removes_the_bad_ones(
    case: KmsCase, cast: Cast
) -> None:
    other = services.case_start(client=case.client, user=cast.advisor)
    untouched = services.case_start(client=case.client, user=cast.advisor)
    _store(case, {**BAD, "pension": {"retirement_age": "60", "life_expectancy": "1e26"}})
    _store(other, "broken")
    _store(untouched, {"life_cover": {"spending_years": "8"}})

    repair.remove_bad_overrides(apps, SimpleNamespace(connection=connection))

    assert _reload(case).needs_overrides == {
        "education": {"cost_per_year": "30000"},
        "pension": {"retirement_age": "60"},
    }
    assert _reload(other).needs_overrides == {}
    assert _reload(untouched).needs_overrides == {"life_cover": {"spending_years": "8"}}


def test_the_repair_and_the_calculators_agree_on_what_is_valid() -> None:
    stored = {
        "life_cover": {"spending_years": "100", "debts": "1e12", "liquid_assets": "5.5"},
        "pension": {"retirement_age": "120.01", "life_expectancy": "85"},
        "education": {"years": "0", "cost_per_year": "-3"},
    }

    assert (
        repair._repaired(stored)
        == overrides_valid(stored)
        == {
            "life_cover": {"spending_years": "100", "liquid_assets": "5.5"},
            "pension": {"life_expectancy": "85"},
            "education": {"years": "0"},
        }
    )
