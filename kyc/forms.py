"""Forms for the KYC facts. Each form only offers people and companies of its client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.money import YuanField
from kyc import selectors as kyc_selectors
from kyc.beneficiaries import shares_by_order
from kyc.models import (
    DEFAULT_LIQUIDITY_DAYS,
    GENERATION,
    Allocation,
    Asset,
    ConsentScope,
    Enterprise,
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


class KycForm(forms.ModelForm):
    """Base: knows its client, scopes person/enterprise choices, money fields in yuan."""

    money_fields: tuple[str, ...] = ()
    person_fields: tuple[str, ...] = ()
    enterprise_fields: tuple[str, ...] = ()
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

    def _check_not_future(self, name: str) -> None:
        value = self.cleaned_data.get(name)
        if value and value > timezone.localdate():
            self.add_error(name, _("A birth date cannot be in the future."))


def _birth_year(person: Person | None, client: Client) -> int | None:
    if person is None:
        return client.birth_date.year if client.birth_date else None
    return person.birth_year


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
            "residence", "nationality", "marital_status", "occupation", "annual_income",
            "cares_about", "worries_about", "must_provide_for", "health_notes", "notes",
        ]  # fmt: skip
        # parent_in_map is saved as a PersonLink by kyc_services.person_save.
        widgets = {"birth_date": DATE, "notes": NOTES, "health_notes": NOTES}

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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._check_not_future("birth_date")
        parent = cleaned.get("parent_in_map")
        if parent and self.instance.pk and parent.pk == self.instance.pk:
            self.add_error("parent_in_map", _("A person cannot be related to themself."))
        birth, age = cleaned.get("birth_date"), cleaned.get("age")
        own_year = (
            birth.year if birth else (timezone.localdate().year - age if age is not None else None)
        )
        if parent and parent.birth_year and own_year and parent.birth_year >= own_year:
            self.add_error("parent_in_map", _("A child cannot be older than their parent."))
        relationship = cleaned.get("relationship")
        if relationship == Relationship.SELF:
            others = Person.objects.filter(client=self.client, relationship=Relationship.SELF)
            if others.exclude(pk=self.instance.pk).exists():
                self.add_error("relationship", _("The client is already in the map."))
        birth = cleaned.get("birth_date")
        age = cleaned.get("age")
        year = (
            birth.year if birth else (timezone.localdate().year - age if age is not None else None)
        )
        client_self = Person.objects.filter(client=self.client, relationship=Relationship.SELF).exclude(
            pk=self.instance.pk
        ).first()  # fmt: skip
        client_year = _birth_year(client_self, self.client)
        if year is not None and client_year is not None and relationship:
            generation = GENERATION.get(relationship)
            if generation is not None and generation > 0 and year < client_year:
                self.add_error(
                    "birth_date" if birth else "age",
                    _("A child cannot be older than their parent."),
                )
            if generation is not None and generation < 0 and year > client_year:
                self.add_error(
                    "birth_date" if birth else "age",
                    _("A parent cannot be younger than their child."),
                )
        return cleaned


class PersonLinkForm(KycForm):
    person_fields = ("from_person", "to_person")

    class Meta:
        model = PersonLink
        fields = ["from_person", "kind", "to_person"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        a, b = cleaned.get("from_person"), cleaned.get("to_person")
        if a and b and a == b:
            self.add_error("to_person", _("A person cannot be related to themself."))
        elif (
            a
            and b
            and cleaned.get("kind") == PersonLink.Kind.PARENT_OF
            and a.birth_year
            and b.birth_year
            and a.birth_year >= b.birth_year
        ):
            self.add_error("to_person", _("A child cannot be older than their parent."))
        return cleaned


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
        self.fields["liquidity_days"].required = False
        self.fields["liquidity_days"].help_text = _(
            "Leave empty for the usual value of the category."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("owner_person") and cleaned.get("owner_enterprise"):
            self.add_error("owner_enterprise", _("Choose one owner: a person or an enterprise."))
        if cleaned.get("liquidity_days") is None and cleaned.get("category"):
            cleaned["liquidity_days"] = DEFAULT_LIQUIDITY_DAYS[cleaned["category"]]
        return cleaned


class LiabilityForm(KycForm):
    money_fields = ("amount", "annual_repayment")
    person_fields = ("borrower_person", "guarantor")
    enterprise_fields = ("borrower_enterprise",)

    class Meta:
        model = Liability
        fields = [
            "kind", "amount", "lender", "borrower_person", "borrower_enterprise", "guarantor",
            "joint_liability", "annual_repayment", "due_year", "notes",
        ]  # fmt: skip
        widgets = {"notes": NOTES}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("borrower_person") and cleaned.get("borrower_enterprise"):
            self.add_error(
                "borrower_enterprise", _("Choose one borrower: a person or an enterprise.")
            )
        if cleaned.get("kind") == "guarantee" and not cleaned.get("guarantor"):
            self.add_error("guarantor", _("A guarantee needs the guarantor."))
        return cleaned


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
    money_fields = ("annual_amount",)
    person_fields = ("person",)

    class Meta:
        model = Allocation
        fields = [
            "person", "purpose", "share_percent", "annual_amount", "start_year", "end_year",
            "condition", "keep_control", "notes",
        ]  # fmt: skip
        widgets = {"notes": NOTES}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_year"].initial = timezone.localdate().year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        refused = "share_percent" in self.errors or "annual_amount" in self.errors
        if (
            not refused
            and cleaned.get("share_percent") is None
            and cleaned.get("annual_amount") is None
        ):
            self.add_error("annual_amount", _("Give a share of the wealth or an amount per year."))
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The end year is before the start year."))
        for name in ("start_year", "end_year"):
            year = cleaned.get(name)
            if year and not 1900 <= year <= 2200:
                self.add_error(name, _("Enter a year such as 2030."))
        return cleaned


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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        paid, total = cleaned.get("years_paid"), cleaned.get("years_total")
        if paid is not None and total is not None and paid > total:
            self.add_error("years_paid", _("More years paid than payment years."))
        start = cleaned.get("start_date")
        if start and start > timezone.localdate() + dt.timedelta(days=366):
            self.add_error("start_date", _("The start date is too far in the future."))
        return cleaned


class BaseBeneficiaryForm(forms.ModelForm):
    """One beneficiary row: a person of the client's map or the legal heirs, not both."""

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = Person.objects.filter(client=client)
        self.client = client

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("DELETE"):
            return cleaned
        if cleaned.get("person") and cleaned.get("legal_heirs"):
            self.add_error("legal_heirs", _("Choose a person or the legal heirs, not both."))
        elif (
            not cleaned.get("person")
            and not cleaned.get("legal_heirs")
            and "person" not in self.errors
            and self.has_changed()
        ):
            self.add_error("person", _("Choose a person or the legal heirs."))
        return cleaned


class BeneficiaryForm(BaseBeneficiaryForm):
    class Meta:
        model = PolicyBeneficiary
        fields = ["order", "person", "legal_heirs", "share_percent"]


class BaseBeneficiaryFormSet(forms.BaseInlineFormSet):
    """Shares within one order must add up to 100%, or all be blank (equal shares)."""

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


class ConsentForm(forms.ModelForm):
    class Meta:
        model = SensitiveConsent
        fields = ["given_on", "scope", "notes"]
        widgets = {"given_on": DATE}

    def clean_given_on(self) -> dt.date:
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError(_("The consent date cannot be in the future."))
        return given_on


class EraseForm(forms.Form):
    """Erasure is irreversible: the user types the client's name to confirm."""

    confirm_name = forms.CharField(label=_("type the client's name to confirm"), max_length=100)
    reason = forms.CharField(
        label=_("reason (e.g. the client's request of 2026-11-20)"), max_length=200
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_confirm_name(self) -> str:
        name = self.cleaned_data["confirm_name"].strip()
        if name != self.client.name:
            raise forms.ValidationError(_("The name does not match this client."))
        return name
