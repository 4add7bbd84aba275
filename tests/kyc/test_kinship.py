"""Kinship in a blended family: relations between any two people, not only the client,
and who has an insurable interest in whom (Insurance Law art. 31)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clients.models import Client
from kyc.kinship import Kin, Kinship, Marriage, parents_within_map
from kyc.models import Person
from kyc.selectors import kyc_load
from tests.conftest import Cast
from tests.factories import born, make_link, make_person


@dataclass
class Remarried:
    """A business owner of 55 in his second marriage, and the people around him."""

    client: Client
    me: Person
    ex_wife: Person  # still receives support from him
    first_son: Person  # 25, of the first marriage
    wife: Person  # the second wife
    young_son: Person  # 6, of the second marriage
    stepdaughter: Person  # 14, the wife's daughter of her earlier marriage, raised by him
    mother: Person  # 80, provided for
    wifes_father: Person
    wifes_mother: Person  # provided for by the client
    employee: Person
    employees_mother: Person
    employees_daughter: Person
    employees_sister: Person
    friend: Person


@pytest.fixture
def home(cast: Cast) -> Remarried:
    client = cast.advisor_client
    person = make_person
    h = Remarried(
        client=client,
        me=person(client=client, relationship="self", name="周建华", gender="male", birth_date=born(55)),
        ex_wife=person(client=client, relationship="ex_spouse", name="吴丽", birth_date=born(53), must_provide_for=True),
        first_son=person(client=client, relationship="child", name="周子豪", gender="male", birth_date=born(25)),
        wife=person(client=client, relationship="spouse", name="陈静", birth_date=born(40)),
        young_son=person(client=client, relationship="child", name="周小宝", gender="male", birth_date=born(6), must_provide_for=True),
        stepdaughter=person(client=client, relationship="other", name="林欣", birth_date=born(14), must_provide_for=True),
        mother=person(client=client, relationship="parent", name="郑桂兰", birth_date=born(80), must_provide_for=True),
        wifes_father=person(client=client, relationship="parent_in_law", name="陈国栋", gender="male", birth_date=born(68)),
        wifes_mother=person(client=client, relationship="parent_in_law", name="林素珍", birth_date=born(66), must_provide_for=True),
        employee=person(client=client, relationship="employee", name="王员工", gender="male", birth_date=born(30)),
        employees_mother=person(client=client, relationship="other", name="王母", birth_date=born(58)),
        employees_daughter=person(client=client, relationship="other", name="王小妹", birth_date=born(4)),
        employees_sister=person(client=client, relationship="other", name="王姐", birth_date=born(33)),
        friend=person(client=client, relationship="friend", name="孙朋友", gender="male"),
    )  # fmt: skip
    # The son of the first marriage is the ex-wife's child, not the second wife's.
    make_link(from_person=h.ex_wife, to_person=h.first_son)
    make_link(from_person=h.wife, to_person=h.stepdaughter)
    make_link(from_person=h.employee, to_person=h.employees_daughter)
    make_link(from_person=h.employees_mother, to_person=h.employee)
    make_link(from_person=h.employees_mother, to_person=h.employees_sister)
    return h


def _kinship(client: Client) -> Kinship:
    return Kinship(kyc_load(client=client))


# Who is whose parent and spouse -------------------------------------------------------


def test_it_gives_each_child_the_parents_of_their_own_marriage(home: Remarried) -> None:
    parents = parents_within_map(kyc_load(client=home.client))

    assert parents[home.first_son.pk] == {home.me.pk, home.ex_wife.pk}
    assert parents[home.young_son.pk] == {home.me.pk, home.wife.pk}
    assert parents[home.stepdaughter.pk] == {home.wife.pk}
    # The wife's parents are hers, though the client records them as his in-laws.
    assert parents[home.wife.pk] == {home.wifes_father.pk, home.wifes_mother.pk}


def test_it_knows_the_current_and_the_former_marriage(home: Remarried) -> None:
    kinship = _kinship(home.client)

    assert Marriage(home.ex_wife.pk, home.me.pk, divorced=True) in kinship.marriages
    assert Marriage(home.me.pk, home.wife.pk, divorced=False) in kinship.marriages
    assert kinship.is_spouse(home.me, home.wife) and kinship.is_spouse(home.wife, home.me)
    assert not kinship.is_spouse(home.me, home.ex_wife)
    assert kinship.client_is_married


def test_it_presumes_two_parents_married_unless_a_link_says_otherwise(home: Remarried) -> None:
    assert _kinship(home.client).is_spouse(home.wifes_father, home.wifes_mother)

    make_link(from_person=home.wifes_father, to_person=home.wifes_mother, kind="ex_spouse_of")
    kinship = _kinship(home.client)

    assert not kinship.is_spouse(home.wifes_father, home.wifes_mother)
    assert kinship.relation(home.wifes_father, to=home.wifes_mother) == Kin.EX_SPOUSE


def test_a_divorced_client_is_not_married(cast: Cast) -> None:
    client = cast.advisor_client
    make_person(client=client, relationship="self", name="周建华", gender="male")
    make_person(client=client, relationship="ex_spouse", name="吴丽")

    assert not _kinship(client).client_is_married


# What one person is to another --------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "to", "kin"),
    [
        ("me", "me", Kin.SELF),
        ("wife", "me", Kin.SPOUSE),
        ("ex_wife", "me", Kin.EX_SPOUSE),
        ("first_son", "me", Kin.CHILD),
        ("me", "first_son", Kin.PARENT),
        ("ex_wife", "first_son", Kin.PARENT),  # his mother, though no longer the client's wife
        ("wife", "first_son", Kin.STEP_PARENT),
        ("first_son", "wife", Kin.STEPCHILD),
        ("wife", "young_son", Kin.PARENT),  # the spouse is the other parent unless linked
        ("first_son", "young_son", Kin.SIBLING),  # half-brothers share their father
        ("stepdaughter", "wife", Kin.CHILD),
        ("stepdaughter", "me", Kin.STEPCHILD),
        ("me", "stepdaughter", Kin.STEP_PARENT),
        ("mother", "me", Kin.PARENT),
        ("mother", "young_son", Kin.GRANDPARENT),
        ("first_son", "mother", Kin.GRANDCHILD),
        ("wifes_father", "wife", Kin.PARENT),
        ("wife", "wifes_mother", Kin.CHILD),
        ("wifes_father", "me", Kin.PARENT_IN_LAW),
        ("me", "wifes_mother", Kin.CHILD_IN_LAW),
        ("employees_daughter", "employee", Kin.CHILD),
        ("employees_sister", "employee", Kin.SIBLING),
        ("employees_mother", "employees_daughter", Kin.GRANDPARENT),
    ],
)
def test_it_tells_what_one_person_is_to_another(
    home: Remarried, person: str, to: str, kin: Kin
) -> None:
    kinship = _kinship(home.client)

    assert kinship.relation(getattr(home, person), to=getattr(home, to)) == kin


@pytest.mark.parametrize(
    ("person", "to"),
    [
        ("ex_wife", "wife"),
        ("ex_wife", "young_son"),  # her ex-husband's child with his second wife
        ("ex_wife", "stepdaughter"),
        ("employee", "me"),
        ("friend", "me"),
        ("wifes_father", "first_son"),
    ],
)
def test_it_finds_no_kinship_between_strangers_to_each_other(
    home: Remarried, person: str, to: str
) -> None:
    assert _kinship(home.client).relation(getattr(home, person), to=getattr(home, to)) is None


def test_it_reads_siblings_and_grandparents_recorded_only_relative_to_the_client(
    cast: Cast,
) -> None:
    client = cast.advisor_client
    me = make_person(client=client, relationship="self", name="赵立新", gender="male")
    sister = make_person(client=client, relationship="sibling", name="赵立红")
    grandpa = make_person(client=client, relationship="grandparent", name="赵老太爷")
    kinship = _kinship(client)

    assert kinship.relation(sister, to=me) == kinship.relation(me, to=sister) == Kin.SIBLING
    assert kinship.relation(grandpa, to=me) == Kin.GRANDPARENT
    assert kinship.relation(me, to=grandpa) == Kin.GRANDCHILD
    # Without a recorded parent between them, the sister and the grandfather are unrelated.
    assert kinship.relation(grandpa, to=sister) is None


# Close relatives (Civil Code art. 1045) -----------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "close"),
    [
        ("employees_daughter", "employee", True),
        ("employees_sister", "employee", True),
        ("employees_mother", "employees_daughter", True),
        ("first_son", "young_son", True),
        ("wife", "me", True),
        ("ex_wife", "me", False),
        ("wife", "first_son", False),  # a stepmother is not a close relative
        ("wifes_father", "me", False),  # nor is a father-in-law
        ("friend", "employee", False),
    ],
)
def test_it_knows_the_close_relatives(home: Remarried, a: str, b: str, close: bool) -> None:
    assert _kinship(home.client).are_close_relatives(getattr(home, a), getattr(home, b)) is close


# Insurable interest (Insurance Law art. 31) -------------------------------------------


@pytest.mark.parametrize(
    ("policyholder", "insured"),
    [
        ("me", "me"),
        ("me", "wife"),
        ("wife", "me"),
        ("me", "first_son"),
        ("me", "young_son"),
        ("wife", "young_son"),
        ("ex_wife", "first_son"),  # a mother insuring her son, whatever became of her marriage
        ("first_son", "ex_wife"),
        ("me", "mother"),
        ("mother", "me"),
        ("wife", "wifes_father"),  # her own parents, though the client's in-laws
        ("wifes_mother", "wife"),
        ("me", "wifes_mother"),  # the client provides for his mother-in-law
        ("me", "stepdaughter"),  # raised by the client: support makes her family
        ("stepdaughter", "me"),
        ("me", "employee"),
    ],
)
def test_it_finds_an_insurable_interest(home: Remarried, policyholder: str, insured: str) -> None:
    kinship = _kinship(home.client)

    assert kinship.has_insurable_interest(
        policyholder=getattr(home, policyholder), insured=getattr(home, insured)
    )


@pytest.mark.parametrize(
    ("policyholder", "insured"),
    [
        ("me", "ex_wife"),  # support paid after a divorce makes no one family again
        ("ex_wife", "me"),
        ("wife", "first_son"),  # a stepmother who does not provide for him
        ("ex_wife", "young_son"),
        ("first_son", "young_son"),  # brothers are not among art. 31's relatives
        ("me", "wifes_father"),  # an in-law the client does not provide for
        ("wife", "employee"),  # the business is the client's, not the wife's
        ("friend", "me"),
        ("me", "friend"),
    ],
)
def test_it_finds_no_insurable_interest(home: Remarried, policyholder: str, insured: str) -> None:
    kinship = _kinship(home.client)

    assert not kinship.has_insurable_interest(
        policyholder=getattr(home, policyholder), insured=getattr(home, insured)
    )


def test_an_employee_has_an_insurable_interest_in_his_own_child(home: Remarried) -> None:
    kinship = _kinship(home.client)

    assert kinship.has_insurable_interest(
        policyholder=home.employee, insured=home.employees_daughter
    )
    # The client employs him, but has no interest in his family.
    assert not kinship.has_insurable_interest(policyholder=home.me, insured=home.employees_daughter)


def test_support_counts_only_between_the_client_and_a_relative(home: Remarried) -> None:
    kinship = _kinship(home.client)

    assert kinship.supports(home.me, home.mother)
    assert kinship.supports(home.mother, home.me)
    assert not kinship.supports(home.me, home.ex_wife)
    # must_provide_for records the client's support, not the wife's.
    assert not kinship.supports(home.wife, home.young_son)


# The family the detectors look at ----------------------------------------------------


def test_it_separates_the_family_from_the_stakeholders(home: Remarried) -> None:
    kinship = _kinship(home.client)

    assert home.ex_wife.pk in kinship.family_ids
    assert home.wifes_father.pk in kinship.family_ids
    assert home.employee.pk not in kinship.family_ids
    assert home.friend.pk not in kinship.family_ids
    assert {p.name for p in kinship.immediate_family} == {"周建华", "陈静", "周子豪", "周小宝"}
