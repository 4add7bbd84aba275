from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advisor_crm.inputs import IdChoiceField, IdMultipleChoiceField
from advisor_crm.saving import form_save
from advisor_crm.versioning import VersionedForm
from clients.money import YuanField, format_yuan, parse_yuan
from kms.calculators import INPUT_RANGES
from kms.models import (
    CurrentSolution,
    FindingStatus,
    KmsCase,
    Motive,
    ProposalBeneficiary,
    ProposalItem,
    RiskCategory,
    Severity,
    SolutionKind,
    Weakness,
)
from kms.parameters import SPECS, parameter_values
from kyc.beneficiaries import beneficiaries_shown, beneficiaries_version
from kyc.forms import BaseBeneficiaryForm, people_names
from kyc.models import Person


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("reason for dismissing"), max_length=200)


class ManualFindingForm(forms.Form):
    category = forms.ChoiceField(label=_("risk category"), choices=RiskCategory.choices)
    severity = forms.TypedChoiceField(
        label=_("severity"), choices=Severity.choices, coerce=int, initial=Severity.MEDIUM
    )
    title = forms.CharField(label=_("finding"), max_length=200)
    fact = forms.CharField(label=_("fact behind it"), max_length=300, required=False)


class MotivesForm(forms.Form):
    """Motives ranked by number: 1 is the most important; blank means not a motive."""

    def __init__(self, *args: Any, case: KmsCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Motive.choices:
            rank = case.motives.index(value) + 1 if value in case.motives else None
            self.fields[value] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=len(Motive.choices),
                initial=rank,
            )

    def ranked(self) -> list[str]:
        ranks = [(rank, motive) for motive, rank in self.cleaned_data.items() if rank]
        return [motive for _rank, motive in sorted(ranks)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        ranks = [r for r in cleaned.values() if r]
        if len(ranks) != len(set(ranks)):
            raise forms.ValidationError(_("Give each motive a different rank."))
        return cleaned


class NeedsForm(forms.Form):
    """The inputs of one calculator; an empty field restores the KYC default."""

    def __init__(self, *args: Any, calculation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calculation = calculation
        ranges = INPUT_RANGES[calculation.key]
        for field_input in calculation.inputs:
            value, default = field_input.value, field_input.default
            lowest, highest, places = ranges[field_input.key]
            options: dict[str, Any] = {
                "label": field_input.label,
                "required": False,
                # The KYC value itself is always accepted, so that saving the form
                # unchanged never fails, even for a household beyond the usual range.
                "min_value": min(lowest, default),
                "max_value": max(highest, default),
                "decimal_places": places,
            }
            if field_input.is_money:
                # Shown as typed (3000万) and read back by the same parser, exactly.
                field: forms.Field = YuanField(in_units=True, initial=value, **options)
                shown_default = format_yuan(default)
            else:
                field = forms.DecimalField(initial=f"{value.normalize():f}", **options)
                shown_default = f"{default.normalize():f}"
            field.help_text = _("KYC value: %(value)s") % {"value": shown_default}
            self.fields[field_input.key] = field


class SolutionForm(forms.ModelForm):
    weaknesses = forms.MultipleChoiceField(
        label=_("weaknesses"),
        choices=Weakness.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CurrentSolution
        fields = ["kind", "weaknesses", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = SolutionKind.choices  # type: ignore[attr-defined]


class LeaveOpenForm(forms.Form):
    reason = forms.CharField(label=_("left open because"), max_length=200, required=False)


class ProposalItemForm(VersionedForm, forms.ModelForm):
    """A proposed policy; an edit carries the item's version."""

    sum_assured = YuanField(label=_("sum assured (yuan)"))
    annual_premium = YuanField(label=_("annual premium (yuan)"))
    death_benefit = YuanField(
        label=_("death benefit (yuan)"),
        required=False,
        help_text=_("If it differs from the sum assured, e.g. for annuities."),
    )

    class Meta:
        model = ProposalItem
        fields = [
            "product_type", "insurer", "product_name", "policyholder", "insured", "second_policyholder",
            "trust_mode", "trustee_name", "sum_assured", "annual_premium", "death_benefit", "payment_years",
            "coverage_years", "insured_consent", "answers",
        ]  # fmt: skip
        widgets = {"answers": forms.CheckboxSelectMultiple}
        # Ids that cannot be ids (20 digits) are refused before they reach the database.
        field_classes = {
            "policyholder": IdChoiceField,
            "insured": IdChoiceField,
            "second_policyholder": IdChoiceField,
            "answers": IdMultipleChoiceField,
        }

    def __init__(self, *args: Any, case: KmsCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.case = case
        people = Person.objects.filter(client=case.client).order_by("created_at", "id")
        for name in ("policyholder", "insured", "second_policyholder"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people
        answers = self.fields["answers"]
        assert isinstance(answers, forms.ModelMultipleChoiceField)
        answers.queryset = case.findings.filter(status=FindingStatus.CONFIRMED)
        answers.label_from_instance = lambda finding: finding.label  # type: ignore[method-assign,assignment]

    def version_extras(self) -> dict[str, tuple[str, str]]:
        # The beneficiary rows are posted with the item (see ExistingPolicyForm).
        rows = self.instance.beneficiaries.all()
        return {"beneficiaries": (str(_("Beneficiaries")), beneficiaries_version(rows))}

    def version_extra_shown(self, key: str, text: str) -> str:
        names = people_names(self.instance.case.client)
        return beneficiaries_shown(text, names, str(_("Legal heirs")))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        holder, second = cleaned.get("policyholder"), cleaned.get("second_policyholder")
        if holder and second and holder == second:
            self.add_error(
                "second_policyholder", _("The second policyholder must be someone else.")
            )
        if cleaned.get("trust_mode") not in (None, "", "none") and not cleaned.get("trustee_name"):
            self.add_error("trustee_name", _("Name the trustee of the insurance trust."))
        return cleaned


class ProposalBeneficiaryForm(BaseBeneficiaryForm):
    class Meta:
        model = ProposalBeneficiary
        fields = ["order", "person", "legal_heirs", "share_percent"]

    def __init__(self, *args: Any, case: KmsCase, **kwargs: Any) -> None:
        super().__init__(*args, client=case.client, **kwargs)


class BaseProposalBeneficiaryFormSet(forms.BaseInlineFormSet):
    def save_existing(self, form: forms.ModelForm, obj: Any, commit: bool = True) -> Any:
        # An edited row writes only the columns its form shows (advisor_crm/saving.py).
        return form_save(form) if commit else form.save(commit=False)

    def __init__(self, *args: Any, case: KmsCase, **kwargs: Any) -> None:
        self.case = case
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "case": self.case}

    def rows(self) -> list[Any]:
        """The beneficiaries as typed (valid forms only), for live validation before saving."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data and not data.get("DELETE") and (data.get("person") or data.get("legal_heirs")):
                rows.append(
                    ProposalBeneficiary(
                        **{
                            k: data.get(k)
                            for k in ("order", "person", "legal_heirs", "share_percent")
                        }
                    )
                )
        return rows


ProposalBeneficiaryFormSet = forms.inlineformset_factory(
    ProposalItem,
    ProposalBeneficiary,
    form=ProposalBeneficiaryForm,
    formset=BaseProposalBeneficiaryFormSet,
    fields=["order", "person", "legal_heirs", "share_percent"],
    extra=2,
    can_delete=True,
)


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("presented", _("Presented")),
            ("accepted", _("Accepted")),
            ("declined", _("Declined")),
        ]
    )


# Parameter.value holds 14 digits with 2 decimals.
PARAMETER_LIMIT = Decimal(10) ** 12


class ParameterField(forms.Field):
    """A threshold or cap as an admin types it: a non-negative number, blank for the default."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})
    default_error_messages = {
        "invalid": _("Enter a number such as 10 or 0.5."),
        "negative": _("Enter a number of zero or more."),
        "percent": _("Enter a percentage from 0 to 100."),
    }

    def __init__(self, *, unit: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unit = unit

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            # Amounts in yuan are typed as everywhere else: 20万, 1.2亿, 200,000.
            number = parse_yuan(text) if self.unit == "yuan" else Decimal(text)
        except (InvalidOperation, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if number.is_finite():
            # Stored with two decimals: judge the number as it will be stored.
            number = number.quantize(Decimal("0.01")) if abs(number) < PARAMETER_LIMIT else number
        if not number.is_finite() or abs(number) >= PARAMETER_LIMIT:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if number < 0:
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if self.unit == "percent" and number > 100:
            raise forms.ValidationError(self.error_messages["percent"], code="percent")
        return number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return value


class ParametersForm(VersionedForm, forms.Form):
    """Every parameter at once, shown with its current value; blank restores the default.

    The current values are the form's initial values, so the form carries their
    version: an admin saving over a change another admin made meanwhile is refused.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "p-%s")
        super().__init__(*args, **kwargs)
        values = parameter_values()
        for spec in SPECS:
            self.fields[spec.key] = ParameterField(
                label=str(spec.label), required=False, initial=values[spec.key], unit=spec.kind
            )
