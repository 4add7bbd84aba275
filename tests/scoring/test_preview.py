"""Preview of a draft on a small data set whose numbers are worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import Client
from scoring import selectors, services
from scoring.models import ClientScore, RuleSetVersion
from tests.conftest import Cast
from tests.factories import make_client, make_version

PUBLISHED_RULES = (("百万收入", "annual_income >= 1000000", 30),)
PUBLISHED_TIERS = (("A", 30), ("B", -1000))
DRAFT_RULES = (
    ("五十万收入", "annual_income >= 500000", 15),
    ("互联网", 'industry = "internet"', 10),
    ("健康风险", "health_flag = true", -15),
)
DRAFT_TIERS = (("A", 20), ("B", -1000))


@dataclass
class World:
    draft: RuleSetVersion
    clients: dict[str, Client]


@pytest.fixture
def world(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> World:
    """Eight clients scored with the published version, and a draft that changes them.

    client            owner     published (score, tier)   draft (score, tier)
    advisor_client    advisor   0  B                      10  B   (300,000, internet)
    teammate_client   teammate  0  B                      10  B
    outsider_client   outsider  0  B                      10  B
    millionaire       advisor   30 A                      15  B   (2,000,000, finance)
    climber           advisor   0  B                      25  A   (600,000, internet)
    small             advisor   0  B                      10  B   (100,000, internet)
    sick              advisor   0  B                      -15 B   (no income, finance, health)
    archived          advisor   30 A                      15  B   (5,000,000, finance, archived)

    With a P100 of two, the advisor's list is now [millionaire, advisor_client] and
    would become [climber, millionaire]: climber enters, advisor_client leaves.
    """
    monkeypatch.setattr(selectors, "P100_SIZE", 2)
    clients = {
        "advisor_client": cast.advisor_client,
        "teammate_client": cast.teammate_client,
        "outsider_client": cast.outsider_client,
        "millionaire": make_client(
            owner=cast.advisor, name="百万", annual_income=Decimal(2_000_000), industry="finance"
        ),
        "climber": make_client(
            owner=cast.advisor, name="上升", annual_income=Decimal(600_000), industry="internet"
        ),
        "small": make_client(
            owner=cast.advisor, name="小额", annual_income=Decimal(100_000), industry="internet"
        ),
        "sick": make_client(
            owner=cast.advisor,
            name="健康",
            annual_income=None,
            industry="finance",
            health_flag=True,
        ),
        "archived": make_client(
            owner=cast.advisor,
            name="归档",
            annual_income=Decimal(5_000_000),
            industry="finance",
            archived_at=timezone.now(),
        ),
    }
    published = make_version(created_by=cast.admin, rules=PUBLISHED_RULES, tiers=PUBLISHED_TIERS)
    job = services.version_publish(version=published, user=cast.admin)
    services.rescore_run(job_id=job.pk)
    draft = make_version(
        created_by=cast.admin,
        rule_set=published.rule_set,
        rules=DRAFT_RULES,
        tiers=DRAFT_TIERS,
    )
    return World(draft=draft, clients=clients)


def test_it_counts_every_client(world: World) -> None:
    assert selectors.preview(draft=world.draft).total == 8


def test_it_buckets_the_scores_now_and_with_the_draft(world: World) -> None:
    # Now: six at 0, two at 30. Draft: -15 falls in the bucket from -20; 10 and 15 in
    # the bucket from 10; 25 in the bucket from 20.
    assert selectors.preview(draft=world.draft).histogram == [
        (-20, 0, 1),
        (0, 6, 0),
        (10, 0, 6),
        (20, 0, 1),
        (30, 2, 0),
    ]


def test_it_counts_the_tier_migration(world: World) -> None:
    result = selectors.preview(draft=world.draft)
    assert result.tiers == ["A", "B"]
    assert result.migration == {("A", "B"): 2, ("B", "A"): 1, ("B", "B"): 5}
    assert (result.cell("A", "A"), result.cell("A", "B")) == (0, 2)
    assert (result.cell("B", "A"), result.cell("B", "B")) == (1, 5)


def test_it_shows_clients_never_scored_as_a_tier_of_their_own(world: World, cast: Cast) -> None:
    make_client(owner=cast.advisor, annual_income=Decimal(1_000_000), industry="internet")
    result = selectors.preview(draft=world.draft)
    assert result.tiers == ["A", "B", ""]
    assert result.cell("", "A") == 1


def test_it_names_who_enters_and_leaves_each_advisors_p100(world: World, cast: Cast) -> None:
    churn = selectors.preview(draft=world.draft).churn
    assert churn == [{"advisor": cast.advisor, "entering": ["上升"], "leaving": ["赵建国"]}]


def test_it_reports_no_churn_when_the_lists_stay_the_same(
    world: World, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "P100_SIZE", 100)
    assert selectors.preview(draft=world.draft).churn == []


def test_it_finds_the_churn_of_a_full_p100(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real size: 106 clients; the draft lifts six into the list, six drop out."""
    monkeypatch.setattr(selectors, "P100_SIZE", 100)
    Client.objects.bulk_create(
        Client(
            owner=cast.teammate,
            name=f"客户{i:03d}",
            annual_income=Decimal(1_000_000 if i < 100 else 0),
            industry="finance" if i < 100 else "internet",
        )
        for i in range(105)
    )
    published = make_version(created_by=cast.admin, rules=PUBLISHED_RULES, tiers=PUBLISHED_TIERS)
    services.rescore_run(job_id=services.version_publish(version=published, user=cast.admin).pk)
    draft = make_version(
        created_by=cast.admin,
        rule_set=published.rule_set,
        rules=(("互联网", 'industry = "internet"', 50),),
        tiers=PUBLISHED_TIERS,
    )

    churn = selectors.preview(draft=draft).churn

    # Now: the 100 millionaires (客户000..099). With the draft the five internet
    # clients and the cast's own (孙丽, internet) score 50 and the millionaires 0, so the
    # last six millionaires by id make room.
    # The names come in no set order.
    (row,) = churn
    assert row["advisor"] == cast.teammate
    assert sorted(row["entering"]) == sorted(["孙丽", *[f"客户{i:03d}" for i in range(100, 105)]])
    assert sorted(row["leaving"]) == [f"客户{i:03d}" for i in range(94, 100)]


def test_it_explains_the_clients_that_change_most(world: World) -> None:
    samples = selectors.preview(draft=world.draft).samples
    c = world.clients
    # |change|: climber 25, millionaire 15, sick 15, then the 10s by id; never archived.
    assert [client.pk for client, _score, _explanation in samples] == [
        c["climber"].pk,
        c["millionaire"].pk,
        c["sick"].pk,
        c["advisor_client"].pk,
        c["teammate_client"].pk,
    ]
    assert [score for _client, score, _explanation in samples] == [25, 15, -15, 10, 10]
    for _client, score, explanation in samples:
        assert explanation.version == world.draft
        assert explanation.score == score
    climber = samples[0][2]
    assert climber.tier == "A"
    assert [(r.rule.label, r.points) for r in climber.fired] == [("五十万收入", 15), ("互联网", 10)]


def test_it_changes_nothing_while_previewing(world: World) -> None:
    def stored() -> list[tuple[int, int, str, int | None]]:
        return list(
            ClientScore.objects.order_by("client_id").values_list(
                "client_id", "score", "tier", "version"
            )
        )

    before = stored()
    selectors.preview(draft=world.draft)
    assert stored() == before
    assert len(before) == 8
