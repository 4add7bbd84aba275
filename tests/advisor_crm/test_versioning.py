"""Issue 12 (A.1): every edit form carries its row's version, and a save from a stale
form is refused with what changed, whichever form it is (advisor_crm/versioning.py).

"Opening" a form here means building what the browser posts for it as rendered at
that moment (tests.factories.form_data); two openings are two tabs.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse

from advisor_crm.saving import form_save
from advisor_crm.versioning import FIELD, StaleEdit
from clients.forms import ClientForm
from clients.models import Client
from kms.forms import ParametersForm, ProposalBeneficiaryFormSet, ProposalItemForm
from kms.models import Parameter, ProposalBeneficiary, ProposalItem
from kyc import forms as kyc_forms
from kyc import selectors as kyc_selectors
from kyc.models import Household, Person, PolicyBeneficiary
from scoring.forms import RuleForm, TiersForm
from scoring.models import Rule
from tests.conftest import Cast, logged_in
from tests.factories import (
    form_data,
    kyc_edit_data,
    kyc_new_data,
    make_beneficiary,
    make_case,
    make_household,
    make_item,
    make_person,
    make_policy,
    make_version,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **ENGLISH}
REFUSED = "Someone saved this record after you opened it, so your change was not saved."


def _html(response: Response) -> str:
    return response.content.decode()


def _http(user: object) -> HttpClient:
    return logged_in(user)  # type: ignore[arg-type]


# KYC items and the household ---------------------------------------------------------


def test_it_refuses_a_kyc_person_saved_from_a_stale_tab_and_shows_what_changed(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    wife = make_person(client=client, name="陈静", occupation="教师")
    url = reverse("kyc:item", args=[client.pk, "people", wife.pk])
    http = _http(cast.advisor)
    tab_a = kyc_edit_data(key="people", item=wife)
    tab_b = kyc_edit_data(key="people", item=wife)

    first = http.post(url, {**tab_a, "occupation": "校长"}, headers=HTMX)
    second = http.post(url, {**tab_b, "notes": "喜欢旅行"}, headers=HTMX)

    assert "✓ Saved" in _html(first)
    html = _html(second)
    assert REFUSED in html
    assert "Not saved" in html
    # What changed: the field, what tab B saw, what is saved now, what B typed.
    assert "<td>Occupation</td><td>教师</td><td><strong>校长</strong></td>" in html
    assert "Reload the saved values" in html
    assert "喜欢旅行</textarea>" in html  # B's typing is kept on screen, not lost
    wife.refresh_from_db()
    assert (wife.occupation, wife.notes) == ("校长", "")


def test_it_saves_again_from_the_form_it_returned_after_a_save(cast: Cast) -> None:
    """Autosave: each save returns the form with the new version, so the next
    change from the same tab is not taken for a stale one."""
    client = cast.advisor_client
    wife = make_person(client=client, name="陈静")
    url = reverse("kyc:item", args=[client.pk, "people", wife.pk])
    http = _http(cast.advisor)
    first = http.post(url, kyc_edit_data(key="people", item=wife, occupation="校长"), headers=HTMX)
    version = _version_in(_html(first))

    data = kyc_edit_data(key="people", item=wife, occupation="校长", notes="喜欢旅行")
    second = http.post(url, {**data, FIELD: version}, headers=HTMX)

    assert "✓ Saved" in _html(second)
    wife.refresh_from_db()
    assert (wife.occupation, wife.notes) == ("校长", "喜欢旅行")


def test_it_refuses_an_edit_that_carries_no_version(cast: Cast) -> None:
    client = cast.advisor_client
    wife = make_person(client=client, name="陈静")
    data = kyc_edit_data(key="people", item=wife, notes="手工请求")
    del data[FIELD]

    response = _http(cast.advisor).post(
        reverse("kyc:item", args=[client.pk, "people", wife.pk]), data, headers=HTMX
    )

    assert "This form is out of date. Reload the page" in _html(response)
    wife.refresh_from_db()
    assert wife.notes == ""


def test_it_adds_a_new_item_without_a_version(cast: Cast) -> None:
    client = cast.advisor_client
    response = _http(cast.advisor).post(
        reverse("kyc:item_new", args=[client.pk, "people"]),
        {**kyc_new_data(key="people", client=client), "name": "新成员"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert Person.objects.filter(client=client, name="新成员").exists()


def test_it_lets_a_save_through_when_only_a_column_the_form_does_not_show_changed(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    data = {**_client_edit(client), "notes": "面谈后更新"}
    # Recorded elsewhere meanwhile, not shown on the profile form.
    Client.objects.filter(pk=client.pk).update(next_action="周五回访")

    response = _http(cast.advisor).post(reverse("clients:edit", args=[client.pk]), data)

    assert response.status_code == 303
    client.refresh_from_db()
    assert (client.notes, client.next_action) == ("面谈后更新", "周五回访")


def test_it_refuses_a_stale_household_and_keeps_the_saved_spending(cast: Cast) -> None:
    client = cast.advisor_client
    make_household(client=client, annual_spending=Decimal(300_000))
    url = reverse("kyc:household", args=[client.pk])
    http = _http(cast.advisor)
    tab_a, tab_b = _household(client), _household(client)

    http.post(url, {**tab_a, "annual_spending": "60万"}, headers=HTMX)
    response = http.post(url, {**tab_b, "no_policies": "on"}, headers=HTMX)

    html = _html(response)
    assert REFUSED in html
    assert "<td><strong>600,000 yuan</strong></td>" in html
    household = Household.objects.get(client=client)
    assert (household.annual_spending, household.no_policies) == (Decimal(600_000), False)


def test_it_saves_a_second_household_change_from_the_same_window(cast: Cast) -> None:
    """The issue's A.2 steps in one window: 60万, then the tick; both are kept."""
    client = cast.advisor_client
    url = reverse("kyc:household", args=[client.pk])
    http = _http(cast.advisor)
    first = http.post(url, {**_household(client), "annual_spending": "60万"}, headers=HTMX)

    returned = {FIELD: _version_in(_html(first)), "annual_spending": "600000"}
    second = http.post(url, {**returned, "no_policies": "on"}, headers=HTMX)

    assert "✓ Saved" in _html(second)
    household = Household.objects.get(client=client)
    assert (household.annual_spending, household.no_policies) == (Decimal(600_000), True)


def test_it_saves_a_policy_whose_beneficiary_was_renamed_meanwhile(cast: Cast) -> None:
    """A beneficiary is versioned by who it is, not by how the name is spelt: correcting
    a name in the People card does not make the open policy form stale."""
    client = cast.advisor_client
    wife = make_person(client=client, name="许静")
    policy = make_policy(client=client)
    make_beneficiary(policy=policy, person=wife, order=1)
    data = kyc_edit_data(key="policies", item=policy, product_name="改名")
    Person.objects.filter(pk=wife.pk).update(name="许婧")

    response = _http(cast.advisor).post(
        reverse("kyc:item", args=[client.pk, "policies", policy.pk]), data, headers=HTMX
    )

    assert "✓ Saved" in _html(response)
    policy.refresh_from_db()
    assert policy.product_name == "改名"


def test_it_refuses_a_stale_policy_whose_beneficiaries_changed_elsewhere(cast: Cast) -> None:
    client = cast.advisor_client
    wife = make_person(client=client, name="陈静")
    son = make_person(client=client, relationship="child", name="陈小北")
    policy = make_policy(client=client)
    make_beneficiary(policy=policy, person=wife, order=1)
    stale = kyc_edit_data(key="policies", item=policy, product_name="改名")
    PolicyBeneficiary.objects.filter(policy=policy).update(person=son)

    response = _http(cast.advisor).post(
        reverse("kyc:item", args=[client.pk, "policies", policy.pk]), stale, headers=HTMX
    )

    assert REFUSED in _html(response)
    policy.refresh_from_db()
    assert policy.product_name == "平安福"
    assert PolicyBeneficiary.objects.get(policy=policy).person == son


@pytest.mark.parametrize(
    "version",
    ["{}", '{"policyholder": "x", "insured": [1, "y"]}', '{"insured": "²"}', "[1]", "not json"],
)
def test_it_refuses_a_hand_made_version_without_a_500(cast: Cast, version: str) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name=client.name)
    case = make_case(client=client)
    item = make_item(case=case, policyholder=me, insured=me)
    ProposalItem.objects.filter(pk=item.pk).update(insurer="改过的")

    response = _http(cast.advisor).post(
        reverse("kms:item", args=[case.pk, item.pk]),
        {**_proposal(item), FIELD: version, "annual_premium": "2万"},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "form-errors" in _html(response)
    item.refresh_from_db()
    assert (item.insurer, item.annual_premium) == ("改过的", Decimal(10_000))


# Proposal items: the case -----------------------------------------------------


def test_it_keeps_the_sum_assured_of_tab_a_when_stale_tab_b_changes_the_premium(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name=client.name)
    case = make_case(client=client)
    item = make_item(case=case, policyholder=me, insured=me)
    url = reverse("kms:item", args=[case.pk, item.pk])
    http = _http(cast.advisor)
    tab_a, tab_b = _proposal(item), _proposal(item)

    first = http.post(url, {**tab_a, "sum_assured": "300万"}, headers=HTMX)
    second = http.post(url, {**tab_b, "annual_premium": "2万"}, headers=HTMX)

    assert "Saved" in _html(first)
    html = _html(second)
    assert REFUSED in html
    assert "Sum assured (yuan)" in html and "<strong>3,000,000 yuan</strong>" in html
    item.refresh_from_db()
    assert (item.sum_assured, item.annual_premium) == (Decimal(3_000_000), Decimal(10_000))


def test_it_refuses_a_stale_item_whose_beneficiaries_changed_in_another_window(
    cast: Cast,
) -> None:
    """The beneficiary rows post with the item: saving stale rows would undo tab A's."""
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name=client.name)
    wife = make_person(client=client, name="许静")
    son = make_person(client=client, relationship="child", name="许小宝")
    case = make_case(client=client)
    item = make_item(case=case, policyholder=me, insured=me, beneficiaries=((wife, 1, None),))
    stale = _proposal(item)
    ProposalBeneficiary.objects.filter(item=item).update(person=son)

    response = _http(cast.advisor).post(
        reverse("kms:item", args=[case.pk, item.pk]),
        {**stale, "annual_premium": "2万"},
        headers=HTMX,
    )

    html = _html(response)
    assert REFUSED in html
    assert "<td>Beneficiaries</td><td>1. 许静</td><td><strong>1. 许小宝</strong></td>" in html
    item.refresh_from_db()
    assert item.annual_premium == Decimal(10_000)


def test_it_refuses_a_save_that_lost_the_race_past_validation(cast: Cast) -> None:
    """Both forms were valid when checked; the second to reach the locked row is refused."""
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name=client.name)
    case = make_case(client=client)
    item = make_item(case=case, policyholder=me, insured=me)
    data = _proposal(item)
    form = ProposalItemForm({**data, "annual_premium": "2万"}, instance=item, case=case)
    assert form.is_valid()
    ProposalItem.objects.filter(pk=item.pk).update(sum_assured=Decimal(3_000_000))

    with pytest.raises(StaleEdit), transaction.atomic():
        form_save(form)

    item.refresh_from_db()
    assert (item.sum_assured, item.annual_premium) == (Decimal(3_000_000), Decimal(10_000))


# Client profile, parameters, scoring rules and tiers ----------------------------------


def test_it_refuses_a_stale_client_profile(cast: Cast) -> None:
    client = cast.advisor_client
    url = reverse("clients:edit", args=[client.pk])
    http = _http(cast.advisor)
    tab_a, tab_b = _client_edit(client), _client_edit(client)

    assert http.post(url, {**tab_a, "city": "温州"}).status_code == 303
    response = http.post(url, {**tab_b, "occupation": "董事长"}, headers=ENGLISH)

    assert response.status_code == 200
    assert REFUSED in _html(response)
    assert "<strong>温州</strong>" in _html(response)
    client.refresh_from_db()
    assert (client.city, client.occupation) == ("温州", cast.advisor_client.occupation)


def test_it_refuses_parameters_saved_over_another_admins_change(cast: Cast) -> None:
    url = reverse("kms:parameters")
    http = _http(cast.admin)
    tab_a, tab_b = form_data(ParametersForm()), form_data(ParametersForm())

    http.post(url, {**tab_a, "concentration_share": "75"})
    response = http.post(url, {**tab_b, "liquidity_months": "12"}, headers=ENGLISH)

    assert REFUSED in _html(response)
    assert list(Parameter.objects.values_list("key", "value")) == [
        ("concentration_share", Decimal(75))
    ]


def test_it_refuses_a_stale_scoring_rule_and_stale_tiers(cast: Cast) -> None:
    version = make_version(created_by=cast.admin)
    rule = version.rules.get()
    http = _http(cast.admin)
    rule_url = reverse("scoring:rule_edit", args=[version.pk, rule.pk])
    tab_a, tab_b = form_data(RuleForm(rule=rule)), form_data(RuleForm(rule=rule))

    http.post(rule_url, {**tab_a, "points": "40"}, headers=HTMX)
    response = http.post(rule_url, {**tab_b, "label": "很高收入"}, headers=HTMX)

    assert REFUSED in _html(response)
    assert Rule.objects.values_list("label", "points").get(pk=rule.pk) == ("高收入", 40)

    tiers = list(version.tiers.values_list("label", "min_score"))
    tiers_url = reverse("scoring:tiers", args=[version.pk])
    tab_a, tab_b = form_data(TiersForm(tiers=tiers)), form_data(TiersForm(tiers=tiers))
    http.post(tiers_url, {**tab_a, "min_0": "35"})
    response = http.post(tiers_url, {**tab_b, "label_1": "铜"}, headers=ENGLISH)

    assert REFUSED in _html(response)
    assert list(version.tiers.values_list("label", "min_score")) == [("金", 35), ("银", -1000)]


def test_it_answers_409_when_a_save_loses_the_race_in_a_view(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The locked re-check's refusal reaches the user as a 409 with the reason, not a 500."""
    client = cast.advisor_client
    wife = make_person(client=client, name="陈静", occupation="教师")
    data = kyc_edit_data(key="people", item=wife, notes="竞争")
    original = kyc_forms.PersonForm.full_clean

    def validate_then_lose_the_race(form: kyc_forms.PersonForm) -> None:
        original(form)
        Person.objects.filter(pk=wife.pk).update(occupation="校长")

    monkeypatch.setattr(kyc_forms.PersonForm, "full_clean", validate_then_lose_the_race)
    response = _http(cast.advisor).post(
        reverse("kyc:item", args=[client.pk, "people", wife.pk]), data, headers=HTMX
    )

    assert response.status_code == 409
    assert REFUSED in _html(response)
    wife.refresh_from_db()
    assert (wife.occupation, wife.notes) == ("校长", "")


# Helpers -------------------------------------------------------------------------------


def _version_in(html: str) -> str:
    from html import unescape

    marker = f'name="{FIELD}" value="'
    start = html.index(marker) + len(marker)
    token = unescape(html[start : html.index('"', start)])
    json.loads(token)
    return token


def _household(client: Client) -> dict[str, str]:
    household = kyc_selectors.kyc_load(client=client).household
    return form_data(kyc_forms.HouseholdForm(instance=household, client=client))


def _proposal(item: ProposalItem) -> dict[str, str]:
    data = form_data(ProposalItemForm(instance=item, case=item.case))
    data.pop("answers")  # no risks answered: nothing ticked, nothing posted
    formset = ProposalBeneficiaryFormSet(instance=item, case=item.case, prefix="ben")
    data.update(form_data(formset.management_form))
    data["ben-TOTAL_FORMS"] = "0"  # the blank beneficiary rows are not posted
    return data


def _client_edit(client: Client) -> dict[str, str]:
    fresh = Client.objects.get(pk=client.pk)
    data = form_data(ClientForm(instance=fresh, user=fresh.owner))
    data.pop("duplicate_confirmed", None)
    return data


def test_it_refuses_parameters_that_change_between_validation_and_save(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parameters are a set, not one row: the save locks the set and reads it again."""
    original = ParametersForm.full_clean

    def validate_then_lose_the_race(form: ParametersForm) -> None:
        original(form)
        if form.is_bound:
            Parameter.objects.create(key="liquidity_months", value=12, updated_by=cast.lead)

    data = form_data(ParametersForm())
    monkeypatch.setattr(ParametersForm, "full_clean", validate_then_lose_the_race)
    response = _http(cast.admin).post(
        reverse("kms:parameters"), {**data, "concentration_share": "75"}, headers=HTMX
    )

    # A whole page, not an htmx fragment: the refusal is shown on it, the typing kept.
    assert response.status_code == 200
    assert REFUSED in _html(response)
    assert 'name="concentration_share" value="75"' in _html(response)
    assert list(Parameter.objects.values_list("key", "value")) == [
        ("liquidity_months", Decimal(12))
    ]


def test_it_answers_409_when_tiers_change_between_validation_and_save(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = make_version(created_by=cast.admin)
    tiers = list(version.tiers.values_list("label", "min_score"))
    data = form_data(TiersForm(tiers=tiers))
    original = TiersForm.full_clean

    def validate_then_lose_the_race(form: TiersForm) -> None:
        original(form)
        if form.is_bound:
            version.tiers.filter(label="金").update(min_score=45)

    monkeypatch.setattr(TiersForm, "full_clean", validate_then_lose_the_race)
    response = _http(cast.admin).post(
        reverse("scoring:tiers", args=[version.pk]), {**data, "label_1": "铜"}, headers=HTMX
    )

    assert response.status_code == 409
    assert list(version.tiers.values_list("label", "min_score")) == [("金", 45), ("银", -1000)]
