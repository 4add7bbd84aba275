from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advisor_crm.rules import JudgedInput
from clients import crypto
from clients.reference import INDUSTRY_CHOICES, OCCUPATION_CLASSES
from clients.validators import (
    id_number_birth_date,
    id_number_is_male,
    normalize_id_number,
    normalize_mobile,
    validate_birth_date,
    validate_id_number,
    validate_mobile,
)

if TYPE_CHECKING:
    from advisor_crm.accounts.models import User


class ClientType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    FAMILY = "family", _("Family")
    ENTERPRISE = "enterprise", _("Enterprise")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    SECONDARY = "secondary", _("Secondary school or below")
    COLLEGE = "college", _("College diploma")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class WealthStratum(models.TextChoices):
    MASS = "mass", _("Mass market")
    MASS_AFFLUENT = "mass_affluent", _("Mass affluent")
    HIGH_NET_WORTH = "hnw", _("High net worth")
    ULTRA_HIGH_NET_WORTH = "uhnw", _("Ultra high net worth")


class CreditStatus(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor (defaults on record)")
    UNKNOWN = "unknown", _("Unknown")


class CvmStage(models.TextChoices):
    ACQUIRE = "acquire", _("Acquire")
    RETAIN = "retain", _("Retain")
    DEVELOP = "develop", _("Develop")


class Source(models.TextChoices):
    REFERRAL = "referral", _("Referral by a client")
    OWN_NETWORK = "own_network", _("Own network")
    EVENT = "event", _("Event or seminar")
    ONLINE = "online", _("Online")
    COMPANY = "company", _("Assigned by the company")
    OTHER = "other", _("Other")


class ClientQuerySet(models.QuerySet["Client"]):
    def visible_to(self, user: User) -> ClientQuerySet:
        """The one place that decides which clients a user may see.

        A user sees the clients of the users they oversee, as accounts decides:
        admins every client, team leads the clients of the members of the teams they
        lead (and their own), advisors only their own. Every view, export and task goes
        through this method.
        """
        from advisor_crm.accounts.selectors import overseen_by_condition

        return self.filter(overseen_by_condition(user=user, field="owner"))

    def active(self) -> ClientQuerySet:
        return self.filter(archived_at__isnull=True)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


def age_on(birth_date: dt.date, as_of: dt.date) -> int:
    """Completed years on `as_of`: one fewer until the birthday of that year."""
    had_birthday = (as_of.month, as_of.day) >= (birth_date.month, birth_date.day)
    return as_of.year - birth_date.year - (0 if had_birthday else 1)


class Client(JudgedInput, models.Model):
    client_type = models.CharField(
        _("client type"), max_length=20, choices=ClientType.choices, default=ClientType.INDIVIDUAL
    )
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(
        _("birth date"), null=True, blank=True, validators=[validate_birth_date]
    )
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_mobile]
    )
    # The ID number is never stored in clear: the ciphertext is decrypted only to
    # reveal it on request, and the blind index serves exact search.
    id_number_encrypted = models.TextField(_("ID number"), blank=True, editable=False)
    id_number_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    industry = models.CharField(_("industry"), max_length=30, choices=INDUSTRY_CHOICES, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    occupation_class = models.PositiveSmallIntegerField(
        _("occupation class"),
        choices=OCCUPATION_CLASSES,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    annual_income = models.DecimalField(
        _("annual income (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    wealth_stratum = models.CharField(
        _("wealth stratum"), max_length=20, choices=WealthStratum.choices, blank=True
    )
    credit_status = models.CharField(
        _("credit status"),
        max_length=20,
        choices=CreditStatus.choices,
        default=CreditStatus.UNKNOWN,
    )
    cvm_stage = models.CharField(
        _("CVM stage"), max_length=20, choices=CvmStage.choices, default=CvmStage.ACQUIRE
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="clients")
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        "accounts.User",
        verbose_name=_("advisor"),
        on_delete=models.PROTECT,
        related_name="clients",
    )
    # After-sale and screening facts (seed 003) that scoring uses.
    late_payments = models.PositiveSmallIntegerField(_("late premium payments"), default=0)
    health_flag = models.BooleanField(_("health concern"), default=False)
    moral_hazard_flag = models.BooleanField(_("moral-hazard concern"), default=False)
    # Kept up to date by the KYC services so that scoring can use it in SQL.
    kyc_completeness = models.PositiveSmallIntegerField(
        _("KYC completeness (%)"), default=0, editable=False
    )
    last_contact_at = models.DateField(_("last contact"), null=True, blank=True)
    next_action = models.CharField(_("next action"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        # The list pages sort by these keys with the id as tie-breaker; the indexes
        # make every keyset page an index range scan, scoped or not.
        indexes = [
            models.Index(fields=["owner", "-updated_at", "-id"], name="client_owner_updated"),
            models.Index(fields=["owner", "name", "id"], name="client_owner_name"),
            models.Index(fields=["owner", "-created_at", "-id"], name="client_owner_created"),
            models.Index(fields=["-updated_at", "-id"], name="client_updated"),
            models.Index(fields=["name", "id"], name="client_name"),
            models.Index(fields=["-created_at", "-id"], name="client_created"),
            models.Index(fields=["phone"], name="client_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occupation_class__isnull=True)
                | Q(occupation_class__gte=1, occupation_class__lte=6),
                name="client_occupation_class_1_to_6",
            ),
            models.CheckConstraint(
                condition=Q(annual_income__isnull=True) | Q(annual_income__gte=0),
                name="client_annual_income_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # Once stored, the number is the stored one: later edits check against it.
        self._id_number_given = ""

    def get_additional_data(self) -> dict[str, int]:
        # Audit entries carry the client id so that the history tab is one query.
        return {"client_id": self.pk}

    @property
    def has_id_number(self) -> bool:
        return bool(self.id_number_encrypted)

    def get_id_number(self) -> str:
        """Decrypt the ID number; callers record the access when they show it."""
        return crypto.decrypt(self.id_number_encrypted) if self.id_number_encrypted else ""

    def set_id_number(self, value: str) -> None:
        # One spelling (no spaces, capital X), whoever passes the number: the blind
        # index serves exact search only if every way in stores the same string.
        value = normalize_id_number(value)
        if value:
            self.id_number_encrypted = crypto.encrypt(value)
            self.id_number_index = crypto.blind_index(value)
        else:
            self.id_number_encrypted = ""
            self.id_number_index = ""
        # A number given now (not the stored one) is validated by clean(), and fills
        # in the birth date and gender it carries when those are empty.
        self._id_number_given = value

    def clean(self) -> None:
        """The profile agrees with the ID number, whichever way the client came in.

        1. A number given now must be a valid resident ID number (check digit, date).
        2. An enterprise has none.
        3. The birth date and gender the number carries fill the empty ones (when the
           number is given now) or must equal those recorded.
        Errors name the form field the user can fix: the number when it was given
        now, otherwise the profile field that disagrees with the stored number.
        """
        if self.phone:
            self.phone = normalize_mobile(self.phone)
        given: str = getattr(self, "_id_number_given", "")
        if given:
            try:
                validate_id_number(given)
            except ValidationError as error:
                raise ValidationError({"id_number": error.error_list}) from error
        number = given or (self.get_id_number() if self.id_number_encrypted else "")
        if not number:
            return
        if self.client_type == ClientType.ENTERPRISE and self.judged("client_type"):
            raise ValidationError(
                {
                    "id_number" if given else "client_type": _(
                        "An enterprise has no resident ID number; record its representative as a person."
                    )
                }
            )
        errors: dict[str, object] = {}
        birth_from_id = id_number_birth_date(number)
        if self.judged("birth_date"):
            if self.birth_date is None and given:
                self.birth_date = birth_from_id
            elif self.birth_date is not None and self.birth_date != birth_from_id:
                errors["birth_date"] = _(
                    "The ID number gives the birth date %(date)s, which differs from this one."
                ) % {"date": birth_from_id}
        gender_from_id = Gender.MALE if id_number_is_male(number) else Gender.FEMALE
        if self.judged("gender"):
            if not self.gender and given:
                self.gender = gender_from_id
            elif self.gender and self.gender != gender_from_id:
                errors["gender"] = _(
                    "The ID number belongs to a %(gender)s; please check the gender."
                ) % {"gender": gender_from_id.label}
        if errors:
            raise ValidationError(errors)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask(self.get_id_number()) if self.id_number_encrypted else ""

    @property
    def age(self) -> int | None:
        return None if self.birth_date is None else age_on(self.birth_date, timezone.localdate())

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class SensitiveAccess(models.Model):
    """An audit record each time a user reveals a protected field (PIPL)."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("ID number")
        EXPORT = "export", _("Full data export")
        PLAN = "plan", _("Plan document download")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sensitive_accesses")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("what was revealed"), max_length=30, choices=Field.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sensitive field access")
        verbose_name_plural = _("sensitive field accesses")

    def __str__(self) -> str:
        return f"{self.user} → {self.client} ({self.field}, {self.created_at:%Y-%m-%d %H:%M})"


class ClientMerge(models.Model):
    """A duplicate client merged into another: who merged it, when, and what moved.

    The merged client's row is gone after the merge; this record (and the history
    entry auditlog writes for it, under the surviving client) is what remains of it.
    """

    survivor = models.ForeignKey(
        Client, verbose_name=_("merged into"), on_delete=models.CASCADE, related_name="merges"
    )
    merged_client_number = models.PositiveIntegerField(_("number of the merged client"))
    merged_name = models.CharField(_("merged client"), max_length=100)
    merged_by = models.ForeignKey(
        "accounts.User", verbose_name=_("merged by"), on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now, editable=False)
    moved = models.JSONField(_("records moved"), default=dict)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")

    def __str__(self) -> str:
        return f"{self.merged_name} (#{self.merged_client_number}) → {self.survivor}"

    def get_additional_data(self) -> dict[str, int]:
        return {"client_id": self.survivor_id}
