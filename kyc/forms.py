"""Forms for the KYC facts. Each form only offers people and companies of its client."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from advisor_crm.rules import RulesModelForm
from advisor_crm.saving import form_save
from advisor_crm.versioning import VersionedForm
from clients.models import Client
from clients.money import YuanField, format_short
from kyc import selectors as kyc_selectors
from kyc.beneficiaries import beneficiaries_shown, beneficiaries_version, shares_by_order
from kyc.erasure import Mention
from kyc.models import (
    Allocation,
    Asset,
    ConsentScope,
    Enterprise,
    ErasureReason,
    ExistingPolicy,
    Household,
    IncomeSource,
    Liability,
    Person,
    PersonLink,
    PolicyBeneficiary,
    Relationship,
    SensitiveConsent,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOTES = forms.Textarea(attrs={"rows": 2})
CONSENT_NEEDED = _(
    "Read-only until the client's separate consent to process this sensitive information is recorded (PIPL art. 29)."
)


def people_names(client: Client) -> dict[int, str]:
    """The names of the people of a client's map, by id."""
    return dict(Person.objects.filter(client=client).values_list("pk", "name"))


class KycForm(VersionedForm, RulesModelForm):
    """Base: knows its client, scopes person/enterprise choices, money fields in yuan.

    An edit carries the version of the row it shows (advisor_crm.versioning).
    """

    money_fields: tuple[str, ...] = ()
    person_fields: tuple[str, ...] = ()
    enterprise_fields: tuple[str, ...] = ()
    asset_fields: tuple[str, ...] = ()
    # (field name, consent scope) pairs that need the client's separate consent.
    sensitive_fields: tuple[tuple[str, str], ...] = ()

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.instance.client = client
        people = Person.objects.filter(client=client).order_by("created_at", "id")
        for name in self.person_fields:
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people
        enterprises = Enterprise.objects.filter(client=client)
        for name in self.enterprise_fields:
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = enterprises
        assets = Asset.objects.filter(client=client)
        for name in self.asset_fields:
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = assets
        for name in self.money_fields:
            model_field = self._meta.model._meta.get_field(name)
            assert isinstance(model_field, models.DecimalField)
            self.fields[name] = YuanField(
                label=model_field.verbose_name,
                required=not model_field.blank,
                initial=self.fields[name].initial,
            )
        for name, scope in self.sensitive_fields:
            if not kyc_selectors.consent_covers(client=client, scope=scope):
                self.fields[name].disabled = True
                self.fields[name].help_text = CONSENT_NEEDED


class PersonForm(KycForm):
    money_fields = ("annual_income",)
    sensitive_fields = (("health_notes", ConsentScope.HEALTH),)

    parent_in_map = forms.ModelChoiceField(
        label=_("parent in the family tree"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_(
            "For a child: the other parent (e.g. an ex-spouse). For a grandchild: which child is the parent."
        ),
    )

    class Meta:
        model = Person
        fields = [
            "relationship", "name", "gender", "birth_date", "age", "is_deceased",
            "residence", "nationality", "marital_status", "divorced_on", "occupation",
            "annual_income", "cares_about", "worries_about", "must_provide_for", "health_notes",
            "notes",
        ]  # fmt: skip
        # parent_in_map is saved as a PersonLink by kyc_services.person_save.
        widgets = {
            "birth_date": DATE, "divorced_on": DATE, "notes": NOTES, "health_notes": NOTES,
        }  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_field = self.fields["parent_in_map"]
        assert isinstance(parent_field, forms.ModelChoiceField)
        candidates = Person.objects.filter(client=self.client).exclude(
            relationship=Relationship.SELF
        )
        if self.instance.pk:
            candidates = candidates.exclude(pk=self.instance.pk)
            current = (
                PersonLink.objects.filter(to_person=self.instance, kind=PersonLink.Kind.PARENT_OF)
                .exclude(from_person__relationship=Relationship.SELF)
                .first()
            )
            if current:
                self.initial.setdefault("parent_in_map", current.from_person_id)
        parent_field.queryset = candidates

    def _post_clean(self) -> None:
        super()._post_clean()
        # The parent chosen here becomes a PersonLink (kyc_services.person_save); its
        # rule is PersonLink's, judged on the person as entered.
        parent = self.cleaned_data.get("parent_in_map")
        if parent is not None and not {"parent_in_map", "birth_date", "age"} & set(self.errors):
            problem = PersonLink.parent_problem(
                parent=parent, child_year=self.instance.birth_year_as_entered
            )
            if problem is not None:
                self.add_error("parent_in_map", problem)


class PersonLinkForm(KycForm):
    person_fields = ("from_person", "to_person")

    class Meta:
        model = PersonLink
        fields = ["from_person", "kind", "to_person"]


class EnterpriseForm(KycForm):
    person_fields = ("owner",)

    class Meta:
        model = Enterprise
        fields = ["name", "owner", "share_percent", "is_legal_representative", "notes"]
        widgets = {"notes": NOTES}


class AssetForm(KycForm):
    money_fields = ("value",)
    person_fields = ("owner_person",)
    enterprise_fields = ("owner_enterprise",)
    sensitive_fields = (("account_details", ConsentScope.FINANCIAL),)

    class Meta:
        model = Asset
        fields = [
            "category", "description", "value", "owner_person", "owner_enterprise", "holding",
            "marital", "location", "liquidity_days", "account_details", "notes",
        ]  # fmt: skip
        widgets = {"notes": NOTES, "account_details": forms.TextInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["liquidity_days"].help_text = _(
            "Leave empty for the usual value of the category."
        )


class LiabilityForm(KycForm):
    money_fields = ("amount", "annual_repayment")
    person_fields = ("borrower_person", "guarantor")
    enterprise_fields = ("borrower_enterprise",)
    asset_fields = ("secured_by",)

    class Meta:
        model = Liability
        fields = [
            "kind", "amount", "lender", "borrower_person", "borrower_enterprise", "guarantor",
            "joint_liability", "secured_by", "annual_repayment", "due_year", "notes",
        ]  # fmt: skip
        widgets = {"notes": NOTES}
        # The mixing of company and family money (kms.detectors) is read from the names.
        help_texts = {
            "lender": _(
                "A bank, or the name of a person or company of this map when the loan is "
                "between the family and its company."
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pledged = self.fields["secured_by"]
        assert isinstance(pledged, forms.ModelChoiceField)
        # Whose asset it is decides whether a pledge mixes family and company: show it.
        pledged.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj} · {format_short(obj.value)} · {obj.get_holding_display()}"
        )


class IncomeSourceForm(KycForm):
    money_fields = ("annual_amount",)
    person_fields = ("person",)

    class Meta:
        model = IncomeSource
        fields = ["person", "kind", "annual_amount"]


class HouseholdForm(KycForm):
    money_fields = ("annual_spending",)

    class Meta:
        model = Household
        fields = ["annual_spending", "no_liabilities", "no_policies"]


class AllocationForm(KycForm):
    asset_fields = ("source_asset",)
    money_fields = ("annual_amount", "lump_sum")
    person_fields = ("person",)

    class Meta:
        model = Allocation
        fields = [
            "person", "purpose", "share_percent", "annual_amount", "lump_sum", "start_year",
            "end_year", "condition", "received_as", "trust_name", "source_asset", "keep_control",
            "notes",
        ]  # fmt: skip
        widgets = {"notes": NOTES}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_year"].initial = timezone.localdate().year
        source = self.fields["source_asset"]
        assert isinstance(source, forms.ModelChoiceField)
        # Whether the source is marital property is what matters here: show it.
        source.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{obj} · {format_short(obj.value)} · {obj.get_marital_display()}"
        )


class ExistingPolicyForm(KycForm):
    money_fields = ("sum_assured", "annual_premium")
    person_fields = ("policyholder", "insured")

    class Meta:
        model = ExistingPolicy
        fields = [
            "insurer", "product_name", "product_type", "policyholder", "insured", "sum_assured",
            "annual_premium", "years_paid", "years_total", "start_date", "status",
        ]  # fmt: skip
        widgets = {"start_date": DATE}

    def version_extras(self) -> dict[str, tuple[str, str]]:
        # The beneficiary rows are posted with the policy: a change to them in another
        # window makes this form stale as well.
        rows = self.instance.beneficiaries.all()
        return {"beneficiaries": (str(_("Beneficiaries")), beneficiaries_version(rows))}

    def version_extra_shown(self, key: str, text: str) -> str:
        return beneficiaries_shown(text, people_names(self.client), str(_("Legal heirs")))


class BaseBeneficiaryForm(RulesModelForm):
    """One beneficiary row: a person of the client's map or the legal heirs, not both."""

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = Person.objects.filter(client=client)
        self.client = client


class BeneficiaryForm(BaseBeneficiaryForm):
    class Meta:
        model = PolicyBeneficiary
        fields = ["order", "person", "legal_heirs", "share_percent"]


class BaseBeneficiaryFormSet(forms.BaseInlineFormSet):
    """Shares within one order must add up to 100%, or all be blank (equal shares)."""

    def save_existing(self, form: forms.ModelForm, obj: Any, commit: bool = True) -> Any:
        # An edited row writes only the columns its form shows (advisor_crm/saving.py).
        return form_save(form) if commit else form.save(commit=False)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        self.client = client
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "client": self.client}

    def clean(self) -> None:
        super().clean()
        named = [
            form
            for form in self.forms
            if (data := getattr(form, "cleaned_data", {}))
            and not data.get("DELETE")
            and (data.get("person") or data.get("legal_heirs"))
        ]

        def order_and_share(form: forms.Form) -> tuple[int | None, Decimal | None]:
            return form.cleaned_data.get("order"), form.cleaned_data.get("share_percent")

        for group in shares_by_order(named, order_and_share):
            if group.partly_given:
                for form in group.rows:
                    if form.cleaned_data.get("share_percent") is None:
                        form.add_error(
                            "share_percent",
                            _("Give every share of this order, or none (equal shares)."),
                        )
            elif not group.valid:
                message = _("Shares of order %(order)s add up to %(total)s%%, not 100%%.") % {
                    "order": group.order,
                    "total": f"{group.total.normalize():f}",
                }
                for form in group.rows:
                    form.add_error("share_percent", message)


BeneficiaryFormSet = forms.inlineformset_factory(
    ExistingPolicy,
    PolicyBeneficiary,
    form=BeneficiaryForm,
    formset=BaseBeneficiaryFormSet,
    fields=["order", "person", "legal_heirs", "share_percent"],
    extra=2,
    can_delete=True,
)


class ConsentForm(RulesModelForm):
    class Meta:
        model = SensitiveConsent
        fields = ["given_on", "scope", "notes"]
        widgets = {"given_on": DATE}


class ConsentWithdrawForm(forms.Form):
    """Withdrawal deletes the data the consent covered, unless a law requires keeping it."""

    keep = forms.BooleanField(
        label=_("keep the data: a law or regulation requires keeping it"), required=False
    )
    kept_under = forms.CharField(label=_("which law or regulation"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("keep") and not data.get("kept_under", "").strip():
            self.add_error(
                "kept_under", _("Name the law or regulation that requires keeping the data.")
            )
        if not data.get("keep") and data.get("kept_under", "").strip():
            # Deleting is irreversible: a law typed without the tick is not guessed at.
            self.add_error(
                "keep", _("Tick “keep the data” to keep it under that law, or clear the law.")
            )
        if not data.get("keep"):
            data["kept_under"] = ""
        return data


class EraseForm(forms.Form):
    """Erasure is irreversible: the user types the client's name to confirm.

    The reason is chosen from a list (a typed one invited the client's name), and the
    mentions of the client elsewhere are offered for redaction, free text ticked.
    """

    confirm_name = forms.CharField(label=_("type the client's name to confirm"), max_length=100)
    reason = forms.ChoiceField(label=_("reason"), choices=ErasureReason.choices)
    redact = forms.MultipleChoiceField(
        label=_("redact these mentions"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, client: Client, mentions: list[Mention], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.mentions = mentions
        redact = self.fields["redact"]
        assert isinstance(redact, forms.MultipleChoiceField)
        redact.choices = [(mention.key, mention.record) for mention in mentions]
        redact.initial = [mention.key for mention in mentions if mention.suggested]

    def clean_confirm_name(self) -> str:
        name = self.cleaned_data["confirm_name"].strip()
        if name != self.client.name:
            raise forms.ValidationError(_("The name does not match this client."))
        return name
