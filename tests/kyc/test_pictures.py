"""The three KYC pictures: well-formed plain SVG, complete, and laid out without overlaps."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Choices
from django.urls import reverse
from django.utils import translation
from pytest_django import Settings

from advisor_crm.accounts.models import User
from clients.models import Client
from kyc import kinship, pictures
from kyc.models import AssetCategory, Holding, LiabilityKind, MaritalProperty, Person, Place
from kyc.selectors import kyc_load
from tests.conftest import Cast, logged_in
from tests.factories import Family, make_allocation, make_family, make_link, make_person

SVG = "{http://www.w3.org/2000/svg}"
SVG_BLOCK = re.compile(r"<svg\b.*?</svg>", re.S)
CJK_FONT = "Noto Sans CJK SC"


@pytest.fixture
def family(cast: Cast) -> Family:
    return make_family(client=cast.advisor_client)


def _svgs(html: str) -> list[ET.Element]:
    """Each <svg> of the page parsed as XML; fails on anything that is not well-formed."""
    blocks = SVG_BLOCK.findall(html)
    return [ET.fromstring(block) for block in blocks]


def _text(element: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in element.iter(f"{SVG}text"))


def _check_plain_svg(html: str) -> list[ET.Element]:
    """Three well-formed, plain SVG pictures with the CJK font on every text."""
    svgs = _svgs(html)
    assert len(svgs) == 3
    for block in SVG_BLOCK.findall(html):
        assert "foreignobject" not in block.lower()
        assert "<script" not in block.lower()
        assert "javascript:" not in block.lower()
    for svg in svgs:
        assert svg.tag == f"{SVG}svg"
        texts = list(svg.iter(f"{SVG}text"))
        assert texts
        for text in texts:
            assert CJK_FONT in text.get("font-family", ""), ET.tostring(text, encoding="unicode")
        for element in svg.iter():
            assert element.tag not in {f"{SVG}foreignObject", f"{SVG}script"}
            assert not [name for name in element.attrib if name.lower().startswith("on")]
    return svgs


def _check_complete(html: str, client: Client, language: str) -> None:
    """Every person in the tree, every asset class and debt kind in the asset picture."""
    tree, assets, flow = _check_plain_svg(html)
    kyc = kyc_load(client=client)
    tree_text = _text(tree)
    for person in kyc.people:
        assert person.name in tree_text
    people_nodes = [g for g in tree.iter(f"{SVG}g") if "person" in g.get("class", "").split()]
    assert len(people_nodes) == len(kyc.people)
    assert len([g for g in people_nodes if "client" in g.get("class", "").split()]) == (
        1 if kyc.client_person else 0
    )
    assets_text = _text(assets)
    with translation.override(language):
        labels = {str(AssetCategory(a.category).label) for a in kyc.assets}
        labels |= {str(Holding(a.holding).label) for a in kyc.assets}
        labels |= {str(MaritalProperty(a.marital).label) for a in kyc.assets}
        labels |= {str(Place(a.location).label) for a in kyc.assets}
        # Someone else's loan that the household guarantees is drawn as a guarantee.
        labels |= {
            str(LiabilityKind.GUARANTEE.label if li.is_guarantee else LiabilityKind(li.kind).label)
            for li in kyc.liabilities
        }
    for label in labels:
        assert label in assets_text, label
    flow_text = _text(flow)
    for allocation in kyc.allocations:
        assert allocation.person.name in flow_text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_it_draws_every_person_and_asset_class_as_well_formed_svg(
    cast: Cast, family: Family, language: str
) -> None:
    assert len(family.people) == 12
    assert len(family.assets) == 20
    url = reverse("kyc:pictures", args=[cast.advisor_client.pk])

    response = logged_in(cast.advisor).get(
        url, headers={"HX-Request": "true", "Accept-Language": language}
    )

    assert response.status_code == 200
    _check_complete(response.content.decode(), cast.advisor_client, language)


def test_it_draws_the_same_pictures_on_the_kyc_page(cast: Cast, family: Family) -> None:
    response = logged_in(cast.advisor).get(reverse("kyc:page", args=[cast.advisor_client.pk]))

    _check_complete(response.content.decode(), cast.advisor_client, "zh-hans")


def test_it_draws_an_empty_household(cast: Cast) -> None:
    url = reverse("kyc:pictures", args=[cast.advisor_client.pk])

    response = logged_in(cast.advisor).get(url, headers={"Accept-Language": "en"})

    tree, assets, flow = _check_plain_svg(response.content.decode())
    assert "No people recorded yet." in _text(tree)
    assert "No allocations recorded yet." in _text(flow)
    assert "none recorded" in _text(assets)


def test_it_escapes_names_inside_the_svg(cast: Cast) -> None:
    make_person(client=cast.advisor_client, relationship="child", name='<b>"A&B"</b>')
    url = reverse("kyc:pictures", args=[cast.advisor_client.pk])

    tree, _assets, _flow = _svgs(logged_in(cast.advisor).get(url).content.decode())

    assert '<b>"A&B"</b>' in _text(tree)
    assert tree.find(f".//{SVG}b") is None


@pytest.mark.django_db
def test_it_draws_the_seeded_demo_households(settings: Settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    with_kyc = Client.objects.filter(pk__in=Person.objects.values("client_id").distinct()).order_by(
        "pk"
    )
    if not with_kyc.exists():
        pytest.skip("seed_demo does not record KYC yet")
    names = set(with_kyc.values_list("name", flat=True))
    assert "赵立新" in names
    assert any(
        Person.objects.filter(client=c).count() >= 12 and c.assets.count() >= 20 for c in with_kyc
    )
    http = logged_in(User.objects.get(username="admin"))
    for client in with_kyc:
        response = http.get(reverse("kyc:pictures", args=[client.pk]))
        assert response.status_code == 200
        _check_complete(response.content.decode(), client, "zh-hans")
        kyc = kyc_load(client=client)
        tree = pictures.family_tree(kyc)
        _assert_no_overlap(tree)
        _assert_inside(tree)
        _assert_lines_clear(tree)
        nodes = _nodes(tree)
        for child, parents in kinship.parents_within_map(kyc).items():
            for parent in parents:
                if nodes[child] in tree.nodes and nodes[parent] in tree.nodes:
                    assert nodes[child].y > nodes[parent].y, (client.name, child, parent)


# Family tree layout ------------------------------------------------------------------


def _nodes(tree: pictures.FamilyTree) -> dict[int, pictures.TreeNode]:
    return {n.person.pk: n for n in [*tree.nodes, *tree.stakeholders]}


def _assert_no_overlap(tree: pictures.FamilyTree) -> None:
    rows: dict[float, list[pictures.TreeNode]] = defaultdict(list)
    for node in [*tree.nodes, *tree.stakeholders]:
        rows[node.y].append(node)
    for row in rows.values():
        for a, b in itertools.combinations(row, 2):
            assert abs(a.x - b.x) >= pictures.SYMBOL, (a.person.name, b.person.name)


def _assert_inside(tree: pictures.FamilyTree) -> None:
    for node in [*tree.nodes, *tree.stakeholders]:
        assert node.x - node.half >= 0
        assert node.x + node.half <= tree.width
        assert node.y - node.half >= 0
        assert node.y + node.half <= tree.height


def _assert_lines_clear(tree: pictures.FamilyTree) -> None:
    """No line of the tree runs through anyone's name or relationship label."""
    assert tree.lines
    for line in tree.lines:
        for node in [*tree.nodes, *tree.stakeholders]:
            for box in node.label_boxes:
                assert not line.crosses(box), (line, node.person.name, box)


def test_it_lays_out_the_generations_in_rows_without_overlap(family: Family) -> None:
    tree = pictures.family_tree(kyc_load(client=family.client))
    nodes = _nodes(tree)
    people = family.people

    assert set(nodes) == {p.pk for p in people.values()}
    assert [n.person.pk for n in tree.stakeholders] == [people["partner"].pk]
    _assert_no_overlap(tree)
    _assert_inside(tree)
    rows: dict[int | None, set[float]] = defaultdict(set)
    for person in people.values():
        rows[person.generation].add(nodes[person.pk].y)
    assert all(len(ys) == 1 for ys in rows.values())
    assert max(rows[-1]) < max(rows[0]) < max(rows[1]) < max(rows[None])


def test_it_puts_children_below_their_parents(family: Family) -> None:
    tree = pictures.family_tree(kyc_load(client=family.client))
    nodes = _nodes(tree)

    for parent, child in family.parent_child:
        assert nodes[family.people[child].pk].y > nodes[family.people[parent].pk].y, (
            parent,
            child,
        )


def test_it_draws_descent_lines_from_both_parents(family: Family) -> None:
    tree = pictures.family_tree(kyc_load(client=family.client))
    nodes = _nodes(tree)
    parents: dict[str, set[str]] = defaultdict(set)
    for parent, child in family.parent_child:
        parents[child].add(parent)

    for child, its_parents in parents.items():
        child_node = nodes[family.people[child].pk]
        descents = [d for d in tree.descents if child_node in d.children]
        assert len(descents) == 1, child
        expected_x = sum(nodes[family.people[p].pk].x for p in its_parents) / len(its_parents)
        assert descents[0].from_x == pytest.approx(expected_x), child
        assert descents[0].from_y < descents[0].bar_y < child_node.y


def test_it_marks_the_client_couples_and_the_divorce(family: Family) -> None:
    tree = pictures.family_tree(kyc_load(client=family.client))
    people = family.people

    clients = [n for n in [*tree.nodes, *tree.stakeholders] if n.is_client]
    assert [n.person.pk for n in clients] == [people["me"].pk]
    couples = {frozenset((c.left.person.pk, c.right.person.pk)): c.divorced for c in tree.couples}
    pair = lambda a, b: frozenset((people[a].pk, people[b].pk))  # noqa: E731
    assert couples == {
        pair("me", "wife"): False,
        pair("me", "ex_wife"): True,
        pair("father", "mother"): False,
        pair("father_in_law", "mother_in_law"): False,
    }
    for couple in tree.couples:
        assert couple.left.x < couple.right.x
        assert couple.left.y == couple.right.y


def test_it_keeps_a_wide_four_generation_family_apart(cast: Cast) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", gender="male")
    make_person(client=client, relationship="spouse")
    father = make_person(client=client, relationship="parent", gender="male")
    grandfather = make_person(client=client, relationship="grandparent", gender="male")
    make_link(from_person=grandfather, to_person=father)
    for _ in range(3):
        make_person(client=client, relationship="sibling")
    children = [
        make_person(client=client, relationship="child", birth_date=dt.date(1990 + i, 1, 1))
        for i in range(5)
    ]
    grandchildren = []
    for child in children:
        for _ in range(3):
            grandchild = make_person(client=client, relationship="grandchild")
            make_link(from_person=child, to_person=grandchild)
            grandchildren.append((child, grandchild))

    tree = pictures.family_tree(kyc_load(client=client))

    nodes = _nodes(tree)
    _assert_no_overlap(tree)
    _assert_inside(tree)
    assert nodes[grandfather.pk].y < nodes[father.pk].y < nodes[me.pk].y
    for child in children:
        assert nodes[child.pk].y > nodes[me.pk].y
    for child, grandchild in grandchildren:
        assert nodes[grandchild.pk].y > nodes[child.pk].y
        descent = next(d for d in tree.descents if nodes[grandchild.pk] in d.children)
        assert descent.from_x == nodes[child.pk].x
    _assert_lines_clear(tree)


def test_it_routes_lines_around_names(family: Family) -> None:
    _assert_lines_clear(pictures.family_tree(kyc_load(client=family.client)))


def test_it_routes_the_lines_of_a_blended_family_around_names(cast: Cast) -> None:
    """Two ex-wives with a child each, a child whose other parent is not recorded, and
    long names: every trunk, bar and drop misses every label."""
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", gender="male", name="Alexander Zhao")
    wife = make_person(client=client, relationship="spouse", name="李静")
    first = make_person(client=client, relationship="ex_spouse", name="Catherine Wong-Lee")
    second = make_person(client=client, relationship="ex_spouse", name="周敏")
    for parents, name in (
        ((me, first), "赵大儿子"),
        ((me, second), "Zhao Junior Second"),
        ((me, wife), "赵小宝"),
        ((me,), "赵私生女"),
    ):
        child = make_person(client=client, relationship="child", name=name)
        for parent in parents:
            make_link(from_person=parent, to_person=child)
    grandchild = make_person(client=client, relationship="grandchild", name="赵孙")
    make_link(from_person=child, to_person=grandchild)

    tree = pictures.family_tree(kyc_load(client=client))

    nodes = _nodes(tree)
    _assert_no_overlap(tree)
    _assert_lines_clear(tree)
    # The one-parent lines start below that parent's labels.
    lone = next(d for d in tree.descents if nodes[grandchild.pk] in d.children)
    assert lone.from_y >= max(b.bottom for b in nodes[child.pk].label_boxes)
    # The trunk to the first marriage's son still leaves that marriage line.
    son = next(n for n in tree.nodes if n.person.name == "赵大儿子")
    trunk = next(d for d in tree.descents if son in d.children).lines[0]
    low, high = sorted((nodes[me.pk].x, nodes[first.pk].x))
    assert low < trunk.x1 < high
    assert trunk.y1 == nodes[me.pk].y


def test_it_draws_nobody_for_an_empty_household(cast: Cast) -> None:
    tree = pictures.family_tree(kyc_load(client=cast.advisor_client))

    assert tree.empty
    assert tree.width > 0 and tree.height > 0


# Asset structure ---------------------------------------------------------------------


def test_it_totals_the_assets_and_debts(family: Family) -> None:
    structure = pictures.asset_structure(kyc_load(client=family.client))

    assets_total = sum((a.value for a in family.assets), Decimal(0))
    debts = sum((li.amount for li in family.liabilities if li.kind != "guarantee"), Decimal(0))
    guarantees = sum((li.amount for li in family.liabilities if li.kind == "guarantee"), Decimal(0))
    assert structure.assets_total == assets_total == Decimal("53820000")
    assert structure.debts_total == debts == Decimal("6800000")
    assert structure.guarantees_total == guarantees == Decimal("5000000")
    assert structure.net_worth == assets_total - debts


def _sums(family: Family, attribute: str, choices: type[Choices]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for asset in family.assets:
        totals[str(choices(getattr(asset, attribute)).label)] += asset.value
    return dict(totals)


def test_it_splits_the_assets_by_each_classification(family: Family) -> None:
    with translation.override("en"):
        structure = pictures.asset_structure(kyc_load(client=family.client))
        expected = [
            _sums(family, "holding", Holding),
            _sums(family, "marital", MaritalProperty),
            _sums(family, "location", Place),
            _sums(family, "category", AssetCategory),
        ]
        debt_labels = {
            str(label) for _value, label in LiabilityKind.choices if _value != "personal_loan"
        }
    *asset_bars, debts = structure.bars

    for bar, amounts in zip(asset_bars, expected, strict=True):
        assert {s.label: s.amount for s in bar.segments} == amounts, bar.title
        assert bar.total == structure.assets_total
        assert sum(s.share for s in bar.segments) == pytest.approx(1)
    assert len(asset_bars[3].segments) == len(AssetCategory)
    assert debts.total == sum((li.amount for li in family.liabilities), Decimal(0))
    assert {s.label for s in debts.segments} == debt_labels
    assert [s.hatched for s in debts.segments] == [
        s.label == "Guarantee with joint liability" for s in debts.segments
    ]
    assert not any(s.hatched for bar in asset_bars for s in bar.segments)


def test_it_draws_every_bar_on_one_scale(family: Family) -> None:
    structure = pictures.asset_structure(kyc_load(client=family.client))
    scale = max(structure.assets_total, structure.bars[-1].total)

    for bar in structure.bars:
        x = structure.bar_x
        for segment in bar.segments:
            assert segment.x == pytest.approx(x)
            assert segment.width == pytest.approx(
                float(segment.amount / scale) * structure.bar_width
            )
            x += segment.width
        assert x <= structure.bar_x + structure.bar_width + 1e-6
    # The assets are the longer side here, so their bars fill the width.
    assert sum(s.width for s in structure.bars[0].segments) == pytest.approx(structure.bar_width)


# Money flow --------------------------------------------------------------------------


def test_it_draws_each_allocation_from_its_start_to_its_end(family: Family) -> None:
    flow = pictures.money_flow(kyc_load(client=family.client))

    assert len(flow.rows) == len(family.allocations)
    starts = sorted(a.start_year for a in family.allocations)
    assert [r.label for r in flow.rows] == [
        next(a.person.name for a in family.allocations if a.start_year == year) for year in starts
    ]
    for row in flow.rows:
        assert row.x1 <= row.x2
        assert flow.axis_x <= row.x1 <= flow.axis_end
        assert flow.axis_x <= row.x2 <= flow.axis_end
    assert [r.y for r in flow.rows] == sorted(r.y for r in flow.rows)
    assert len({r.y for r in flow.rows}) == len(flow.rows)
    open_ended = [r for r in flow.rows if r.open_ended]
    assert [r.label for r in open_ended] == [family.people["first_daughter"].name]
    years = [t.year for t in flow.ticks]
    assert years == sorted(years)
    assert [t.x for t in flow.ticks] == sorted(t.x for t in flow.ticks)
    assert flow.axis_x <= flow.now_x <= flow.axis_end


def test_it_places_years_proportionally_on_the_axis(family: Family) -> None:
    flow = pictures.money_flow(kyc_load(client=family.client))
    son = next(r for r in flow.rows if r.label == family.people["son"].name)
    daughter = next(r for r in flow.rows if r.label == family.people["daughter"].name)

    # Both are four-year allocations, so their bars are equally long.
    assert son.x2 - son.x1 == pytest.approx(daughter.x2 - daughter.x1)
    assert daughter.x1 > son.x1


def test_it_keeps_allocations_beyond_the_axis_in_order(cast: Cast) -> None:
    client = cast.advisor_client
    child = make_person(client=client, relationship="child")
    make_allocation(client=client, person=child, start_year=1990, end_year=2100)
    make_allocation(client=client, person=child, start_year=2090, end_year=None)
    make_allocation(client=client, person=child, start_year=2060, end_year=2060)

    flow = pictures.money_flow(kyc_load(client=client))

    assert len(flow.rows) == 3
    for row in flow.rows:
        assert row.x1 <= row.x2
        assert flow.axis_x <= row.x1 <= flow.axis_end
        assert flow.axis_x <= row.x2 <= flow.axis_end


def test_it_labels_shares_and_amounts(family: Family) -> None:
    with translation.override("en"):
        flow = pictures.money_flow(kyc_load(client=family.client))

    labels = {r.label: r.amount_label for r in flow.rows}
    assert labels[family.people["first_daughter"].name] == "10% of wealth"
    assert labels[family.people["son"].name] == "100.0k a year"


def _row(x1: float, x2: float, amount: str, condition: str = "", keep: bool = False) -> Any:
    return pictures.FlowRow(
        label="赵可欣", purpose="婚嫁", amount_label=amount, condition=condition,
        keep_control=keep, y=100, x1=x1, x2=x2, open_ended=False, color="#3d8fc4",
        left_limit=190, right_limit=746,
    )  # fmt: skip


def _extent(row: Any) -> tuple[float, float]:
    position = row.label_position
    width = pictures.text_width(row.label_text, pictures.FLOW_LABEL_SIZE)
    start = position.x - width if position.anchor == "end" else position.x
    return start, start + width


def test_a_flow_label_goes_inside_a_bar_long_enough_for_it() -> None:
    row = _row(200, 600, "每年 10万")

    assert row.label_position == pictures.LabelPosition(206, 105, "start", inside=True)


def test_a_flow_label_goes_after_a_short_bar_while_it_fits_there() -> None:
    row = _row(200, 260, "每年 10万", "结婚时")

    assert row.label_position == pictures.LabelPosition(274, 105, "start", inside=False)


def test_a_flow_label_at_the_right_edge_goes_before_the_bar_past_its_lock() -> None:
    # Mr Zhao's daughter: a share from 2045 on, whose label ran off the page.
    row = _row(650, 710, "财富的 20%", "结婚时满 25 岁且完成学业", keep=True)

    position = row.label_position
    assert (position.x, position.anchor, position.inside) == (628, "end", False)
    assert _extent(row)[0] >= 190 and _extent(row)[1] <= 628


def test_a_flow_label_with_no_room_beside_its_bar_goes_under_it() -> None:
    row = _row(400, 700, "财富的 20%", "结婚时满二十五岁并且已经完成全部学业而且身体健康")

    position = row.label_position
    assert position.y == 124 and position.anchor == "start" and not position.inside
    assert _extent(row)[0] >= 190 and _extent(row)[1] <= 746


def test_every_flow_label_of_a_household_stays_inside_the_picture(family: Family) -> None:
    flow = pictures.money_flow(kyc_load(client=family.client))

    for row in flow.rows:
        start, end = _extent(row)
        assert flow.axis_x <= start and end <= flow.width, row.label


def test_wide_characters_count_a_full_em_and_narrow_ones_less() -> None:
    assert pictures.text_width("结婚时", 10) == 30
    assert pictures.text_width("20%", 10) == pytest.approx(18)
