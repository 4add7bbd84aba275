"""Kinship in a client's household map: who is whose parent, child, spouse or ex-spouse,
and who has an insurable interest in whom.

This is the one place that answers these questions. The map records each person's
relationship to the client (Person.relationship) and, between the other people,
explicit links (PersonLink); this module reads both. The family-tree picture draws its
answers, and the risk detectors and the legal rules of kms reason on them, rather than
each reading relationships and links in its own way.

The answers hold between any two people of the map, not only relative to the client:
the client's wife is her own parents' child although they are the client's
parents-in-law, and the son of the client's first marriage is his mother's child and
his stepmother's stepchild.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from kyc.models import MaritalStatus, Person, PersonLink, Relationship
from kyc.selectors import Kyc


class Kin(StrEnum):
    """What one person is to another: "A is B's <kin>"."""

    SELF = "self"
    SPOUSE = "spouse"
    EX_SPOUSE = "ex_spouse"
    PARENT = "parent"
    CHILD = "child"
    STEP_PARENT = "step_parent"
    STEPCHILD = "stepchild"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    PARENT_IN_LAW = "parent_in_law"
    CHILD_IN_LAW = "child_in_law"


# PRC Insurance Law art. 31 (1)-(2): the policyholder has an insurable interest in
# themself, their spouse, children and parents, whatever the support between them.
INSURABLE_KIN = frozenset({Kin.SELF, Kin.SPOUSE, Kin.PARENT, Kin.CHILD})
# PRC Civil Code art. 1045: the close relatives (近亲属) are the spouse, parents,
# children, siblings, grandparents and grandchildren. Step-relatives and in-laws are not
# among them, and neither is a former spouse.
CLOSE_RELATIVES = frozenset(
    {Kin.SPOUSE, Kin.PARENT, Kin.CHILD, Kin.SIBLING, Kin.GRANDPARENT, Kin.GRANDCHILD}
)
# Relationships to the client that the links between people do not spell out: the
# client's sibling need not share a recorded parent with the client, and a grandparent
# is recorded without the parent in between.
RECORDED_KIN: dict[str, Kin] = {
    Relationship.SIBLING: Kin.SIBLING,
    Relationship.GRANDPARENT: Kin.GRANDPARENT,
    Relationship.GRANDCHILD: Kin.GRANDCHILD,
    Relationship.PARENT_IN_LAW: Kin.PARENT_IN_LAW,
}
INVERSE_KIN: dict[Kin, Kin] = {
    Kin.SIBLING: Kin.SIBLING,
    Kin.GRANDPARENT: Kin.GRANDCHILD,
    Kin.GRANDCHILD: Kin.GRANDPARENT,
    Kin.PARENT_IN_LAW: Kin.CHILD_IN_LAW,
}
# The people the client shares a home and a budget with, whose own cover the advisor
# looks at first.
IMMEDIATE_FAMILY = frozenset({Relationship.SELF, Relationship.SPOUSE, Relationship.CHILD})


@dataclass(frozen=True)
class Marriage:
    """Two people of the map who are married, or were (divorced)."""

    first: int
    second: int
    divorced: bool


@dataclass(frozen=True)
class EarlierMarriageChild:
    """A child of the client or of the client's spouse, from an earlier marriage: the
    child of `parent` and stepchild of `step_parent`, who are married now."""

    child: Person
    parent: Person
    step_parent: Person

    @property
    def of_the_client(self) -> bool:
        return self.parent.relationship == Relationship.SELF


def parents_within_map(kyc: Kyc) -> dict[int, set[int]]:
    """Each person's parents within the map: implied by the relationship to the client,
    plus the explicit links."""
    people = kyc.people
    me = kyc.client_person
    spouses = [p for p in people if p.relationship == Relationship.SPOUSE]
    parents: dict[int, set[int]] = defaultdict(set)
    for person in people:
        if me and person.relationship == Relationship.CHILD:
            parents[person.pk].add(me.pk)
        if me and person.relationship == Relationship.PARENT:
            parents[me.pk].add(person.pk)
        if len(spouses) == 1 and person.relationship == Relationship.PARENT_IN_LAW:
            parents[spouses[0].pk].add(person.pk)
        if len(spouses) == 1 and person.relationship == Relationship.STEPCHILD:
            parents[person.pk].add(spouses[0].pk)
    for link in kyc.links:
        if link.kind == PersonLink.Kind.PARENT_OF:
            parents[link.to_person_id].add(link.from_person_id)
    # A child with only the client as parent is the child of the current spouse
    # unless a link says otherwise (children of an earlier marriage carry that link).
    if me and len(spouses) == 1:
        for person in people:
            if person.relationship == Relationship.CHILD and parents[person.pk] == {me.pk}:
                parents[person.pk].add(spouses[0].pk)
    return parents


def marriages_within_map(kyc: Kyc) -> list[Marriage]:
    """The marriages, current and former, implied by the relationship to the client,
    recorded as links, or presumed between two parents."""
    me = kyc.client_person
    marriages: list[Marriage] = []
    for person in kyc.people:
        if me and person.relationship == Relationship.SPOUSE:
            marriages.append(Marriage(me.pk, person.pk, divorced=False))
        if me and person.relationship == Relationship.EX_SPOUSE:
            marriages.append(Marriage(person.pk, me.pk, divorced=True))
    for link in kyc.links:
        if link.kind in {PersonLink.Kind.SPOUSE_OF, PersonLink.Kind.EX_SPOUSE_OF}:
            marriages.append(
                Marriage(
                    link.from_person_id,
                    link.to_person_id,
                    divorced=link.kind == PersonLink.Kind.EX_SPOUSE_OF,
                )
            )
    # The client's two parents (or two parents-in-law) are presumed married to each
    # other unless a link says otherwise: an advisor records the exception, a divorce,
    # not the rule. The man comes first, as the family tree draws him on the left.
    linked = {frozenset((m.first, m.second)) for m in marriages}
    for relationship in (Relationship.PARENT, Relationship.PARENT_IN_LAW):
        group = [p for p in kyc.people if p.relationship == relationship]
        if len(group) == 2 and frozenset(p.pk for p in group) not in linked:
            male_first = sorted(group, key=lambda p: p.gender != "male")
            marriages.append(Marriage(male_first[0].pk, male_first[1].pk, divorced=False))
    return marriages


class Kinship:
    """How the people of one loaded household map are related to each other."""

    def __init__(self, kyc: Kyc) -> None:
        self.kyc = kyc

    @cached_property
    def parents(self) -> dict[int, set[int]]:
        return parents_within_map(self.kyc)

    @cached_property
    def marriages(self) -> list[Marriage]:
        return marriages_within_map(self.kyc)

    @cached_property
    def _spouses(self) -> dict[int, set[int]]:
        return self._partners(divorced=False)

    @cached_property
    def _ex_spouses(self) -> dict[int, set[int]]:
        return self._partners(divorced=True)

    def _partners(self, *, divorced: bool) -> dict[int, set[int]]:
        partners: dict[int, set[int]] = defaultdict(set)
        for marriage in self.marriages:
            if marriage.divorced == divorced:
                partners[marriage.first].add(marriage.second)
                partners[marriage.second].add(marriage.first)
        return partners

    def _parents_of(self, pk: int) -> set[int]:
        # .get, not [], so that asking never adds an empty entry to the parents map.
        return self.parents.get(pk, set())

    @cached_property
    def family_ids(self) -> frozenset[int]:
        """The people of the family tree: the client, relatives by blood and marriage, and
        former spouses; business partners, employees and friends are outside it."""
        return frozenset(p.pk for p in self.kyc.people if p.generation is not None)

    @property
    def immediate_family(self) -> list[Person]:
        """The client, the spouse and the children, as recorded."""
        return [p for p in self.kyc.people if p.relationship in IMMEDIATE_FAMILY]

    @property
    def client_is_married(self) -> bool:
        me = self.kyc.client_person
        return any(p.relationship == Relationship.SPOUSE for p in self.kyc.people) or bool(
            me and self._spouses.get(me.pk)
        )

    @cached_property
    def earlier_marriage_children(self) -> list[EarlierMarriageChild]:
        """The children of a blended family: those of the client or of the client's
        current spouse who are not the child of both.

        A child of the client is taken for the spouse's child too unless a link names
        another parent (parents_within_map), so a child of the first marriage is one
        linked to the former spouse; a stepchild is the spouse's child.
        """
        me = self.kyc.client_person
        if me is None:
            return []
        spouse_ids = self._spouses.get(me.pk, set())
        people = {p.pk: p for p in self.kyc.people}
        spouses = [people[pk] for pk in sorted(spouse_ids) if pk in people]
        if not spouses:
            return []
        found = []
        for person in self.kyc.people:
            if person.pk == me.pk or person.pk in spouse_ids:
                continue
            parents = self._parents_of(person.pk)
            if me.pk in parents and not parents & spouse_ids:
                found.append(EarlierMarriageChild(person, me, spouses[0]))
            elif me.pk not in parents and (own := [s for s in spouses if s.pk in parents]):
                found.append(EarlierMarriageChild(person, own[0], me))
        return found

    @property
    def client_is_remarried(self) -> bool:
        """Married now after an earlier marriage: recorded as remarried, or a former
        spouse or a child of an earlier marriage shows it."""
        me = self.kyc.client_person
        if me is None or not self.client_is_married:
            return False
        return (
            me.marital_status == MaritalStatus.REMARRIED
            or bool(self._ex_spouses.get(me.pk))
            or bool(self.earlier_marriage_children)
        )

    def is_parent(self, *, parent: Person, child: Person) -> bool:
        return parent.pk in self._parents_of(child.pk)

    def is_spouse(self, a: Person, b: Person) -> bool:
        """Whether the two are married now; a former spouse is not a spouse."""
        return b.pk in self._spouses.get(a.pk, set())

    def relation(self, person: Person, *, to: Person) -> Kin | None:
        """What `person` is to `to`, or None when the map shows no kinship between them.

        1. The same person, a spouse or a former spouse.
        2. A parent or a child, from the parents within the map.
        3. A stepparent or a stepchild: a parent of the one is married to the other.
        4. A sibling (a shared parent), a grandparent or a grandchild.
        5. What the client's relationship records when one of the two is the client.
        6. A parent-in-law or a child-in-law: a parent of the other's spouse.
        """
        a, b = person.pk, to.pk
        if a == b:
            return Kin.SELF
        if b in self._spouses.get(a, set()):
            return Kin.SPOUSE
        if b in self._ex_spouses.get(a, set()):
            return Kin.EX_SPOUSE
        parents_a, parents_b = self._parents_of(a), self._parents_of(b)
        if a in parents_b:
            return Kin.PARENT
        if b in parents_a:
            return Kin.CHILD
        spouses_a, spouses_b = self._spouses.get(a, set()), self._spouses.get(b, set())
        if parents_a & spouses_b:
            return Kin.STEPCHILD
        if parents_b & spouses_a:
            return Kin.STEP_PARENT
        if parents_a & parents_b:
            return Kin.SIBLING
        if any(a in self._parents_of(parent) for parent in parents_b):
            return Kin.GRANDPARENT
        if any(b in self._parents_of(parent) for parent in parents_a):
            return Kin.GRANDCHILD
        me = self.kyc.client_person
        if me and b == me.pk and person.relationship in RECORDED_KIN:
            return RECORDED_KIN[person.relationship]
        if me and a == me.pk and to.relationship in RECORDED_KIN:
            return INVERSE_KIN[RECORDED_KIN[to.relationship]]
        if any(a in self._parents_of(spouse) for spouse in spouses_b):
            return Kin.PARENT_IN_LAW
        if any(b in self._parents_of(spouse) for spouse in spouses_a):
            return Kin.CHILD_IN_LAW
        return None

    def are_close_relatives(self, a: Person, b: Person) -> bool:
        return self.relation(a, to=b) in CLOSE_RELATIVES

    def supports(self, a: Person, b: Person) -> bool:
        """Whether one of two relatives provides for the other (Insurance Law art. 31 (3)).

        The map records support from the client only: must_provide_for marks whom the
        client provides for. The law asks for a family member or close relative, so a
        former spouse does not count, whatever the client still pays after the divorce;
        someone recorded outside the tree counts when a link makes them kin (the
        spouse's child of an earlier marriage whom the client raises).
        """
        me = self.kyc.client_person
        if me is None or me.pk not in (a.pk, b.pk) or a.pk == b.pk:
            return False
        other = b if a.pk == me.pk else a
        if not other.must_provide_for:
            return False
        kin = self.relation(other, to=me)
        if kin == Kin.EX_SPOUSE:
            return False
        return kin is not None or other.pk in self.family_ids

    def employs(self, *, employer: Person, employee: Person) -> bool:
        """The map records employees as the client's (the client's business employs them)."""
        me = self.kyc.client_person
        return bool(me and employer.pk == me.pk and employee.relationship == Relationship.EMPLOYEE)

    def has_insurable_interest(self, *, policyholder: Person, insured: Person) -> bool:
        """PRC Insurance Law art. 31, before any consent of the insured: oneself, the
        spouse, children and parents; relatives in a support relationship; employees."""
        return (
            self.relation(insured, to=policyholder) in INSURABLE_KIN
            or self.supports(policyholder, insured)
            or self.employs(employer=policyholder, employee=insured)
        )
