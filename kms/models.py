"""The judgement on a client: KMS cases with their findings, map and proposal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from kyc.models import BeneficiaryBase, Person, ProductType, money


class Parameter(models.Model):
    """An administrator's override of a threshold or cap (defaults in kms.parameters)."""

    key = models.CharField(max_length=50, primary_key=True)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class RiskCategory(models.TextChoices):
    OWNERSHIP_CHANGE = "ownership_change", _("Ownership change")
    LIQUIDITY = "liquidity", _("Liquidity")
    LOSS = "loss", _("Loss")
    INVESTMENT = "investment", _("Investment")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class Step(models.TextChoices):
    KNOW = "know", _("Know")
    MAP = "map", _("Map")
    SUGGEST = "suggest", _("Suggest")
    REVIEW = "review", pgettext_lazy("wizard step", "Review")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    PRESENTED = "presented", _("Presented")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Motive(models.TextChoices):
    INHERITANCE = "inheritance", _("Inheritance")
    PENSION = "pension", _("Pension")
    EDUCATION = "education", pgettext_lazy("allocation purpose", "Education")
    ASSET_PROTECTION = "asset_protection", _("Asset protection")
    TAX = "tax", _("Tax")
    HEALTH = "health", _("Health")
    INCOME_SECURITY = "income_security", _("Income security")


class KmsCase(models.Model):
    """One run of Know → Map → Suggest for a client; a client has several over the years."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="kms_cases")
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(_("title"), max_length=100, blank=True)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, default=Step.KNOW)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    # The client's motives, most important first (Motive values).
    motives = models.JSONField(_("motives"), default=list, blank=True)
    # Calculator inputs the advisor overrode, by calculator and input name.
    needs_overrides = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("KMS case")
        verbose_name_plural = _("KMS cases")
        constraints = [
            models.UniqueConstraint(fields=["client", "version"], name="kms_case_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.client} · KMS v{self.version}"

    @property
    def is_read_only(self) -> bool:
        return self.status != CaseStatus.DRAFT

    def get_additional_data(self) -> dict[str, Any]:
        return {"client_id": self.client_id}


class FindingStatus(models.TextChoices):
    OPEN = "open", _("To review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class Finding(models.Model):
    case = models.ForeignKey(KmsCase, on_delete=models.CASCADE, related_name="findings")
    detector = models.CharField(
        max_length=50, blank=True, help_text="empty for findings the advisor added"
    )
    category = models.CharField(_("risk category"), max_length=20, choices=RiskCategory.choices)
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    title = models.CharField(_("finding"), max_length=200)
    facts = models.JSONField(_("facts"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    dismiss_reason = models.CharField(_("reason for dismissing"), max_length=200, blank=True)
    # Set when the advisor consciously leaves a confirmed risk without a proposal item.
    left_open_reason = models.CharField(_("left open because"), max_length=200, blank=True)

    class Meta:
        ordering = ["-severity", "category", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "detector"],
                condition=~Q(detector=""),
                name="finding_one_per_detector",
            )
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        """The detector's translated name, or the advisor's own title."""
        from kms.detectors import REGISTRY

        registered = REGISTRY.get(self.detector)
        return str(registered.label) if registered else self.title

    def fact_texts(self) -> list[str]:
        """The cited facts in the active language, amounts written as advisors write them."""
        texts = []
        for cited in self.facts:
            args = {key: _fact_arg(key, value) for key, value in cited.get("args", {}).items()}
            texts.append(gettext(cited["msg"]) % args if args else gettext(cited["msg"]))
        return texts


def _fact_arg(key: str, value: Any) -> Any:
    """Arguments named *amount are yuan; *label are message ids to translate."""
    from clients.money import format_yuan

    if key.endswith("amount"):
        return format_yuan(Decimal(value))
    if key.endswith("label"):
        return gettext(value)
    return value


class SolutionKind(models.TextChoices):
    SAVINGS = "savings", _("Savings")
    PROPERTY = "property", _("Property")
    EXISTING_POLICY = "existing_policy", _("Existing policy")
    TRUST = "trust", _("Trust")
    COMPANY = "company", _("Company")
    NONE = "none", _("None")
    OTHER = "other", _("Other")


class Weakness(models.TextChoices):
    ILLIQUID = "illiquid", _("Illiquid")
    REACHABLE_BY_CREDITORS = "creditors", _("Reachable by creditors")
    NO_LOCKED_INCOME = "no_locked_income", _("No locked long-term income")
    COVER_TOO_SMALL = "cover_too_small", _("Cover too small")
    CONTROL_LOST = "control_lost", _("Control lost")
    DIVISIBLE_IN_DIVORCE = "divisible", _("Divisible in divorce")
    TAXABLE = "taxable", _("Taxable")
    OTHER = "other", _("Other")


class CurrentSolution(models.Model):
    """Map: how the client deals with a confirmed risk today, and why it falls short."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="solution")
    kind = models.CharField(_("current solution"), max_length=20, choices=SolutionKind.choices)
    weaknesses = models.JSONField(_("weaknesses"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("current solution")
        verbose_name_plural = _("current solutions")

    def __str__(self) -> str:
        return self.get_kind_display()

    def weakness_labels(self) -> list[str]:
        labels = dict(Weakness.choices)
        return [str(labels.get(w, w)) for w in self.weaknesses]


class TrustMode(models.TextChoices):
    NONE = "none", _("No insurance trust")
    BENEFICIARY = "beneficiary", _("Trust as beneficiary")
    POLICYHOLDER = "policyholder", _("Trust as policyholder")


DEATH_COVER_TYPES = {
    ProductType.WHOLE_LIFE,
    ProductType.TERM_LIFE,
    ProductType.INCREASING_WHOLE_LIFE,
    ProductType.PARTICIPATING,
    ProductType.ANNUITY,
}


class ProposalItem(models.Model):
    """Suggest: one proposed policy and its structure.

    Its people are RESTRICT, not PROTECT: a person named in a proposal cannot be
    deleted alone, but erasing the whole client deletes the proposals in the same
    cascade (PROTECT would refuse even then, and block the erasure).
    """

    case = models.ForeignKey(KmsCase, on_delete=models.CASCADE, related_name="items")
    product_type = models.CharField(_("product type"), max_length=30, choices=ProductType.choices)
    insurer = models.CharField(_("insurer"), max_length=100, blank=True)
    product_name = models.CharField(_("product"), max_length=150, blank=True)
    policyholder = models.ForeignKey(
        Person, verbose_name=_("policyholder"), on_delete=models.RESTRICT, related_name="+"
    )
    insured = models.ForeignKey(
        Person, verbose_name=_("insured"), on_delete=models.RESTRICT, related_name="+"
    )
    second_policyholder = models.ForeignKey(
        Person,
        verbose_name=_("second policyholder"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )
    trust_mode = models.CharField(
        _("insurance trust"), max_length=20, choices=TrustMode.choices, default=TrustMode.NONE
    )
    trustee_name = models.CharField(_("trustee"), max_length=100, blank=True)
    sum_assured = money(_("sum assured (yuan)"))
    annual_premium = money(_("annual premium (yuan)"))
    payment_years = models.PositiveSmallIntegerField(
        _("payment years"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    coverage_years = models.PositiveSmallIntegerField(
        _("coverage term (years)"),
        null=True,
        blank=True,
        help_text=_("Leave empty for whole life."),
    )
    insured_consent = models.BooleanField(
        _("the insured's written consent to the policy and sum assured is recorded"), default=False
    )
    death_benefit = money(_("death benefit (yuan)"), optional=True)
    answers = models.ManyToManyField(
        Finding, verbose_name=_("risks it answers"), blank=True, related_name="answered_by"
    )
    accepted_warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("proposal item")
        verbose_name_plural = _("proposal items")

    def __str__(self) -> str:
        return f"{self.get_product_type_display()} · {self.insured}"

    @property
    def in_use_label(self) -> str:
        """How a KYC deletion that this item prevents names it (kyc.services)."""
        return f"{self.case} · {self.product_name or self.get_product_type_display()}"

    @property
    def has_death_cover(self) -> bool:
        return self.product_type in DEATH_COVER_TYPES

    @property
    def death_cover(self) -> Decimal:
        """Death benefit for the caps: the explicit figure, else the sum assured."""
        if not self.has_death_cover:
            return Decimal(0)
        return self.death_benefit if self.death_benefit is not None else self.sum_assured


class ProposalBeneficiary(BeneficiaryBase):
    item = models.ForeignKey(ProposalItem, on_delete=models.CASCADE, related_name="beneficiaries")
    person = models.ForeignKey(
        Person,
        verbose_name=_("beneficiary"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(BeneficiaryBase.Meta):
        pass

    @property
    def in_use_label(self) -> str:
        return self.item.in_use_label


def plan_storage() -> Storage:
    """The private plan store, looked up on each use.

    A FileField resolves a callable storage once, when the model class is built; the
    services go through this instead, so the STORAGES setting in force (a deployment's,
    or a test's temporary directory) is the one used.
    """
    return storages["plans"]


def plan_file_name(document: PlanDocument, _filename: str = "") -> str:
    """The one path a document renders to, so a repeated render overwrites, never adds."""
    return f"{document.client_id}/plan-{document.pk}.pdf"


# A plan still queued or rendering after this long has lost its job; it may be retried.
PLAN_STALE_AFTER = dt.timedelta(minutes=10)


class PlanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class PlanDocument(models.Model):
    """One numbered plan PDF (方案建议书) of a case, rendered by a Celery job.

    The number counts the plans of the client, so the client's copies read 第1版,
    第2版 ... whichever case they came from. Only a ready document has a file.
    """

    case = models.ForeignKey(KmsCase, on_delete=models.CASCADE, related_name="plans")
    # Denormalised from the case: the numbering and the access check go by client.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        "accounts.User", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    render_ms = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    byte_size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    file = models.FileField(storage=plan_storage, upload_to=plan_file_name, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("plan document")
        verbose_name_plural = _("plan documents")
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="plan_number_unique"),
            models.CheckConstraint(
                condition=~Q(status="ready") | ~Q(file=""), name="plan_ready_has_file"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Plan v%(number)s of %(client)s") % {
            "number": self.number,
            "client": self.client,
        }

    @property
    def in_progress(self) -> bool:
        return self.status in (PlanStatus.QUEUED, PlanStatus.RENDERING)

    @property
    def is_ready(self) -> bool:
        return self.status == PlanStatus.READY

    @staticmethod
    def retryable_q() -> Q:
        """Failed, or queued so long ago that its job was surely lost (a flushed broker)."""
        stale = Q(status__in=[PlanStatus.QUEUED, PlanStatus.RENDERING]) & Q(
            requested_at__lt=timezone.now() - PLAN_STALE_AFTER
        )
        return Q(status=PlanStatus.FAILED) | stale

    @property
    def retryable(self) -> bool:
        # The same test as retryable_q(), on this instance, for the row's retry button.
        if self.status == PlanStatus.FAILED:
            return True
        return self.in_progress and self.requested_at < timezone.now() - PLAN_STALE_AFTER
