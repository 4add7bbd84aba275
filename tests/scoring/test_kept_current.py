"""Scoring keeps itself current: every way a scoring fact changes rescores in place.

The lower apps (clients, kyc) only send clients.events; scoring subscribes. Each test
here changes something through the way a user does (a service or a page) and then
compares the cached aggregates and scores with a fresh recount: a full rescore.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients import services as client_services
from clients.models import Client
from kyc import erasure
from kyc import services as kyc_services
from kyc.completeness import completeness
from kyc.models import ExistingPolicy
from kyc.selectors import kyc_load
from scoring import services
from scoring.models import ClientScore, RuleSetVersion, VersionStatus
from tests.conftest import Cast, logged_in
from tests.factories import kyc_edit_data, kyc_new_data, make_client, make_policy, make_version

RULES = (
    ("枢纽客户", "referrals >= 1", 20),
    ("两位以上转介绍", "referrals >= 2", 5),
    ("有保单", "policies >= 1", 10),
    ("年缴保费一万以上", "annual_premium >= 10000", 5),
    ("KYC 过半", "kyc_completeness >= 30", 7),
    ("高收入", "annual_income >= 1000000", 30),
)
TIERS = (("金", 40), ("银", 15), ("铜", -1000))

Row = tuple[int, str, int, int, int, Decimal]


class Rollback(Exception):
    pass


def _published(cast: Cast) -> RuleSetVersion:
    version = make_version(created_by=cast.admin, rules=RULES, tiers=TIERS)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    services.rescore_now(version=version, user=cast.admin)
    return version


def _cached() -> dict[int, Row]:
    return {
        row.client_id: (
            row.score, row.tier, row.matched_rules, row.referrals, row.policies, row.premium
        )
        for row in ClientScore.objects.all()
    }  # fmt: skip


def _recounted(version: RuleSetVersion, cast: Cast) -> dict[int, Row]:
    services.rescore_now(version=version, user=cast.admin)
    return _cached()


def _policy_post(http: Any, client: Client, **changes: str) -> None:
    data = {**kyc_new_data(key="policies", client=client), **changes}
    response = http.post(reverse("kyc:item_new", args=[client.pk, "policies"]), data)
    assert response.status_code == 200, response.content.decode()[:500]


@pytest.mark.django_db
def test_it_moves_a_referral_from_the_old_referrer_to_the_new_one(cast: Cast) -> None:
    version = _published(cast)
    x = make_client(owner=cast.advisor, name="老推荐人")
    y = make_client(owner=cast.advisor, name="新推荐人")
    referred = make_client(owner=cast.advisor, name="被推荐人")
    client_services.client_update(client=referred, data={"referred_by": x, "source": "referral"})
    assert ClientScore.objects.get(client=x).referrals == 1
    assert ClientScore.objects.get(client=x).score == 20

    client_services.client_update(client=referred, data={"referred_by": y})

    assert (
        ClientScore.objects.get(client=x).referrals,
        ClientScore.objects.get(client=x).score,
    ) == (0, 0)
    assert (
        ClientScore.objects.get(client=y).referrals,
        ClientScore.objects.get(client=y).score,
    ) == (1, 20)
    assert _cached() == _recounted(version, cast)


@pytest.mark.django_db
def test_it_counts_a_policy_added_on_the_kyc_page_at_once(cast: Cast) -> None:
    version = _published(cast)
    client = cast.advisor_client
    before = ClientScore.objects.get(client=client)
    assert (before.policies, before.premium) == (0, 0)

    _policy_post(logged_in(cast.advisor), client, annual_premium="1.2万")

    after = ClientScore.objects.get(client=client)
    assert (after.policies, after.premium) == (1, Decimal("12000.00"))
    assert after.score >= before.score + 10 + 5
    assert _cached() == _recounted(version, cast)


@pytest.mark.django_db
def test_it_uncounts_a_lapsed_or_deleted_policy_and_counts_a_paid_up_one(cast: Cast) -> None:
    _published(cast)
    client = cast.advisor_client
    http = logged_in(cast.advisor)
    _policy_post(http, client)
    policy = ExistingPolicy.objects.get(client=client)
    edit = reverse("kyc:item", args=[client.pk, "policies", policy.pk])

    http.post(edit, kyc_edit_data(key="policies", item=policy, status="lapsed"))
    assert ClientScore.objects.get(client=client).policies == 0

    # Paid up (减额缴清): the cover still runs, so the policy is in force and counts.
    # (The edit form is opened again: the one opened before the lapse is stale.)
    policy.refresh_from_db()
    http.post(edit, kyc_edit_data(key="policies", item=policy, status="paid_up"))
    row = ClientScore.objects.get(client=client)
    assert (row.policies, row.premium) == (1, Decimal("12000.00"))

    http.post(reverse("kyc:item_delete", args=[client.pk, "policies", policy.pk]))
    assert ClientScore.objects.get(client=client).policies == 0


@pytest.mark.django_db
def test_it_takes_the_referral_of_an_erased_client_off_its_referrer(cast: Cast) -> None:
    version = _published(cast)
    hub = make_client(owner=cast.advisor, name="枢纽")
    referred = make_client(owner=cast.advisor, name="将被删除")
    client_services.client_update(client=referred, data={"referred_by": hub, "source": "referral"})
    assert ClientScore.objects.get(client=hub).referrals == 1

    erasure.client_erase(client=referred, user=cast.advisor, reason="request")

    assert ClientScore.objects.get(client=hub).referrals == 0
    assert _cached() == _recounted(version, cast)


# Random sequences of edits -----------------------------------------------------------

edits = st.lists(
    st.one_of(
        st.tuples(st.just("income"), st.integers(0, 3), st.sampled_from([None, 300_000, 2_000_000])),
        st.tuples(st.just("refer"), st.integers(0, 3), st.one_of(st.none(), st.integers(0, 3))),
        st.tuples(st.just("policy_add"), st.integers(0, 3), st.sampled_from(["in_force", "lapsed", "paid_up"])),
        st.tuples(st.just("policy_status"), st.integers(0, 5), st.sampled_from(["in_force", "lapsed", "paid_up"])),
        st.tuples(st.just("policy_delete"), st.integers(0, 5), st.none()),
        st.tuples(st.just("person_add"), st.integers(0, 3), st.none()),
        st.tuples(st.just("archive"), st.integers(0, 3), st.booleans()),
        st.tuples(st.just("erase"), st.integers(0, 3), st.none()),
        st.tuples(st.just("kyc_page"), st.integers(0, 3), st.none()),
        st.tuples(st.just("consent"), st.integers(0, 3), st.none()),
        st.tuples(st.just("policy_in_code"), st.integers(0, 3), st.sampled_from(["in_force", "lapsed", "paid_up"])),
    ),
    min_size=1,
    max_size=8,
)  # fmt: skip


def _apply(edit: tuple[str, int, Any], people: list[Client], http: Any, cast: Cast) -> None:
    kind, index, value = edit
    alive = [c for c in people if Client.objects.filter(pk=c.pk).exists()]
    if not alive:
        return
    client = alive[index % len(alive)]
    client.refresh_from_db()
    policies = list(ExistingPolicy.objects.filter(client__in=alive).order_by("pk"))
    if kind == "income":
        income = None if value is None else Decimal(value)
        client_services.client_update(client=client, data={"annual_income": income})
    elif kind == "refer":
        referrer = None
        if value is not None and alive[value % len(alive)].pk != client.pk:
            referrer = alive[value % len(alive)]
        client_services.client_update(
            client=client, data={"referred_by": referrer, "source": "referral" if referrer else ""}
        )
    elif kind == "policy_add":
        _policy_post(http, client, status=value)
    elif kind == "policy_status" and policies:
        policy = policies[index % len(policies)]
        url = reverse("kyc:item", args=[policy.client_id, "policies", policy.pk])
        http.post(url, kyc_edit_data(key="policies", item=policy, status=value))
    elif kind == "policy_delete" and policies:
        policy = policies[index % len(policies)]
        http.post(reverse("kyc:item_delete", args=[policy.client_id, "policies", policy.pk]))
    elif kind == "person_add":
        data = kyc_new_data(key="people", client=client)
        http.post(reverse("kyc:item_new", args=[client.pk, "people"]), data)
    elif kind == "archive":
        if value:
            client_services.client_archive(client=client)
        else:
            client_services.client_restore(client=client)
    elif kind == "erase":
        erasure.client_erase(client=client, user=cast.advisor, reason="request")
    elif kind == "kyc_page":
        # Opening the map puts the client in it (client_person_ensure).
        assert http.get(reverse("kyc:page", args=[client.pk])).status_code == 200
    elif kind == "consent":
        data = {"given_on": timezone.localdate().isoformat(), "scope": "health", "notes": "书面"}
        http.post(reverse("kyc:consent_record", args=[client.pk]), data)
    elif kind == "policy_in_code":
        # The way an import adds rows: the service, then the completeness once.
        kyc_services.kyc_row_add(
            row=ExistingPolicy(
                client=client, insurer="友邦", product_type="whole_life", sum_assured=1,
                annual_premium=Decimal("30000.00"), status=value,
            )
        )  # fmt: skip
        kyc_services.completeness_store(client=client)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=edits)
def test_it_keeps_aggregates_and_scores_equal_to_a_fresh_recount(
    cast: Cast, sequence: list[tuple[str, int, Any]]
) -> None:
    http = logged_in(cast.advisor)
    try:
        with transaction.atomic():
            version = _published(cast)
            people = [
                client_services.client_create(
                    data={"name": f"客户{n}", "owner": cast.advisor, "annual_income": income}
                )
                for n, income in enumerate([None, Decimal(300_000), Decimal(2_000_000), None])
            ]
            make_policy(client=people[0], annual_premium=Decimal("20000.00"))
            services.rescore_now(version=version, user=cast.admin)
            for edit in sequence:
                _apply(edit, people, http, cast)
            cached = _cached()
            assert cached == _recounted(version, cast), sequence
            for client in Client.objects.filter(pk__in=[c.pk for c in people]):
                assert client.kyc_completeness == completeness(kyc_load(client=client)).percent
            raise Rollback
    except Rollback:
        pass
