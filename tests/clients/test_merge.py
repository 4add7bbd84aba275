"""Issue 12 (A.4): a lead or an admin merges a duplicate client into another; the KYC,
cases, plans and history move, nothing is lost, and the merge is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from auditlog.models import LogEntry
from django.test import Client as HttpClient
from django.urls import reverse

from clients import services
from clients.events import clients_merging
from clients.models import Client, ClientMerge, Tag
from kms.models import KmsCase, PlanDocument, ProposalItem
from kms.services import on_client_merging as kms_on_client_merging
from kyc.models import Asset, ExistingPolicy, Household, Person, PersonLink, PolicyBeneficiary
from kyc.selectors import client_history
from tests.conftest import Cast, logged_in
from tests.factories import (
    make_asset,
    make_beneficiary,
    make_case,
    make_client,
    make_household,
    make_item,
    make_link,
    make_person,
    make_policy,
    valid_id_number,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en"}


def _html(response: Response) -> str:
    return response.content.decode()


def _duplicate_pair(cast: Cast) -> tuple[Client, Client]:
    """The advisor's client and a duplicate a teammate entered later (same person)."""
    survivor = cast.advisor_client
    survivor.phone = ""
    survivor.save(update_fields=["phone"])
    duplicate = make_client(
        owner=cast.teammate,
        name=survivor.name,
        phone="13912345678",
        id_number=valid_id_number(birth="19700203"),
        birth_date=dt.date(1970, 2, 3),
        occupation="工厂主",
    )
    return survivor, duplicate


def _merge(user: object, survivor: Client, duplicate: Client) -> Response:
    return logged_in(user).post(  # type: ignore[arg-type]
        reverse("clients:merge", args=[survivor.pk]),
        {"number": str(duplicate.pk), "confirm": "on"},
        headers=ENGLISH,
    )


def test_it_moves_the_map_cases_plans_and_history_to_the_surviving_client(cast: Cast) -> None:
    survivor, duplicate = _duplicate_pair(cast)
    me = make_person(client=survivor, relationship="self", name=survivor.name)
    make_household(client=survivor, annual_spending=None)
    # The duplicate's own map: the client, a second wife, a son, a condo, a policy.
    dup_me = make_person(
        client=duplicate, relationship="self", name=duplicate.name, occupation="工厂主"
    )
    wife = make_person(client=duplicate, relationship="spouse", name="许静")
    son = make_person(client=duplicate, relationship="child", name="许小宝", gender="male")
    make_link(from_person=dup_me, to_person=son, kind="parent_of")
    condo = make_asset(client=duplicate, owner_person=dup_me, description="温哥华公寓")
    policy = make_policy(client=duplicate, policyholder=dup_me, insured=dup_me)
    make_beneficiary(policy=policy, person=wife, order=1)
    make_household(client=duplicate, annual_spending=Decimal(600_000))
    old_case = make_case(client=survivor)
    case = make_case(client=duplicate)
    item = make_item(case=case, policyholder=dup_me, insured=son)
    PlanDocument.objects.create(case=case, client=duplicate, number=1, requested_by=cast.advisor)
    Tag.objects.create(name="企业主")
    duplicate.tags.add(Tag.objects.get(name="企业主"))
    referred = make_client(owner=cast.teammate, referred_by=duplicate, source="referral")
    entries_before = LogEntry.objects.filter(additional_data__client_id=duplicate.pk).count()

    response = _merge(cast.lead, survivor, duplicate)

    assert response.status_code == 303, _html(response)[-3000:]
    assert not Client.objects.filter(pk=duplicate.pk).exists()
    survivor.refresh_from_db()
    # The profile keeps its own values and takes the duplicate's where it had none.
    assert survivor.owner == cast.advisor
    assert (survivor.phone, survivor.occupation) == ("13912345678", "工厂主")
    assert survivor.get_id_number() == valid_id_number(birth="19700203")
    assert list(survivor.tags.values_list("name", flat=True)) == ["企业主"]
    referred.refresh_from_db()
    assert referred.referred_by == survivor
    # The map: one "self", who took the duplicate's facts and everything pointing to them.
    people = Person.objects.filter(client=survivor)
    assert sorted(people.values_list("name", flat=True)) == sorted(
        [survivor.name, "许静", "许小宝"]
    )
    me.refresh_from_db()
    assert me.occupation == "工厂主"
    assert PersonLink.objects.get(to_person=son).from_person == me
    assert Asset.objects.get(pk=condo.pk).owner_person == me
    moved_policy = ExistingPolicy.objects.get(pk=policy.pk)
    assert (moved_policy.client, moved_policy.policyholder) == (survivor, me)
    assert PolicyBeneficiary.objects.get(policy=policy).client == survivor
    assert Household.objects.get(client=survivor).annual_spending == Decimal(600_000)
    assert not Household.objects.filter(client_id=duplicate.pk).exists()
    # Cases and plans follow the survivor's numbering; the proposal's people moved.
    case.refresh_from_db()
    assert (case.client, case.version) == (survivor, old_case.version + 1)
    assert ProposalItem.objects.get(pk=item.pk).policyholder == me
    assert PlanDocument.objects.get(case=case).client == survivor
    # History moved, and the merge itself is recorded and shown under the survivor.
    assert LogEntry.objects.filter(additional_data__client_id=duplicate.pk).count() == 0
    refiled = LogEntry.objects.filter(
        additional_data__client_id=survivor.pk, additional_data__merged_from=duplicate.pk
    )
    assert refiled.count() >= entries_before
    assert set(refiled).issubset(set(client_history(client=survivor)))
    record = ClientMerge.objects.get(survivor=survivor)
    assert (record.merged_client_number, record.merged_name, record.merged_by) == (
        duplicate.pk,
        duplicate.name,
        cast.lead,
    )
    assert record.moved["people"] == 2
    assert record.moved["KMS cases"] == 1
    history = _html(
        logged_in(cast.lead).get(reverse("kyc:history", args=[survivor.pk]), headers=ENGLISH)
    )
    assert "added · client merge" in history
    assert (
        f'<td>number of the merged client</td><td class="before">—</td>'
        f'<td class="after">{duplicate.pk}</td>'
    ) in history
    assert "people 2，" in history  # what moved, as a line, not raw JSON


def test_it_shows_both_clients_before_merging_and_changes_nothing_until_confirmed(
    cast: Cast,
) -> None:
    survivor, duplicate = _duplicate_pair(cast)
    url = reverse("clients:merge", args=[survivor.pk])
    http = logged_in(cast.lead)

    page = _html(http.get(url, headers=ENGLISH))
    review = _html(http.post(url, {"candidate": str(duplicate.pk)}, headers=ENGLISH))

    assert f"#{duplicate.pk}" in page  # offered as a likely duplicate (same name)
    assert "Check before merging" in review and "13912345678" in review
    assert '<td>people</td><td class="num">0</td>' in review
    assert "Both clients already have records" not in review
    assert Client.objects.filter(pk=duplicate.pk).exists()
    assert not ClientMerge.objects.exists()


def test_it_warns_when_both_clients_have_a_map(cast: Cast) -> None:
    survivor, duplicate = _duplicate_pair(cast)
    make_person(client=survivor, name="许静")
    make_person(client=duplicate, name="许静")
    make_person(client=duplicate, relationship="child", name="许小宝")

    review = _html(
        logged_in(cast.lead).post(
            reverse("clients:merge", args=[survivor.pk]),
            {"number": str(duplicate.pk)},
            headers=ENGLISH,
        )
    )

    assert '<td>people</td><td class="num">2</td><td class="num">1</td>' in review
    assert "Both clients already have records. Nothing is matched up" in review


def test_it_refuses_two_clients_with_different_id_numbers(cast: Cast) -> None:
    survivor, duplicate = _duplicate_pair(cast)
    survivor.set_id_number(valid_id_number(birth="19800101"))
    survivor.save()

    response = _merge(cast.lead, survivor, duplicate)

    assert response.status_code == 200
    assert "they are two people, not duplicates" in _html(response)
    assert Client.objects.filter(pk=duplicate.pk).exists()


def test_it_refuses_to_merge_a_client_into_itself(cast: Cast) -> None:
    client = cast.advisor_client

    response = _merge(cast.admin, client, client)

    assert "cannot be merged into itself" in _html(response)
    assert Client.objects.filter(pk=client.pk).exists()


@pytest.mark.parametrize("role", ["advisor", "teammate"])
def test_it_lets_only_leads_and_admins_merge(cast: Cast, role: str) -> None:
    survivor, duplicate = _duplicate_pair(cast)
    owner = getattr(cast, role)
    mine = survivor if role == "advisor" else duplicate
    url = reverse("clients:merge", args=[mine.pk])

    assert logged_in(owner).get(url).status_code == 403
    assert _merge(owner, mine, survivor if mine is duplicate else duplicate).status_code == 403
    assert Client.objects.filter(pk=duplicate.pk).exists()


def test_it_answers_404_for_a_client_the_lead_does_not_oversee(cast: Cast) -> None:
    response = logged_in(cast.other_lead).get(
        reverse("clients:merge", args=[cast.advisor_client.pk])
    )

    assert response.status_code == 404


def test_it_tells_nothing_of_a_client_in_another_book(cast: Cast) -> None:
    """The other lead's client and a number nobody has get the same answer."""
    survivor = cast.advisor_client
    http = logged_in(cast.lead)
    url = reverse("clients:merge", args=[survivor.pk])

    elsewhere = _html(http.post(url, {"number": str(cast.outsider_client.pk)}, headers=ENGLISH))
    nowhere = _html(http.post(url, {"number": "999999999"}, headers=ENGLISH))

    message = "There is no client with this number among the clients you can see."
    assert message in elsewhere and message in nowhere
    assert cast.outsider_client.name not in elsewhere
    assert Client.objects.filter(pk=cast.outsider_client.pk).exists()


@pytest.mark.parametrize("number", ["abc", "-1", "99999999999999999999", ""])
def test_it_refuses_odd_input_with_a_message(cast: Cast, number: str) -> None:
    response = logged_in(cast.lead).post(
        reverse("clients:merge", args=[cast.advisor_client.pk]),
        {"number": number, "candidate": "x"},
        headers=ENGLISH,
    )

    assert response.status_code == 200
    html = _html(response)
    expected = {
        "abc": "Enter a whole number.",
        "-1": "Ensure this value is greater than or equal to 1.",
        "99999999999999999999": "Ensure this value is less than or equal to 2147483647.",
        "": "Choose the client to merge into this one.",
    }[number]
    assert expected in html
    assert Client.objects.count() == 3


def test_it_undoes_the_whole_merge_when_a_row_could_not_be_moved(cast: Cast) -> None:
    """All or nothing: if one app left rows behind, deleting the duplicate would lose
    them; the merge is refused and nothing of it stays."""
    survivor, duplicate = _duplicate_pair(cast)
    dup_me = make_person(client=duplicate, relationship="self", name=duplicate.name)
    make_case(client=duplicate)
    clients_merging.disconnect(dispatch_uid="kms.merge")
    try:
        response = _merge(cast.admin, survivor, duplicate)
    finally:
        clients_merging.connect(kms_on_client_merging, dispatch_uid="kms.merge")

    assert response.status_code == 200
    assert "The merge was undone" in _html(response)
    assert Client.objects.filter(pk=duplicate.pk).exists()
    assert Person.objects.get(pk=dup_me.pk).client_id == duplicate.pk
    assert KmsCase.objects.filter(client=duplicate).count() == 1
    assert not ClientMerge.objects.exists()


def test_it_merges_a_client_that_had_absorbed_another(cast: Cast) -> None:
    """A chain: C into B, then B into A; A keeps both records of the merges."""
    a = cast.advisor_client
    b = make_client(owner=cast.teammate, name=a.name)
    c = make_client(owner=cast.teammate, name=a.name)

    first = services.client_merge(user=cast.lead, survivor=b, merged=c)
    response = _merge(cast.lead, a, b)

    assert response.status_code == 303
    first.refresh_from_db()
    assert first.survivor == a
    assert ClientMerge.objects.filter(survivor=a).count() == 2


def test_it_sends_anonymous_visitors_from_the_merge_to_login(cast: Cast) -> None:
    url = reverse("clients:merge", args=[cast.advisor_client.pk])

    response = HttpClient().post(url, {"number": "1", "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_it_merges_through_the_service_for_an_admin_across_teams(cast: Cast) -> None:
    duplicate = make_client(owner=cast.outsider, name=cast.advisor_client.name)

    record = services.client_merge(user=cast.admin, survivor=cast.advisor_client, merged=duplicate)

    assert record.survivor == cast.advisor_client
    assert not Client.objects.filter(pk=duplicate.pk).exists()


def test_it_keeps_a_household_confirmation_only_if_both_maps_had_it(cast: Cast) -> None:
    survivor, duplicate = _duplicate_pair(cast)
    Household.objects.create(client=survivor, no_liabilities=False, no_policies=True)
    Household.objects.create(
        client=duplicate, no_liabilities=True, no_policies=True, annual_spending=Decimal(0)
    )

    services.client_merge(user=cast.lead, survivor=survivor, merged=duplicate)

    household = Household.objects.get(client=survivor)
    assert (household.no_liabilities, household.no_policies) == (False, True)
    # The duplicate's spending of 0 is a figure, filled in where the survivor had none.
    assert household.annual_spending == Decimal(0)
