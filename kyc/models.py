"""KYC facts of a client's household: the three relationships of seed 000 (4.1).

People ↔ people (Person, PersonLink), money ↔ money (Enterprise, Asset, Liability,
IncomeSource, Household), people ↔ money (Allocation), and the existing policies
(ExistingPolicy, PolicyBeneficiary). Every row belongs to exactly one client, and every
query reaches it through that client, which is scoped by Client.objects.visible_to.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from advisor_crm.rules import JudgedInput
from clients.fields import EncryptedTextField
from clients.models import Client, Gender
from clients.validators import (
    validate_birth_date,
    validate_calendar_date,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def money(verbose_name: StrOrPromise, *, optional: bool = False) -> models.DecimalField:
    """A non-negative amount in yuan with two decimals."""
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        null=optional,
        blank=optional,
        validators=[MinValueValidator(Decimal(0))],
    )


def percent(verbose_name: StrOrPromise) -> models.DecimalField:
    """An optional percentage from 0 to 100."""
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )


class ClientOwned(JudgedInput, models.Model):
    """A KYC fact of one client; logged with the client id so history can find it."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def get_additional_data(self) -> dict[str, Any]:
        return {"client_id": self.client_id}


class Place(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic")
    OVERSEAS = "overseas", _("Overseas")


class Relationship(models.TextChoices):
    SELF = "self", _("The client")
    SPOUSE = "spouse", _("Spouse")
    EX_SPOUSE = "ex_spouse", _("Ex-spouse")
    CHILD = "child", _("Child")
    # The spouse's child of an earlier marriage; the client's own children of an earlier
    # marriage are children, linked to their other parent (kyc.kinship).
    STEPCHILD = "stepchild", _("Stepchild")
    PARENT = "parent", _("Parent")
    PARENT_IN_LAW = "parent_in_law", _("Parent-in-law")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    BUSINESS_PARTNER = "business_partner", _("Business partner")
    EMPLOYEE = "employee", _("Employee")
    FRIEND = "friend", _("Friend")
    OTHER = "other", _("Other")


# Generation relative to the client, for the family tree; None = stakeholder outside it.
GENERATION: dict[str, int | None] = {
    Relationship.GRANDPARENT: -2,
    Relationship.PARENT: -1,
    Relationship.PARENT_IN_LAW: -1,
    Relationship.SELF: 0,
    Relationship.SPOUSE: 0,
    Relationship.EX_SPOUSE: 0,
    Relationship.SIBLING: 0,
    Relationship.CHILD: 1,
    Relationship.STEPCHILD: 1,
    Relationship.GRANDCHILD: 2,
    Relationship.BUSINESS_PARTNER: None,
    Relationship.EMPLOYEE: None,
    Relationship.FRIEND: None,
    Relationship.OTHER: None,
}


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    # Married again after a divorce or the death of a spouse: the blended-family risks
    # (kms.detectors) look for children and former spouses of the earlier marriage.
    REMARRIED = "remarried", _("Remarried")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class Person(ClientOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="people")
    relationship = models.CharField(
        _("relationship to the client"), max_length=20, choices=Relationship.choices
    )
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, validators=[validate_birth_date]
    )
    age = models.PositiveSmallIntegerField(
        _("age"), null=True, blank=True, help_text=_("When the birth date is not known."),
        validators=[MaxValueValidator(130)],
    )  # fmt: skip
    is_deceased = models.BooleanField(_("deceased"), default=False)
    residence = models.CharField(
        _("residence"), max_length=10, choices=Place.choices, default=Place.DOMESTIC
    )
    nationality = models.CharField(
        _("nationality"), max_length=10, choices=Place.choices, default=Place.DOMESTIC
    )
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True
    )
    divorced_on = models.DateField(
        _("divorce date"), null=True, blank=True, help_text=_("For a former spouse.")
    )
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    annual_income = money(_("annual income (yuan)"), optional=True)
    health_notes = EncryptedTextField(_("health notes"), blank=True)
    cares_about = models.BooleanField(_("cares about"), default=False)
    worries_about = models.BooleanField(_("worries about"), default=False)
    must_provide_for = models.BooleanField(_("must provide for"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(relationship="self"),
                name="person_one_self_per_client",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def generation(self) -> int | None:
        return GENERATION.get(self.relationship)

    def age_in(self, year: int) -> int | None:
        """Age reached in the given calendar year, from the birth date or the age."""
        if self.birth_date:
            return year - self.birth_date.year
        if self.age is not None:
            return self.age + (year - self.updated_at.year if self.updated_at else 0)
        return None

    @property
    def current_age(self) -> int | None:
        return self.age_in(timezone.localdate().year)

    @property
    def birth_year(self) -> int | None:
        if self.birth_date:
            return self.birth_date.year
        current = self.current_age
        return None if current is None else timezone.localdate().year - current

    @property
    def birth_year_as_entered(self) -> int | None:
        """The birth year from the values as entered now: an age typed today means
        born this many years ago (birth_year ages a stored age since its last save)."""
        if self.birth_date:
            return self.birth_date.year
        return None if self.age is None else timezone.localdate().year - self.age

    def clean(self) -> None:
        """Rules of a person of the map, for every way a person comes in.

        1. A divorce date is not in the future, and only a former spouse has one (the
           birth date's range is its field's validator).
        2. The client is in their own map once.
        3. The person's generation agrees with the client's age: a child is not older
           than the client, a parent not younger.
        """
        errors: dict[str, Any] = {}
        if self.judged("divorced_on", "relationship") and self.divorced_on:
            # The divorce ended a marriage to someone recorded as a former spouse: the
            # client's (ex-spouse) or another person's, linked by "was married to" (other).
            if self.relationship not in {Relationship.EX_SPOUSE, Relationship.OTHER}:
                errors["divorced_on"] = _("Only a former spouse has a divorce date.")
            elif self.divorced_on > timezone.localdate():
                errors["divorced_on"] = _("A divorce date cannot be in the future.")
            elif (
                self.judged("birth_date") and self.birth_date and self.divorced_on < self.birth_date
            ):
                errors["divorced_on"] = _("A divorce date cannot be before the birth date.")
        if (
            self.judged("relationship")
            and self.relationship == Relationship.SELF
            and self.client_id
        ):
            others = Person.objects.filter(client_id=self.client_id, relationship=Relationship.SELF)
            if others.exclude(pk=self.pk).exists():
                errors["relationship"] = _("The client is already in the map.")
        if (
            self.judged("relationship")
            and self.relationship == Relationship.SPOUSE
            and self.client_id
        ):
            # One marriage at a time: an earlier spouse is a former spouse (离异).
            current = Person.objects.filter(
                client_id=self.client_id, relationship=Relationship.SPOUSE
            )
            spouse = current.exclude(pk=self.pk).first()
            if spouse is not None:
                errors["relationship"] = _(
                    "The client already has a spouse, %(name)s. Record an earlier spouse as a former spouse."
                ) % {"name": spouse.name}
        year = self.birth_year_as_entered
        generation = GENERATION.get(self.relationship)
        judged = self.judged("relationship", "birth_date", "age")
        if (
            judged
            and year is not None
            and generation
            and self.client_id
            and "birth_date" not in errors
        ):
            client_year = self._client_birth_year()
            field = "birth_date" if self.birth_date else "age"
            if client_year is not None and generation > 0 and year < client_year:
                errors[field] = _("A child cannot be older than their parent.")
            if client_year is not None and generation < 0 and year > client_year:
                errors[field] = _("A parent cannot be younger than their child.")
        if errors:
            raise ValidationError(errors)

    def _client_birth_year(self) -> int | None:
        """The client's birth year: from their own person in the map, else the profile."""
        own = (
            Person.objects.filter(client_id=self.client_id, relationship=Relationship.SELF)
            .exclude(pk=self.pk)
            .first()
        )
        if own is not None:
            return own.birth_year
        return self.client.birth_date.year if self.client.birth_date else None


class PersonLink(ClientOwned):
    """A relationship between two people of the map other than via the client.

    The relationship to the client already implies the client's own links (a child is
    the client's child); these rows add the rest, e.g. "the daughter is also the
    ex-wife's child" or "the grandson is the son's child".
    """

    class Kind(models.TextChoices):
        PARENT_OF = "parent_of", _("is a parent of")
        SPOUSE_OF = "spouse_of", _("is married to")
        EX_SPOUSE_OF = "ex_spouse_of", _("was married to")

    from_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="links_from", verbose_name=_("person")
    )
    kind = models.CharField(_("relationship"), max_length=20, choices=Kind.choices)
    to_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="links_to", verbose_name=_("other person")
    )

    class Meta:
        verbose_name = _("relationship between people")
        verbose_name_plural = _("relationships between people")
        constraints = [
            models.UniqueConstraint(
                fields=["from_person", "kind", "to_person"], name="person_link_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_person=models.F("to_person")), name="person_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_person} {self.get_kind_display()} {self.to_person}"

    @staticmethod
    def parent_problem(*, parent: Person, child_year: int | None) -> StrOrPromise | None:
        """Why `parent` cannot be the parent of someone born in `child_year`, or None."""
        parent_year = parent.birth_year
        if parent_year and child_year and parent_year >= child_year:
            return _("A child cannot be older than their parent.")
        return None

    def clean(self) -> None:
        if not self.judged("from_person", "to_person", "kind"):
            return
        if self.from_person_id is None or self.to_person_id is None:
            return
        if self.from_person_id == self.to_person_id:
            raise ValidationError({"to_person": _("A person cannot be related to themself.")})
        if self.kind == PersonLink.Kind.PARENT_OF:
            problem = PersonLink.parent_problem(
                parent=self.from_person, child_year=self.to_person.birth_year
            )
            if problem is not None:
                raise ValidationError({"to_person": problem})


class Enterprise(ClientOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="enterprises")
    name = models.CharField(_("company name"), max_length=150)
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enterprises",
    )
    share_percent = percent(_("shareholding (%)"))
    is_legal_representative = models.BooleanField(
        _("owner is the legal representative"), default=False
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name


class AssetCategory(models.TextChoices):
    DEPOSIT = "deposit", _("Bank deposit")
    MONEY_MARKET = "money_market", _("Money-market fund")
    BOND_FUND = "bond_fund", _("Bond fund")
    STOCKS = "stocks", _("Stocks")
    PRIVATE_FUND = "private_fund", _("Private fund")
    REAL_ESTATE = "real_estate", _("Real estate")
    EQUITY = "equity", _("Company equity")
    POLICY_CASH_VALUE = "policy_cash_value", _("Policy cash value")
    TRUST = "trust", _("Trust")
    GOLD_OTHER = "gold_other", _("Gold and other")


# Typical days to turn each category into cash, the default for new assets.
DEFAULT_LIQUIDITY_DAYS = {
    AssetCategory.DEPOSIT: 1,
    AssetCategory.MONEY_MARKET: 1,
    AssetCategory.BOND_FUND: 3,
    AssetCategory.STOCKS: 3,
    AssetCategory.PRIVATE_FUND: 180,
    AssetCategory.REAL_ESTATE: 180,
    AssetCategory.EQUITY: 365,
    AssetCategory.POLICY_CASH_VALUE: 30,
    AssetCategory.TRUST: 365,
    AssetCategory.GOLD_OTHER: 7,
}


class Holding(models.TextChoices):
    FAMILY = "family", _("Family")
    ENTERPRISE = "enterprise", _("Enterprise")


class MaritalProperty(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    MARITAL_COMMON = "marital_common", _("Marital common property")
    PRE_MARITAL = "pre_marital", _("Pre-marital property")


class Asset(ClientOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assets")
    category = models.CharField(_("category"), max_length=20, choices=AssetCategory.choices)
    description = models.CharField(_("description"), max_length=150, blank=True)
    value = money(_("value (yuan)"))
    owner_person = models.ForeignKey(
        Person,
        verbose_name=_("owned by (person)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
    )
    owner_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("owned by (enterprise)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
    )
    holding = models.CharField(
        _("enterprise or family"), max_length=20, choices=Holding.choices, default=Holding.FAMILY
    )
    marital = models.CharField(
        _("personal or marital"),
        max_length=20,
        choices=MaritalProperty.choices,
        default=MaritalProperty.MARITAL_COMMON,
    )
    location = models.CharField(
        _("domestic or overseas"), max_length=10, choices=Place.choices, default=Place.DOMESTIC
    )
    # Blank means the category's usual number (Asset.clean), whichever way the asset
    # comes in: a pre-filled 1 made company equity and property count as cash.
    liquidity_days = models.PositiveIntegerField(
        _("days to turn into cash"), blank=True, validators=[MaxValueValidator(36_500)]
    )
    account_details = EncryptedTextField(_("account details"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-value", "id"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_person__isnull=True) | Q(owner_enterprise__isnull=True),
                name="asset_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.description or self.get_category_display()

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Also for rows created without clean() (bulk loaders, tests' factories).
        self._usual_liquidity_fill()
        super().save(*args, **kwargs)

    def _usual_liquidity_fill(self) -> None:
        if self.liquidity_days is None and self.category in DEFAULT_LIQUIDITY_DAYS:
            # Left blank: the usual time to turn this kind of asset into cash.
            self.liquidity_days = DEFAULT_LIQUIDITY_DAYS[self.category]

    @property
    def owner_label(self) -> str:
        if self.owner_enterprise_id:
            return str(self.owner_enterprise)
        if self.owner_person_id:
            return str(self.owner_person)
        return ""

    def clean(self) -> None:
        if (
            self.judged("owner_person", "owner_enterprise")
            and self.owner_person_id
            and self.owner_enterprise_id
        ):
            raise ValidationError(
                {"owner_enterprise": _("Choose one owner: a person or an enterprise.")}
            )
        self._usual_liquidity_fill()


class LiabilityKind(models.TextChoices):
    MORTGAGE = "mortgage", _("Mortgage")
    BUSINESS_LOAN = "business_loan", _("Business loan")
    PERSONAL_LOAN = "personal_loan", _("Personal loan")
    GUARANTEE = "guarantee", _("Guarantee with joint liability")


class Liability(ClientOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="liabilities")
    kind = models.CharField(_("kind"), max_length=20, choices=LiabilityKind.choices)
    amount = money(_("amount (yuan)"))
    lender = models.CharField(_("lender"), max_length=100, blank=True)
    borrower_person = models.ForeignKey(
        Person,
        verbose_name=_("borrower (person)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="debts",
    )
    borrower_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("borrower (enterprise)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="debts",
    )
    guarantor = models.ForeignKey(
        Person,
        verbose_name=_("guarantor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guarantees",
    )
    joint_liability = models.BooleanField(_("joint and several liability"), default=False)
    secured_by = models.ForeignKey(
        Asset,
        verbose_name=_("secured by (pledged asset)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pledged_for",
        help_text=_(
            "The asset mortgaged or pledged for this debt, e.g. the family home for the company's bank loan."
        ),
    )
    annual_repayment = money(_("annual repayment (yuan)"), optional=True)
    due_year = models.PositiveSmallIntegerField(
        _("due year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2200)],
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-amount", "id"]
        verbose_name = _("liability")
        verbose_name_plural = _("liabilities")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.lender}".strip()

    @property
    def borrower_label(self) -> str:
        return str(self.borrower_enterprise or self.borrower_person or "")

    @property
    def is_guarantee(self) -> bool:
        """Contingent for the household: it pays only if the borrower does not.

        A guarantee entered as such, or someone else's loan (the company's, another
        person's) with a person of the map as guarantor, e.g. the company's 3000万
        loan entered as a business loan with the owner as joint guarantor. Either way
        of entering it gives the same totals, pictures and findings.
        """
        if self.kind == LiabilityKind.GUARANTEE:
            return True
        if self.guarantor_id is None:
            return False
        return self.borrower_enterprise_id is not None or (
            self.borrower_person_id is not None and self.borrower_person_id != self.guarantor_id
        )

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (
            self.judged("borrower_person", "borrower_enterprise")
            and self.borrower_person_id
            and self.borrower_enterprise_id
        ):
            errors["borrower_enterprise"] = _("Choose one borrower: a person or an enterprise.")
        guarantee = self.kind == LiabilityKind.GUARANTEE
        if self.judged("kind", "guarantor") and guarantee and not self.guarantor_id:
            errors["guarantor"] = _("A guarantee needs the guarantor.")
        if (
            self.judged("secured_by")
            and self.secured_by is not None
            and self.client_id
            and self.secured_by.client_id != self.client_id
        ):
            errors["secured_by"] = _("Choose one of this client's assets.")
        if errors:
            raise ValidationError(errors)


class IncomeKind(models.TextChoices):
    SALARY = "salary", _("Salary")
    BUSINESS = "business", _("Business income")
    INVESTMENT = "investment", _("Investment income")
    RENTAL = "rental", _("Rental income")
    PENSION = "pension", _("Pension or annuity")
    OTHER = "other", _("Other")


class IncomeSource(ClientOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="income_sources")
    person = models.ForeignKey(
        Person,
        verbose_name=_("earner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="income_sources",
    )
    kind = models.CharField(_("income type"), max_length=20, choices=IncomeKind.choices)
    annual_amount = money(_("per year (yuan)"))

    class Meta:
        ordering = ["-annual_amount", "id"]
        verbose_name = _("income source")
        verbose_name_plural = _("income sources")

    def __str__(self) -> str:
        return f"{self.person or ''} {self.get_kind_display()}".strip()


class Household(ClientOwned):
    """Household-wide facts, one row per client."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="household")
    annual_spending = money(_("annual household spending (yuan)"), optional=True)
    no_liabilities = models.BooleanField(
        _("confirmed: no liabilities or guarantees"), default=False
    )
    no_policies = models.BooleanField(_("confirmed: no existing policies"), default=False)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return str(self.client)


class AllocationPurpose(models.TextChoices):
    EDUCATION = "education", pgettext_lazy("allocation purpose", "Education")
    SUPPORT = "support", _("Support")
    INHERITANCE = "inheritance", _("Inheritance")
    PENSION = "pension", _("Pension")
    MEDICAL = "medical", _("Medical")
    MARRIAGE = "marriage", _("Marriage")
    OTHER = "other", _("Other")


class ReceivedAs(models.TextChoices):
    """How the recipient holds the money: whether it joins their marital property.

    Money paid plainly to a married recipient is their marital common property (Civil
    Code art. 1062). A gift designated for the recipient alone (art. 1063) and a policy
    benefit paid to the named beneficiary stay the recipient's personal property; money
    in a trust is the trust's until it pays out on the terms the client set.
    """

    DIRECT = "direct", _("Paid to the recipient")
    DESIGNATED_GIFT = "designated_gift", _("Designated gift: the recipient's personal property")
    POLICY_BENEFIT = "policy_benefit", _("Policy benefit: the beneficiary's personal property")
    TRUST = "trust", _("Through a trust for the recipient")


class Allocation(ClientOwned):
    """Who should receive what: a share of the wealth, an amount per year or a lump sum."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="allocations")
    person = models.ForeignKey(
        Person, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="allocations"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=AllocationPurpose.choices)
    share_percent = percent(_("share of wealth (%)"))
    annual_amount = money(_("amount per year (yuan)"), optional=True)
    lump_sum = money(_("lump sum (yuan)"), optional=True)
    start_year = models.PositiveSmallIntegerField(
        _("from year"),
        help_text=_("For a lump sum: the year it is paid, or expected if it waits on a condition."),
    )
    end_year = models.PositiveSmallIntegerField(_("until year"), null=True, blank=True)
    condition = models.CharField(
        _("condition"),
        max_length=200,
        blank=True,
        help_text=_("e.g. paid at graduation or at marriage"),
    )
    received_as = models.CharField(
        _("received as"), max_length=20, choices=ReceivedAs.choices, default=ReceivedAs.DIRECT
    )
    trust_name = models.CharField(
        _("trust"), max_length=100, blank=True, help_text=_("e.g. 中信信托·家族信托 1号")
    )
    source_asset = models.ForeignKey(
        Asset,
        verbose_name=_("paid from (asset)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allocations",
        help_text=_("Leave empty when it comes from the household's wealth as a whole."),
    )
    # Not ticked until the client says so: a pre-filled tick would state a wish the
    # client never expressed (as the pre-filled days to cash once stated a liquidity).
    keep_control = models.BooleanField(_("client keeps control"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["start_year", "id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_purpose_display()}"

    @property
    def is_lump_sum(self) -> bool:
        return self.lump_sum is not None

    @property
    def stays_personal(self) -> bool:
        """Kept out of the recipient's marital property (ReceivedAs)."""
        return self.received_as != ReceivedAs.DIRECT

    def paid_in(self, first: int, last: int) -> Decimal:
        """The amount paid in the years first to last, both included; 0 for a share."""
        if self.lump_sum is not None:
            return self.lump_sum if first <= self.start_year <= last else Decimal(0)
        if self.annual_amount is None:
            return Decimal(0)
        years = min(self.end_year or last, last) - max(self.start_year, first) + 1
        return self.annual_amount * max(years, 0)

    def clean(self) -> None:
        """Rules of an allocation, for every way one comes in.

        1. It gives a share of the wealth, an amount per year or a lump sum; not both a
           yearly amount and a lump sum.
        2. A lump sum is paid once: it has no until-year.
        3. The years are plausible and in order.
        4. Money through a trust names the trust; a trust is named only then.
        5. The asset it is paid from is one of the client's.
        """
        errors: dict[str, Any] = {}
        given = self.judged("share_percent", "annual_amount", "lump_sum")
        amounts = (self.share_percent, self.annual_amount, self.lump_sum)
        if given and all(amount is None for amount in amounts):
            errors["annual_amount"] = _(
                "Give a share of the wealth, an amount per year or a lump sum."
            )
        if given and self.annual_amount is not None and self.lump_sum is not None:
            errors["lump_sum"] = _("Give an amount per year or a lump sum, not both.")
        if self.judged("lump_sum", "end_year") and self.lump_sum is not None and self.end_year:
            errors["end_year"] = _("A lump sum is paid once: leave the until-year empty.")
        years = self.judged("start_year", "end_year")
        if years and self.start_year and self.end_year and self.end_year < self.start_year:
            errors.setdefault("end_year", _("The end year is before the start year."))
        for name in ("start_year", "end_year"):
            year = getattr(self, name)
            # Year 0 is a year typed, not an empty field.
            if self.judged(name) and year is not None and not 1900 <= year <= 2200:
                errors[name] = _("Enter a year such as 2030.")
        if self.judged("received_as", "trust_name"):
            through_trust = self.received_as == ReceivedAs.TRUST
            if through_trust and not self.trust_name.strip():
                errors["trust_name"] = _("Name the trust the money goes through.")
            if not through_trust and self.trust_name.strip():
                errors["trust_name"] = _("Name a trust only when the money goes through one.")
        if (
            self.judged("source_asset")
            and self.source_asset is not None
            and self.client_id
            and self.source_asset.client_id != self.client_id
        ):
            errors["source_asset"] = _("Choose one of this client's assets.")
        if errors:
            raise ValidationError(errors)


class ProductType(models.TextChoices):
    WHOLE_LIFE = "whole_life", _("Whole life")
    TERM_LIFE = "term_life", _("Term life")
    CRITICAL_ILLNESS = "critical_illness", _("Critical illness")
    MEDICAL = "medical", _("Medical")
    ACCIDENT = "accident", _("Accident")
    ANNUITY = "annuity", _("Annuity")
    INCREASING_WHOLE_LIFE = "increasing_whole_life", _("Increasing whole life")
    PARTICIPATING = "participating", _("Participating")


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    LAPSED = "lapsed", _("Lapsed")
    PAID_UP = "paid_up", _("Paid up")


# "In force" has one meaning: the cover still runs. A paid-up policy (减额缴清) keeps a
# reduced cover without further premiums, so it is in force; a lapsed one is not.
# Detectors, legal validation and scoring all count policies through this set.
IN_FORCE_STATUSES = frozenset({PolicyStatus.IN_FORCE, PolicyStatus.PAID_UP})


class ExistingPolicyQuerySet(models.QuerySet["ExistingPolicy"]):
    def in_force(self) -> ExistingPolicyQuerySet:
        return self.filter(status__in=IN_FORCE_STATUSES)

    def premium_due(self) -> ExistingPolicyQuerySet:
        """In force with premiums still to pay: the annual premium the household pays."""
        return self.filter(status=PolicyStatus.IN_FORCE, years_paid__lt=models.F("years_total"))


class ExistingPolicy(ClientOwned):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="existing_policies")
    insurer = models.CharField(_("insurer"), max_length=100)
    product_name = models.CharField(_("product"), max_length=150, blank=True)
    product_type = models.CharField(_("product type"), max_length=30, choices=ProductType.choices)
    policyholder = models.ForeignKey(
        Person,
        verbose_name=_("policyholder"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="policies_held",
    )
    insured = models.ForeignKey(
        Person,
        verbose_name=_("insured"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="policies_insured",
    )
    sum_assured = money(_("sum assured (yuan)"))
    annual_premium = money(_("annual premium (yuan)"))
    years_paid = models.PositiveSmallIntegerField(_("years paid"), default=0)
    years_total = models.PositiveSmallIntegerField(
        _("payment years"), default=1, validators=[MinValueValidator(1)]
    )
    start_date = models.DateField(
        _("start date"), null=True, blank=True, validators=[validate_calendar_date]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.IN_FORCE
    )

    objects = ExistingPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = _("existing policy")
        verbose_name_plural = _("existing policies")

    def __str__(self) -> str:
        return f"{self.insurer} {self.product_name}".strip()

    @property
    def is_in_force(self) -> bool:
        return self.status in IN_FORCE_STATUSES

    @property
    def is_premium_due(self) -> bool:
        return self.status == PolicyStatus.IN_FORCE and self.years_paid < self.years_total

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (
            self.judged("years_paid", "years_total")
            and self.years_paid is not None
            and self.years_total is not None
            and self.years_paid > self.years_total
        ):
            errors["years_paid"] = _("More years paid than payment years.")
        start = self.start_date if self.judged("start_date") else None
        if start and start > timezone.localdate() + dt.timedelta(days=366):
            errors["start_date"] = _("The start date is too far in the future.")
        if errors:
            raise ValidationError(errors)


class BeneficiaryBase(JudgedInput, models.Model):
    """A beneficiary: a person of the map, or the legal heirs, with an order and a share.

    Existing policies and proposal items both name beneficiaries this way.
    """

    person: models.ForeignKey[Person | None, Person | None]
    legal_heirs = models.BooleanField(_("legal heirs"), default=False)
    order = models.PositiveSmallIntegerField(
        _("order"), default=1, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    share_percent = percent(_("share (%)"))

    class Meta:
        abstract = True
        ordering = ["order", "id"]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(legal_heirs=False))
                | (Q(person__isnull=True) & Q(legal_heirs=True)),
                name="%(app_label)s_%(class)s_person_or_legal_heirs",
            )
        ]

    def __str__(self) -> str:
        return str(self.person) if self.person_id else str(_("Legal heirs"))  # type: ignore[attr-defined]

    def clean(self) -> None:
        # The database says the same (the check constraint); this says it next to the field.
        if not self.judged("person", "legal_heirs"):
            return
        if self.person_id and self.legal_heirs:  # type: ignore[attr-defined]
            raise ValidationError(
                {"legal_heirs": _("Choose a person or the legal heirs, not both.")}
            )
        if not self.person_id and not self.legal_heirs:  # type: ignore[attr-defined]
            raise ValidationError({"person": _("Choose a person or the legal heirs.")})


class PolicyBeneficiary(ClientOwned, BeneficiaryBase):
    """A beneficiary of an existing policy."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(
        ExistingPolicy, on_delete=models.CASCADE, related_name="beneficiaries"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("beneficiary"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="benefits",
    )

    class Meta(BeneficiaryBase.Meta):
        pass


class ConsentScope(models.TextChoices):
    HEALTH = "health", _("Health information")
    FINANCIAL = "financial", _("Financial account details")
    BOTH = "both", _("Health and financial information")


class SensitiveConsent(ClientOwned):
    """The client's separate consent to process sensitive personal information (PIPL art. 29)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    given_on = models.DateField(_("consent date"), validators=[validate_calendar_date])
    scope = models.CharField(_("scope"), max_length=20, choices=ConsentScope.choices)
    recorded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    notes = models.CharField(_("how it was given"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # On withdrawal the data the consent covered is deleted (PIPL art. 47), unless a
    # law or regulation requires keeping it: then that law is named here.
    kept_under = models.CharField(
        _("data kept under (law or regulation)"), max_length=200, blank=True
    )

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent for sensitive information")
        verbose_name_plural = _("consents for sensitive information")

    def __str__(self) -> str:
        return f"{self.get_scope_display()} · {self.given_on}"

    def covers(self, scope: str) -> bool:
        return self.withdrawn_at is None and self.scope in {scope, ConsentScope.BOTH}

    def scopes(self) -> list[str]:
        """The kinds of data this consent is about: both means health and financial."""
        if self.scope == ConsentScope.BOTH:
            return [ConsentScope.HEALTH, ConsentScope.FINANCIAL]
        return [self.scope]

    def clean(self) -> None:
        if self.judged("given_on") and self.given_on and self.given_on > timezone.localdate():
            raise ValidationError({"given_on": _("The consent date cannot be in the future.")})


class ErasureReason(models.TextChoices):
    # A list, not free text: a typed reason invited the client's name (issue 13).
    REQUEST = "request", _("the client's request to delete (PIPL art. 47)")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("the client withdrew consent")
    PURPOSE_ENDED = "purpose_ended", _("the purpose was achieved or the retention period ended")
    CREATED_IN_ERROR = "created_in_error", _("a record created in error or for testing")
    OTHER = "other", _("other")


class ClientErasure(models.Model):
    """That a client was erased on request: who, when, why; no personal data.

    The reference is what the user files with the client's written request; the
    record holds nothing that names the client.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    client_pk = models.BigIntegerField()
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    erased_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=20, choices=ErasureReason.choices)
    rows_deleted = models.PositiveIntegerField(default=0)
    mentions_redacted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return self.reference
