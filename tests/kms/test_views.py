"""The KMS wizard over HTTP: access, navigation, each step's writes, closing and versions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from advisor_crm.accounts.models import User
from clients.models import Client
from kms import selectors, services
from kms.forms import ParametersForm, ProposalItemForm
from kms.models import (
    CaseStatus,
    CurrentSolution,
    Finding,
    FindingStatus,
    KmsCase,
    Parameter,
    ProposalBeneficiary,
    ProposalItem,
    Step,
)
from kms.parameters import SPECS, parameter_values
from kyc.models import Person
from tests.conftest import Cast, logged_in
from tests.factories import (
    born,
    make_asset,
    make_household,
    make_income,
    make_item,
    make_liability,
    make_person,
    version_field,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def _en(user: User) -> HttpClient:
    """A browser of the user asking for English, so that messages can be compared."""
    http = logged_in(user)
    http.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return http


def _html(response: Response) -> str:
    return response.content.decode()


def _step_url(case: KmsCase, step: str) -> str:
    return reverse("kms:step", args=[case.pk, step])


def _reload(case: KmsCase) -> KmsCase:
    return KmsCase.objects.get(pk=case.pk)


# The household ----------------------------------------------------------------------


@dataclass
class Home:
    client: Client
    me: Person
    wife: Person
    daughter: Person
    friend: Person


@pytest.fixture
def home(cast: Cast) -> Home:
    """He earns 1,000,000, guarantees a 5 million loan, spends 300,000, holds 500,000 cash.

    The detectors find: guarantee, marital_common, sole_earner, no_health_cover,
    concentration and retirement_short.
    """
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵建国", gender="male", birth_date=born(42))  # fmt: skip
    wife = make_person(client=client, relationship="spouse", name="李静", must_provide_for=True)
    daughter = make_person(
        client=client,
        relationship="child",
        name="赵可欣",
        birth_date=born(5),
        must_provide_for=True,
    )
    friend = make_person(client=client, relationship="friend", name="孙朋友", gender="male")
    make_income(client=client, person=me, kind="business", annual_amount=Decimal(1_000_000))
    make_household(client=client, annual_spending=Decimal(300_000))
    make_asset(client=client, category="deposit", value=Decimal(500_000), owner_person=me)
    make_liability(
        client=client, kind="guarantee", amount=Decimal(5_000_000), lender="招商银行",
        guarantor=me, joint_liability=True,
    )  # fmt: skip
    return Home(client=client, me=me, wife=wife, daughter=daughter, friend=friend)


def _start(home: Home, user: User | None = None) -> KmsCase:
    return services.case_start(client=home.client, user=user or home.client.owner)


def _finish_know(case: KmsCase) -> None:
    for finding in case.findings.all():
        services.finding_decide(finding=finding, status=FindingStatus.CONFIRMED)
    services.motives_set(case=case, motives=["income_security", "asset_protection"])


def _finish_map(case: KmsCase) -> None:
    for finding in case.findings.filter(status=FindingStatus.CONFIRMED):
        services.solution_save(
            finding=finding,
            kind="savings",
            weaknesses=["illiquid", "creditors"],
            notes="储蓄和房产",
        )


def _proposal(case: KmsCase, home: Home, **fields: Any) -> ProposalItem:
    """Whole life on him, 3,000,000 for 50,000 a year (5% of income), his wife beneficiary."""
    defaults: dict[str, Any] = {
        "sum_assured": Decimal(3_000_000),
        "annual_premium": Decimal(50_000),
        "beneficiaries": ((home.wife, 1, None),),
    }
    return make_item(case=case, policyholder=home.me, insured=home.me, **{**defaults, **fields})


def _complete(home: Home) -> KmsCase:
    """A case with every step done: the item answers every confirmed risk."""
    case = _start(home)
    _finish_know(case)
    _finish_map(case)
    item = _proposal(case, home)
    item.answers.set(case.findings.filter(status=FindingStatus.CONFIRMED))
    state = selectors.case_state(case=case)
    assert not any(state.blockers(step) for step in selectors.STEPS)
    return case


def _blockers(case: KmsCase, step: str) -> list[str]:
    with translation.override("en"):
        return [str(reason) for reason in selectors.case_state(case=case).blockers(step)]


# Every endpoint ----------------------------------------------------------------------


class World:
    """A case with a confirmed finding and an item, so every URL has something to reach."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.case = _start(home)
        self.finding = self.case.findings.get(detector="guarantee")
        services.finding_decide(finding=self.finding, status=FindingStatus.CONFIRMED)
        self.item = _proposal(self.case, home)

    def url(self, endpoint: str) -> str:
        case_id, finding_id, item_id = self.case.pk, self.finding.pk, self.item.pk
        if endpoint.startswith("step_"):
            return reverse("kms:step", args=[case_id, endpoint.removeprefix("step_")])
        with_finding = {"finding_decide", "solution", "leave_open"}
        with_item = {"item", "item_delete", "item_accept"}
        if endpoint in with_finding:
            return reverse(f"kms:{endpoint}", args=[case_id, finding_id])
        if endpoint in with_item:
            return reverse(f"kms:{endpoint}", args=[case_id, item_id])
        if endpoint == "needs":
            return reverse("kms:needs", args=[case_id, "life_cover"])
        if endpoint == "progress":
            return reverse("kms:progress", args=[case_id, "know"])
        return reverse(f"kms:{endpoint}", args=[case_id])

    def payload(self, endpoint: str) -> dict[str, Any]:
        """Valid data that would change something if the request were allowed."""
        home = self.home
        prefix = f"f{self.finding.pk}"
        payloads: dict[str, dict[str, Any]] = {
            "finding_decide": {"action": "dismiss", "reason": "不相关"},
            "finding_add": {
                "category": "loss",
                "severity": "2",
                "title": "父母医疗开支",
                "fact": "",
            },
            "solution": {f"{prefix}-kind": "trust", f"{prefix}-notes": "已设立家族信托"},
            "leave_open": {"reason": "下次再谈"},
            "motives": {"tax": "1"},
            "needs": {"spending_years": "3"},
            "item_new": _item_data(holder=home.wife, insured=home.wife, insured_consent="on"),
            "item": _item_data(holder=home.me, insured=home.me, sum_assured="1"),
            "close": {"status": "accepted"},
        }
        return payloads.get(endpoint, {})


ENDPOINTS = [
    ("resume", "get"),
    ("step_know", "get"),
    ("step_map", "get"),
    ("step_suggest", "get"),
    ("step_review", "get"),
    ("progress", "get"),
    ("refresh", "post"),
    ("finding_add", "post"),
    ("finding_decide", "post"),
    ("motives", "post"),
    ("needs", "post"),
    ("solution", "post"),
    ("item_new", "get"),
    ("item_new", "post"),
    ("item", "get"),
    ("item", "post"),
    ("item_delete", "post"),
    ("item_accept", "post"),
    ("leave_open", "post"),
    ("close", "post"),
    ("new_version", "post"),
]


def _request(http: HttpClient, world: World, endpoint: str, method: str) -> Response:
    if method == "get":
        return http.get(world.url(endpoint))
    return http.post(world.url(endpoint), world.payload(endpoint))


def _snapshot(client: Client) -> dict[str, Any]:
    """Every KMS row of the client, to prove that a request changed nothing."""
    return {
        "cases": list(KmsCase.objects.filter(client=client).order_by("pk").values()),
        "findings": list(Finding.objects.filter(case__client=client).order_by("pk").values()),
        "solutions": list(
            CurrentSolution.objects.filter(finding__case__client=client).order_by("pk").values()
        ),
        "items": list(ProposalItem.objects.filter(case__client=client).order_by("pk").values()),
        "beneficiaries": list(
            ProposalBeneficiary.objects.filter(item__case__client=client).order_by("pk").values()
        ),
        "answers": sorted(
            ProposalItem.answers.through.objects.filter(
                proposalitem__case__client=client
            ).values_list("proposalitem_id", "finding_id")
        ),
    }


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
@pytest.mark.parametrize("intruder", ["outsider", "teammate"])
def test_it_answers_404_for_a_case_of_another_advisors_client(
    cast: Cast, home: Home, endpoint: str, method: str, intruder: str
) -> None:
    world = World(home)
    before = _snapshot(home.client)

    response = _request(logged_in(getattr(cast, intruder)), world, endpoint, method)

    assert response.status_code == 404
    assert _snapshot(home.client) == before


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_it_lets_the_owner_reach_every_endpoint(
    cast: Cast, home: Home, endpoint: str, method: str
) -> None:
    world = World(home)

    response = _request(logged_in(cast.advisor), world, endpoint, method)

    # Closing an incomplete case is refused (400); everything else answers.
    if endpoint == "close":
        assert response.status_code == 400
    else:
        assert response.status_code in (200, 302)


def test_it_lets_the_team_lead_follow_the_case(cast: Cast, home: Home) -> None:
    world = World(home)

    response = logged_in(cast.lead).get(world.url("step_know"))

    assert response.status_code == 200


@pytest.mark.parametrize(("endpoint", "method"), ENDPOINTS)
def test_it_sends_anonymous_visitors_to_the_login_page(
    home: Home, endpoint: str, method: str
) -> None:
    world = World(home)
    before = _snapshot(home.client)

    response = _request(HttpClient(), world, endpoint, method)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _snapshot(home.client) == before


WRONG_METHODS = [
    ("resume", "post"),
    ("step_know", "post"),
    ("progress", "post"),
    ("refresh", "get"),
    ("finding_add", "get"),
    ("finding_decide", "get"),
    ("motives", "get"),
    ("needs", "get"),
    ("solution", "get"),
    ("item_new", "put"),
    ("item", "put"),
    ("item", "delete"),
    ("item_delete", "get"),
    ("item_accept", "get"),
    ("leave_open", "get"),
    ("close", "get"),
    ("new_version", "get"),
]


@pytest.mark.parametrize(("endpoint", "method"), WRONG_METHODS)
def test_it_answers_405_to_the_wrong_method(
    cast: Cast, home: Home, endpoint: str, method: str
) -> None:
    world = World(home)

    response = getattr(logged_in(cast.advisor), method)(world.url(endpoint))

    assert response.status_code == 405


def test_it_refuses_to_start_a_case_for_another_advisors_client(cast: Cast, home: Home) -> None:
    url = reverse("kms:start", args=[home.client.pk])

    assert logged_in(cast.outsider).post(url).status_code == 404
    assert logged_in(cast.advisor).get(url).status_code == 405
    assert not KmsCase.objects.exists()


def test_it_answers_404_for_a_step_that_does_not_exist(cast: Cast, home: Home) -> None:
    case = _start(home)

    assert logged_in(cast.advisor).get(_step_url(case, "decide")).status_code == 404


def test_it_answers_404_for_a_finding_or_item_of_another_case(cast: Cast, home: Home) -> None:
    world = World(home)
    other = _start(home)
    http = logged_in(cast.advisor)

    for name in ("finding_decide", "solution", "leave_open"):
        url = reverse(f"kms:{name}", args=[other.pk, world.finding.pk])
        assert http.post(url, {"action": "confirm"}).status_code == 404, name
    for name in ("item", "item_delete", "item_accept"):
        url = reverse(f"kms:{name}", args=[other.pk, world.item.pk])
        assert http.post(url).status_code == 404, name
    assert ProposalItem.objects.filter(pk=world.item.pk).exists()


# Parameters --------------------------------------------------------------------------


def _parameters_data(**changes: str) -> dict[str, str]:
    """The parameters form as posted unchanged (every default), plus the changes."""
    data = {spec.key: f"{spec.default.normalize():f}" for spec in SPECS}
    data.update(version_field(ParametersForm()))
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["advisor", "lead"])
def test_it_keeps_the_parameters_from_everyone_but_admins(cast: Cast, role: str) -> None:
    http = logged_in(getattr(cast, role))
    url = reverse("kms:parameters")

    assert http.get(url).status_code == 403
    assert http.post(url, _parameters_data(concentration_share="90")).status_code == 403
    assert not Parameter.objects.exists()


def test_it_sends_anonymous_visitors_from_the_parameters_to_login() -> None:
    response = HttpClient().get(reverse("kms:parameters"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_parameters_with_their_source(cast: Cast) -> None:
    response = _en(cast.admin).get(reverse("kms:parameters"))

    assert response.status_code == 200
    html = _html(response)
    assert "One asset class above this share of assets is a concentration" in html
    assert "Insurance Law art. 33" in html
    assert 'name="minor_death_cap_under_10" value="200000"' in html


def test_it_saves_a_parameter_and_restores_the_default(cast: Cast) -> None:
    http = _en(cast.admin)
    url = reverse("kms:parameters")

    response = http.post(url, _parameters_data(concentration_share="75"))

    assert response.status_code == 200
    assert "Saved" in _html(response)
    assert 'name="concentration_share" value="75"' in _html(response)
    assert list(Parameter.objects.values_list("key", "value", "updated_by")) == [
        ("concentration_share", Decimal(75), cast.admin.pk)
    ]
    assert parameter_values()["concentration_share"] == 75

    # An empty field restores the default, and so does the default typed back.
    http.post(url, _parameters_data(concentration_share=""))
    assert not Parameter.objects.exists()
    http.post(url, _parameters_data(concentration_share="75"))
    http.post(url, _parameters_data())
    assert not Parameter.objects.exists()
    assert parameter_values()["concentration_share"] == 60


@pytest.mark.parametrize(
    ("typed", "error"),
    [("-5", "Enter a number of zero or more."), ("abc", "Enter a number such as 10 or 0.5.")],
)
def test_it_rejects_a_negative_or_non_numeric_parameter(cast: Cast, typed: str, error: str) -> None:
    response = _en(cast.admin).post(
        reverse("kms:parameters"), _parameters_data(concentration_share=typed)
    )

    assert response.status_code == 200
    assert error in _html(response)
    assert "Saved" not in _html(response)
    assert not Parameter.objects.filter(key="concentration_share").exists()


def test_it_keeps_the_rejected_parameter_as_typed(cast: Cast) -> None:
    """Nothing typed is lost on error: the admin sees what they typed next to the error."""
    response = _en(cast.admin).post(
        reverse("kms:parameters"), _parameters_data(concentration_share="-5")
    )

    assert 'name="concentration_share" value="-5"' in _html(response)


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "1e20", "999999999999.995"])
def test_it_rejects_a_parameter_that_is_no_storable_number(cast: Cast, typed: str) -> None:
    response = _en(cast.admin).post(
        reverse("kms:parameters"), _parameters_data(concentration_share=typed)
    )

    assert response.status_code == 200
    assert not Parameter.objects.filter(key="concentration_share").exists()


# Navigation --------------------------------------------------------------------------


def test_it_starts_a_case_at_know_with_the_risks_detected(cast: Cast, home: Home) -> None:
    http = _en(cast.advisor)

    response = http.post(reverse("kms:start", args=[home.client.pk]))

    case = KmsCase.objects.get(client=home.client)
    assert response.status_code == 302
    assert response["Location"] == _step_url(case, "know")
    assert (case.version, case.step, case.status) == (1, Step.KNOW, CaseStatus.DRAFT)
    assert set(case.findings.values_list("detector", flat=True)) == {
        "guarantee", "marital_common", "sole_earner", "no_health_cover", "concentration",
        "retirement_short",
    }  # fmt: skip
    html = _html(http.get(response["Location"]))
    assert escape("Joint liability for someone else's debt") in html
    assert (
        "赵建国 guarantees with joint liability the 5,000,000 yuan loan of — from 招商银行" in html
    )
    assert "Confirm or dismiss every finding." in html

    # A second case of the same client is the next version.
    http.post(reverse("kms:start", args=[home.client.pk]))
    assert sorted(KmsCase.objects.values_list("version", flat=True)) == [1, 2]


def test_it_resumes_at_the_furthest_step_the_work_has_reached(cast: Cast, home: Home) -> None:
    case = _start(home)
    _finish_know(case)
    http = logged_in(cast.advisor)
    before = _reload(case)

    # Opening a step writes nothing (issue 13: reads are safe).
    assert http.get(_step_url(case, "know")).status_code == 200
    assert http.get(_step_url(case, "map")).status_code == 200
    after = _reload(case)
    assert (after.step, after.updated_at) == (before.step, before.updated_at)

    response = http.get(reverse("kms:resume", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == _step_url(case, "map")


def test_it_resumes_on_another_device(cast: Cast, home: Home) -> None:
    case = _start(home)
    _finish_know(case)
    _finish_map(case)
    logged_in(cast.advisor).get(_step_url(case, "suggest"))

    tablet = logged_in(cast.advisor)
    response = tablet.get(reverse("kms:resume", args=[case.pk]))

    assert response["Location"] == _step_url(case, "suggest")
    assert tablet.get(response["Location"]).status_code == 200


def test_it_redirects_a_jump_forward_to_the_step_that_blocks(cast: Cast, home: Home) -> None:
    case = _start(home)
    http = _en(cast.advisor)

    for step in ("map", "suggest", "review"):
        response = http.get(_step_url(case, step))
        assert response.status_code == 302
        assert response["Location"] == _step_url(case, "know")

    _finish_know(case)
    response = http.get(_step_url(case, "review"))
    assert response["Location"] == _step_url(case, "map")
    html = _html(http.get(response["Location"]))
    assert "Record the current solution for:" in html


def test_it_keeps_everything_when_going_back(cast: Cast, home: Home) -> None:
    case = _start(home)
    _finish_know(case)
    _finish_map(case)
    _proposal(case, home)
    http = logged_in(cast.advisor)
    http.get(_step_url(case, "suggest"))
    before = _snapshot(home.client)

    assert http.get(_step_url(case, "know")).status_code == 200
    assert http.get(_step_url(case, "map")).status_code == 200

    # Going back writes nothing at all.
    assert _snapshot(home.client) == before
    # Forward again: nothing was lost, so suggest is still open.
    assert http.get(_step_url(case, "suggest")).status_code == 200


def test_it_shows_the_progress_with_what_blocks(cast: Cast, home: Home) -> None:
    case = _start(home)

    response = _en(cast.advisor).get(reverse("kms:progress", args=[case.pk, "know"]))

    html = _html(response)
    assert response.status_code == 200
    assert 'id="progress"' in html and "<html" not in html
    assert "Confirm or dismiss every finding." in html
    assert escape("Rank the client's motives.") in html


# Know: findings, motives, needs ------------------------------------------------------


def _decide(http: HttpClient, finding: Finding, **data: str) -> Response:
    return http.post(reverse("kms:finding_decide", args=[finding.case_id, finding.pk]), data)


def test_it_confirms_and_reopens_a_finding(cast: Cast, home: Home) -> None:
    case = _start(home)
    finding = case.findings.get(detector="guarantee")
    http = logged_in(cast.advisor)

    response = _decide(http, finding, action="confirm")

    assert response.status_code == 200
    assert 'id="findings"' in _html(response)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.CONFIRMED

    _decide(http, finding, action="reopen")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_it_needs_a_reason_to_dismiss_a_finding(cast: Cast, home: Home) -> None:
    case = _start(home)
    finding = case.findings.get(detector="concentration")
    http = _en(cast.advisor)

    response = _decide(http, finding, action="dismiss", reason="")

    assert response.status_code == 200
    assert "This field is required." in _html(response)
    finding.refresh_from_db()
    assert (finding.status, finding.dismiss_reason) == (FindingStatus.OPEN, "")

    response = _decide(http, finding, action="dismiss", reason="客户有意集中于存款")

    finding.refresh_from_db()
    assert (finding.status, finding.dismiss_reason) == (
        FindingStatus.DISMISSED,
        "客户有意集中于存款",
    )
    assert "Dismissed: 客户有意集中于存款" in _html(response)

    # Reopening forgets the reason.
    _decide(http, finding, action="reopen")
    finding.refresh_from_db()
    assert (finding.status, finding.dismiss_reason) == (FindingStatus.OPEN, "")


def test_it_rejects_an_unknown_decision(cast: Cast, home: Home) -> None:
    finding = _start(home).findings.get(detector="guarantee")

    assert _decide(logged_in(cast.advisor), finding, action="maybe").status_code == 400
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_it_adds_a_finding_of_the_advisors_own(cast: Cast, home: Home) -> None:
    case = _start(home)
    http = _en(cast.advisor)
    url = reverse("kms:finding_add", args=[case.pk])

    response = http.post(
        url, {"category": "loss", "severity": "3", "title": "母亲长期服药", "fact": "高血压，每年医疗开支约 3 万元"}
    )  # fmt: skip

    added = case.findings.get(detector="")
    assert (added.category, added.severity, added.title, added.status) == (
        "loss", 3, "母亲长期服药", FindingStatus.CONFIRMED,
    )  # fmt: skip
    assert added.fact_texts() == ["高血压，每年医疗开支约 3 万元"]
    assert "母亲长期服药" in _html(response)

    response = http.post(url, {"category": "loss", "severity": "3", "title": "", "fact": ""})

    assert "This field is required." in _html(response)
    assert case.findings.filter(detector="").count() == 1


def test_it_ranks_the_motives(cast: Cast, home: Home) -> None:
    case = _start(home)
    http = _en(cast.advisor)
    url = reverse("kms:motives", args=[case.pk])

    response = http.post(url, {"pension": "2", "inheritance": "1", "tax": ""})

    assert "Saved" in _html(response)
    assert _reload(case).motives == ["inheritance", "pension"]


def test_it_rejects_two_motives_with_the_same_rank(cast: Cast, home: Home) -> None:
    case = _start(home)
    services.motives_set(case=case, motives=["pension"])

    response = _en(cast.advisor).post(
        reverse("kms:motives", args=[case.pk]), {"pension": "1", "tax": "1"}
    )

    assert "Give each motive a different rank." in _html(response)
    assert "Saved" not in _html(response)
    assert _reload(case).motives == ["pension"]


def _life_cover_form(**changes: str) -> dict[str, str]:
    """The life cover inputs as the page shows them for the household, plus the changes."""
    data = {
        "debts": "0",
        "spending_years": "10",
        "annual_spending": "300000",
        "allocations": "0",
        "liquid_assets": "500000",
        "existing_cover": "0",
    }
    data.update(changes)
    return data


def _life_cover(case: KmsCase) -> Decimal:
    return selectors.case_state(case=_reload(case)).life_cover.result


def test_it_overrides_a_needs_input_and_restores_it_when_blank(cast: Cast, home: Home) -> None:
    case = _start(home)
    http = _en(cast.advisor)
    url = reverse("kms:needs", args=[case.pk, "life_cover"])
    # 10 × 300,000 − 500,000 = 2,500,000
    assert _life_cover(case) == Decimal(2_500_000)

    response = http.post(url, _life_cover_form(spending_years="5"))

    # 5 × 300,000 − 500,000 = 1,000,000
    assert _life_cover(case) == Decimal(1_000_000)
    assert "<strong>1,000,000 yuan</strong>" in _html(response)
    assert _reload(case).needs_overrides["life_cover"]["spending_years"] == "5"

    response = http.post(url, {key: "" for key in _life_cover_form()})

    assert _life_cover(case) == Decimal(2_500_000)
    assert "<strong>2,500,000 yuan</strong>" in _html(response)
    assert _reload(case).needs_overrides == {"life_cover": {}}


def test_it_keeps_following_the_kyc_for_inputs_the_advisor_left_alone(
    cast: Cast, home: Home
) -> None:
    """The page posts every input; changing one must not freeze the others at today's KYC."""
    case = _start(home)
    url = reverse("kms:needs", args=[case.pk, "life_cover"])
    logged_in(cast.advisor).post(url, _life_cover_form(spending_years="5"))

    make_liability(client=home.client, kind="mortgage", amount=Decimal(1_000_000))

    calculation = selectors.case_state(case=_reload(case)).life_cover
    assert calculation.input("debts").value == Decimal(1_000_000)
    # 1,000,000 + 5 × 300,000 − 500,000 = 2,000,000
    assert calculation.result == Decimal(2_000_000)


def test_it_rejects_a_needs_input_that_is_no_amount(cast: Cast, home: Home) -> None:
    case = _start(home)
    url = reverse("kms:needs", args=[case.pk, "life_cover"])

    response = _en(cast.advisor).post(url, _life_cover_form(spending_years="-1", debts="lots"))

    html = _html(response)
    assert "Ensure this value is greater than or equal to 0." in html
    assert "Enter an amount in yuan" in html
    assert _reload(case).needs_overrides == {}


def test_it_shows_money_inputs_of_the_calculators_as_advisors_type_them(
    cast: Cast, home: Home
) -> None:
    case = _start(home)
    make_liability(client=home.client, kind="mortgage", amount=Decimal("30000000.00"))

    html = _html(logged_in(cast.advisor).get(_step_url(case, "know")))

    assert 'name="debts" value="3000万"' in html
    assert 'name="annual_spending" value="30万"' in html
    assert 'name="liquid_assets" value="50万"' in html
    assert 'name="spending_years" value="10"' in html
    assert "KYC 数值：3000万元" in html
    assert "30000000.00" not in html and "300000.00" not in html


def test_it_reads_a_calculator_input_in_wan_and_shows_it_back_in_wan(
    cast: Cast, home: Home
) -> None:
    case = _start(home)
    url = reverse("kms:needs", args=[case.pk, "life_cover"])

    response = logged_in(cast.advisor).post(
        url, _life_cover_form(annual_spending="30万", liquid_assets="50万", debts="3000万")
    )

    # Only the changed input is stored; the others are the KYC values as shown.
    assert _reload(case).needs_overrides == {"life_cover": {"debts": "30000000.00"}}
    assert 'name="debts" value="3000万"' in _html(response)
    # 3000万 + 10 × 30万 − 50万 = 3250万
    assert _life_cover(case) == Decimal(32_500_000)


def test_it_refuses_an_over_long_calculator_input_with_its_own_message(
    cast: Cast, home: Home
) -> None:
    case = _start(home)
    url = reverse("kms:needs", args=[case.pk, "life_cover"])

    response = _en(cast.advisor).post(url, _life_cover_form(debts="12345678901234567890"))

    assert "Enter an amount below 1,000,000,000,000 yuan." in _html(response)
    assert "digits in total" not in _html(response)
    assert _reload(case).needs_overrides == {}


def test_it_answers_404_for_an_unknown_calculator(cast: Cast, home: Home) -> None:
    case = _start(home)

    response = logged_in(cast.advisor).post(reverse("kms:needs", args=[case.pk, "lottery"]))

    assert response.status_code == 404


# Map ---------------------------------------------------------------------------------


def test_it_autosaves_the_clients_own_solution(cast: Cast, home: Home) -> None:
    case = _start(home)
    _finish_know(case)
    finding = case.findings.get(detector="guarantee")
    url = reverse("kms:solution", args=[case.pk, finding.pk])
    prefix = f"f{finding.pk}"
    http = _en(cast.advisor)

    response = http.post(
        url, {f"{prefix}-kind": "savings", f"{prefix}-weaknesses": ["illiquid", "creditors"], f"{prefix}-notes": "储蓄和房产"}
    )  # fmt: skip

    assert "Saved" in _html(response)
    solution = CurrentSolution.objects.get(finding=finding)
    assert (solution.kind, solution.weaknesses, solution.notes) == (
        "savings", ["illiquid", "creditors"], "储蓄和房产",
    )  # fmt: skip

    http.post(url, {f"{prefix}-kind": "property", f"{prefix}-weaknesses": ["divisible"]})

    solution = CurrentSolution.objects.get(finding=finding)
    assert (solution.kind, solution.weaknesses) == ("property", ["divisible"])


def test_it_keeps_the_solution_when_the_kind_is_invalid(cast: Cast, home: Home) -> None:
    case = _start(home)
    _finish_know(case)
    _finish_map(case)
    finding = case.findings.get(detector="guarantee")
    prefix = f"f{finding.pk}"

    response = _en(cast.advisor).post(
        reverse("kms:solution", args=[case.pk, finding.pk]),
        {f"{prefix}-kind": "lottery", f"{prefix}-notes": "改过"},
    )

    assert "Not saved: please correct the marked fields." in _html(response)
    solution = CurrentSolution.objects.get(finding=finding)
    assert (solution.kind, solution.notes) == ("savings", "储蓄和房产")


def test_it_maps_only_confirmed_risks(cast: Cast, home: Home) -> None:
    case = _start(home)
    finding = case.findings.get(detector="guarantee")

    response = logged_in(cast.advisor).post(
        reverse("kms:solution", args=[case.pk, finding.pk]), {f"f{finding.pk}-kind": "savings"}
    )

    assert response.status_code == 404
    assert not CurrentSolution.objects.exists()


# Suggest -----------------------------------------------------------------------------


def _item_data(
    *,
    holder: Person,
    insured: Person,
    beneficiaries: Iterable[tuple[Person, int, str]] = (),
    answers: Iterable[Finding] = (),
    existing: Iterable[ProposalBeneficiary] = (),
    item: ProposalItem | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """The proposal item form as the browser posts it; existing beneficiaries come first.

    An edit (of `item`) posts the version of the item as its form shows it now.
    """
    data: dict[str, Any] = {
        "product_type": "whole_life", "insurer": "示例人寿", "product_name": "高杠杆终身寿险",
        "policyholder": str(holder.pk), "insured": str(insured.pk), "second_policyholder": "",
        "trust_mode": "none", "trustee_name": "", "sum_assured": "300万", "annual_premium": "5万",
        "death_benefit": "", "payment_years": "20", "coverage_years": "",
        "answers": [str(f.pk) for f in answers],
    }  # fmt: skip
    stored = list(existing)
    rows = [
        (b.person, b.order, "" if b.share_percent is None else str(b.share_percent)) for b in stored
    ]
    rows += list(beneficiaries)
    data.update({
        "ben-TOTAL_FORMS": str(len(rows)), "ben-INITIAL_FORMS": str(len(stored)),
        "ben-MIN_NUM_FORMS": "0", "ben-MAX_NUM_FORMS": "1000",
    })  # fmt: skip
    for index, (person, order, share) in enumerate(rows):
        data[f"ben-{index}-person"] = str(person.pk) if person else ""
        data[f"ben-{index}-order"] = str(order)
        data[f"ben-{index}-share_percent"] = share
        if index < len(stored):
            data[f"ben-{index}-id"] = str(stored[index].pk)
            data[f"ben-{index}-item"] = str(stored[index].item_id)
    if item is not None:
        data.update(version_field(ProposalItemForm(instance=item, case=item.case)))
    data.update(changes)
    return data


def _suggest_ready(home: Home) -> KmsCase:
    case = _start(home)
    _finish_know(case)
    _finish_map(case)
    return case


def test_it_shows_an_empty_item_form(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)

    response = _en(cast.advisor).get(reverse("kms:item_new", args=[case.pk]))

    assert response.status_code == 200
    assert 'name="ben-TOTAL_FORMS"' in _html(response)
    assert "<html" not in _html(response)


def test_it_checks_an_item_live_without_saving_it(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    data = _item_data(holder=home.friend, insured=home.me, check="1")

    response = _en(cast.advisor).post(reverse("kms:item_new", args=[case.pk]), data)

    assert response.status_code == 200
    html = _html(response)
    assert "Insurance Law art. 31" in html
    assert (
        escape("孙朋友 has no insurable interest in 赵建国: record the insured's written consent")
        in html
    )
    assert "Insurance Law art. 42" in html  # no beneficiary: a warning
    assert not ProposalItem.objects.exists()
    # Only the messages are redrawn, never the form being typed into.
    assert "<form" not in html


def test_it_checks_a_childs_death_cover_against_the_cap(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    data = _item_data(
        holder=home.me, insured=home.daughter, sum_assured="50万", beneficiaries=[(home.me, 1, "")], check="1"
    )  # fmt: skip

    html = _html(_en(cast.advisor).post(reverse("kms:item_new", args=[case.pk]), data))

    assert "Insurance Law art. 33" in html
    assert "above the cap of 200,000 yuan" in html
    assert not ProposalItem.objects.exists()


def test_it_saves_a_new_item_with_its_beneficiaries(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    guarantee = case.findings.get(detector="guarantee")
    data = _item_data(
        holder=home.me, insured=home.me, answers=[guarantee],
        beneficiaries=[(home.wife, 1, "60"), (home.daughter, 1, "40")],
    )  # fmt: skip

    response = logged_in(cast.advisor).post(reverse("kms:item_new", args=[case.pk]), data)

    item = ProposalItem.objects.get(case=case)
    assert response.status_code == 200
    # The form closes: the proposal is redrawn with the new item in it.
    assert response["HX-Retarget"] == "#proposal"
    assert f'id="item-{item.pk}"' in _html(response)
    assert (item.sum_assured, item.annual_premium, item.payment_years) == (
        Decimal(3_000_000), Decimal(50_000), 20,
    )  # fmt: skip
    assert list(item.answers.all()) == [guarantee]
    assert [(b.person, b.share_percent) for b in item.beneficiaries.all()] == [
        (home.wife, Decimal(60)), (home.daughter, Decimal(40)),
    ]  # fmt: skip


def test_it_saves_nothing_when_a_field_is_wrong_and_keeps_what_was_typed(
    cast: Cast, home: Home
) -> None:
    case = _suggest_ready(home)
    data = _item_data(holder=home.me, insured=home.me, sum_assured="很多", product_name="我的方案")

    response = _en(cast.advisor).post(reverse("kms:item_new", args=[case.pk]), data)

    html = _html(response)
    assert "Enter an amount in yuan" in html
    assert 'value="我的方案"' in html and 'value="很多"' in html
    assert not ProposalItem.objects.exists()


def test_it_refuses_a_person_of_another_client(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    stranger = make_person(client=cast.outsider_client, relationship="self", name="周杰")

    response = _en(cast.advisor).post(
        reverse("kms:item_new", args=[case.pk]), _item_data(holder=stranger, insured=home.me)
    )

    assert "Select a valid choice." in _html(response)
    assert not ProposalItem.objects.exists()


def test_it_edits_an_item_and_shows_its_rule_messages(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    item = _proposal(case, home)
    url = reverse("kms:item", args=[case.pk, item.pk])
    http = _en(cast.advisor)
    existing = list(item.beneficiaries.all())

    response = http.post(
        url,
        _item_data(
            holder=home.me,
            insured=home.me,
            existing=existing,
            item=item,
            annual_premium="20万",
        ),
    )

    assert response.status_code == 200
    html = _html(response)
    assert "Saved" in html
    # 200,000 of 1,000,000 is 20%, above a tenth.
    assert (
        "Annual premiums of 200,000 yuan are 20% of the household income of 1,000,000 yuan" in html
    )
    item.refresh_from_db()
    assert item.annual_premium == Decimal(200_000)
    assert [b.person for b in item.beneficiaries.all()] == [home.wife]

    response = http.post(
        url,
        _item_data(
            holder=home.me,
            insured=home.me,
            existing=existing,
            item=item,
            product_name="改名",
            done="1",
        ),
    )

    assert response["HX-Retarget"] == "#proposal"
    assert f'id="item-{item.pk}"' in _html(response)
    item.refresh_from_db()
    assert item.product_name == "改名"


def test_it_shows_the_stored_item_with_its_messages(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    item = _proposal(case, home, beneficiaries=())

    response = _en(cast.advisor).get(reverse("kms:item", args=[case.pk, item.pk]))

    assert response.status_code == 200
    assert "Insurance Law art. 42" in _html(response)


def test_it_deletes_an_item(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    item = _proposal(case, home)

    response = logged_in(cast.advisor).post(reverse("kms:item_delete", args=[case.pk, item.pk]))

    assert response["HX-Redirect"] == _step_url(case, "suggest")
    assert not ProposalItem.objects.exists()
    assert not ProposalBeneficiary.objects.exists()


def test_it_holds_the_case_until_warnings_are_accepted(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    item = _proposal(case, home, annual_premium=Decimal(200_000))
    item.answers.set(case.findings.all())
    http = _en(cast.advisor)
    assert _blockers(case, Step.SUGGEST) == ["Read and accept the warnings of Whole life · 赵建国."]

    response = http.post(reverse("kms:item_accept", args=[case.pk, item.pk]))

    assert response.status_code == 200
    assert "(accepted)" in _html(response)
    item.refresh_from_db()
    assert [key.split(":")[0] for key in item.accepted_warnings] == ["affordability"]
    assert _blockers(case, Step.SUGGEST) == []

    # The acceptance was for those figures: a higher premium must be accepted again.
    item.annual_premium = Decimal(300_000)
    item.save()
    assert _blockers(case, Step.SUGGEST) == ["Read and accept the warnings of Whole life · 赵建国."]


def test_it_does_not_let_accepting_warnings_lift_a_block(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    item = make_item(case=case, policyholder=home.friend, insured=home.me)

    logged_in(cast.advisor).post(reverse("kms:item_accept", args=[case.pk, item.pk]))

    assert "Proposal item Whole life · 赵建国 breaks a rule." in _blockers(case, Step.SUGGEST)


def test_it_lets_a_risk_be_left_open_in_the_coverage_matrix(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)
    item = _proposal(case, home)
    retirement = case.findings.get(detector="retirement_short")
    item.answers.set(case.findings.exclude(pk=retirement.pk))
    url = reverse("kms:leave_open", args=[case.pk, retirement.pk])
    http = _en(cast.advisor)
    assert _blockers(case, Step.SUGGEST) == [
        "Answer or consciously leave open: Retirement income short of the longevity horizon"
    ]

    response = http.post(url, {"reason": "养老规划下次会谈再做"})

    assert 'id="coverage"' in _html(response)
    assert 'value="养老规划下次会谈再做"' in _html(response)
    retirement.refresh_from_db()
    assert retirement.left_open_reason == "养老规划下次会谈再做"
    assert _blockers(case, Step.SUGGEST) == []

    http.post(url, {"reason": ""})
    assert len(_blockers(case, Step.SUGGEST)) == 1


def test_it_leaves_open_only_confirmed_risks(cast: Cast, home: Home) -> None:
    case = _start(home)
    finding = case.findings.get(detector="guarantee")

    response = logged_in(cast.advisor).post(
        reverse("kms:leave_open", args=[case.pk, finding.pk]), {"reason": "不处理"}
    )

    assert response.status_code == 404
    finding.refresh_from_db()
    assert finding.left_open_reason == ""


# Review: closing and new versions ----------------------------------------------------


def test_it_refuses_to_close_an_incomplete_case(cast: Cast, home: Home) -> None:
    case = _suggest_ready(home)

    response = logged_in(cast.advisor).post(
        reverse("kms:close", args=[case.pk]), {"status": "accepted"}
    )

    assert response.status_code == 400
    assert _reload(case).status == CaseStatus.DRAFT


def test_it_closes_a_complete_case(cast: Cast, home: Home) -> None:
    case = _complete(home)
    http = _en(cast.advisor)

    response = http.post(reverse("kms:close", args=[case.pk]), {"status": "accepted"})

    assert response.status_code == 302
    assert response["Location"] == _step_url(case, "review")
    case = _reload(case)
    assert (case.status, case.step, case.is_read_only) == (CaseStatus.ACCEPTED, Step.REVIEW, True)
    assert case.closed_at is not None
    html = _html(http.get(_step_url(case, "review")))
    assert "Accepted" in html and "Start a new version" in html


def test_it_lets_a_presented_case_be_accepted_later(cast: Cast, home: Home) -> None:
    case = _complete(home)
    http = logged_in(cast.advisor)

    http.post(reverse("kms:close", args=[case.pk]), {"status": "presented"})
    assert _reload(case).status == CaseStatus.PRESENTED

    http.post(reverse("kms:close", args=[case.pk]), {"status": "accepted"})
    assert _reload(case).status == CaseStatus.ACCEPTED

    response = http.post(reverse("kms:close", args=[case.pk]), {"status": "declined"})
    assert response.status_code == 409
    assert _reload(case).status == CaseStatus.ACCEPTED


CHANGES = [
    endpoint for endpoint, method in ENDPOINTS if method == "post" and endpoint != "new_version"
]


@pytest.mark.parametrize("status", ["presented", "accepted"])
@pytest.mark.parametrize("endpoint", [e for e in CHANGES if e != "close"])
def test_it_refuses_changes_to_a_closed_case(
    cast: Cast, home: Home, status: str, endpoint: str
) -> None:
    world = World(home)
    _finish_know(world.case)
    _finish_map(world.case)
    world.item.answers.set(world.case.findings.all())
    services.case_close(case=world.case, status=status)
    before = _snapshot(home.client)

    response = _request(logged_in(cast.advisor), world, endpoint, "post")

    assert response.status_code == 409
    assert _snapshot(home.client) == before


def test_it_still_shows_every_step_of_a_closed_case(cast: Cast, home: Home) -> None:
    case = _complete(home)
    services.case_close(case=case, status=CaseStatus.ACCEPTED)
    http = logged_in(cast.advisor)

    for step in Step.values:
        assert http.get(_step_url(case, step)).status_code == 200, step
    assert _reload(case).step == Step.REVIEW
    know = _html(http.get(_step_url(case, "know")))
    for finding in case.findings.all():
        assert reverse("kms:finding_decide", args=[case.pk, finding.pk]) not in know
    assert reverse("kms:finding_add", args=[case.pk]) not in know


def test_it_copies_a_closed_case_into_a_new_version(cast: Cast, home: Home) -> None:
    case = _start(home)
    _finish_know(case)
    concentration = case.findings.get(detector="concentration")
    services.finding_decide(
        finding=concentration, status=FindingStatus.DISMISSED, reason="有意为之"
    )
    _finish_map(case)
    retirement = case.findings.get(detector="retirement_short")
    services.finding_leave_open(finding=retirement, reason="下次再谈")
    item = _proposal(
        case, home, beneficiaries=((home.wife, 1, Decimal(70)), (home.daughter, 1, Decimal(30)))
    )
    item.answers.set(case.findings.filter(status=FindingStatus.CONFIRMED).exclude(pk=retirement.pk))
    services.needs_override(
        case=case, calculator="life_cover", values={"spending_years": Decimal(8)}
    )
    services.case_close(case=case, status=CaseStatus.PRESENTED)
    before = _case_rows(case)

    response = logged_in(cast.advisor).post(reverse("kms:new_version", args=[case.pk]))

    copy = KmsCase.objects.get(client=home.client, version=2)
    assert response["Location"] == _step_url(copy, "know")
    assert (copy.status, copy.step) == (CaseStatus.DRAFT, Step.KNOW)
    assert (copy.motives, copy.needs_overrides) == (
        case.motives,
        {"life_cover": {"spending_years": "8"}},
    )

    def findings(of: KmsCase) -> list[tuple[Any, ...]]:
        return sorted(
            of.findings.values_list(
                "detector", "status", "dismiss_reason", "left_open_reason", "solution__kind",
                "solution__weaknesses", "solution__notes",
            )
        )  # fmt: skip

    assert findings(copy) == findings(case)
    copied = copy.items.get()
    assert copied.pk != item.pk
    assert (copied.sum_assured, copied.annual_premium) == (item.sum_assured, item.annual_premium)
    assert [(b.person, b.order, b.share_percent) for b in copied.beneficiaries.all()] == [
        (home.wife, 1, Decimal(70)), (home.daughter, 1, Decimal(30)),
    ]  # fmt: skip
    # The copy answers the copy's findings, the same risks as before.
    assert {f.case_id for f in copied.answers.all()} == {copy.pk}
    assert sorted(f.detector for f in copied.answers.all()) == sorted(
        f.detector for f in item.answers.all()
    )
    # The closed version stays as it was, and the new one can be changed.
    assert _case_rows(case) == before
    guarantee = copy.findings.get(detector="guarantee")
    response = _decide(logged_in(cast.advisor), guarantee, action="reopen")
    assert response.status_code == 200


def _case_rows(case: KmsCase) -> dict[str, Any]:
    """One case's rows, to prove that copying it left it alone."""
    return {
        "case": KmsCase.objects.filter(pk=case.pk).values().get(),
        "findings": list(case.findings.order_by("pk").values()),
        "solutions": list(
            CurrentSolution.objects.filter(finding__case=case).order_by("pk").values()
        ),
        "items": list(case.items.order_by("pk").values()),
        "beneficiaries": list(
            ProposalBeneficiary.objects.filter(item__case=case).order_by("pk").values()
        ),
        "answers": sorted(
            ProposalItem.answers.through.objects.filter(proposalitem__case=case).values_list(
                "proposalitem_id", "finding_id"
            )
        ),
    }


def test_it_announces_changes_to_the_progress_bar(cast: Cast, home: Home) -> None:
    case = _start(home)
    finding = case.findings.get(detector="guarantee")

    response = _decide(logged_in(cast.advisor), finding, action="confirm")

    assert "caseChanged" in json.loads(response["HX-Trigger"])


def test_it_takes_a_yuan_parameter_typed_in_wan_and_refuses_a_share_over_100(
    cast: Cast,
) -> None:
    url = reverse("kms:parameters")
    http = _en(cast.admin)

    refused = http.post(url, _parameters_data(concentration_share="250"))
    http.post(url, _parameters_data(minor_death_cap_under_10="10万"))

    assert "Enter a percentage from 0 to 100." in _html(refused)
    assert list(Parameter.objects.values_list("key", "value")) == [
        ("minor_death_cap_under_10", Decimal(100_000))
    ]
    # The default of an amount is shown as amounts are: 200,000 yuan, not 200000.
    assert "<td>200,000 yuan</td>" in _html(http.get(url))


def test_it_says_when_the_stored_risks_no_longer_match_the_parameters(
    cast: Cast, home: Home
) -> None:
    """The trial's case: an admin moves the longevity horizon; the needs follow at once,
    the stored finding's 30 years do not until the advisor detects again."""
    http = _en(cast.advisor)
    case = _start(home)
    know = reverse("kms:step", args=[case.pk, "know"])
    notice = "The KYC or the parameters changed since these risks were detected"
    assert notice not in _html(http.get(know))

    services.parameter_set(key="longevity_horizon", value=Decimal(100), user=cast.admin)

    assert notice in _html(http.get(know))
    http.post(reverse("kms:refresh", args=[case.pk]))
    assert notice not in _html(http.get(know))
