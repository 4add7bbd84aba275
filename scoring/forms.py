from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from advisor_crm.versioning import VersionedForm
from scoring.conditions import ConditionError, parse, to_text
from scoring.listing import SCORE_BOUND
from scoring.models import Rule


class RuleForm(VersionedForm, forms.Form):
    """A rule of a draft version; an edit carries the rule's version."""

    label = forms.CharField(label=_("label"), max_length=100)
    condition = forms.CharField(
        label=_("condition"),
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "mono"}),
        help_text=_('e.g. annual_income >= 100万 and industry in ["internet", "tmt"]'),
    )
    points = forms.IntegerField(label=_("points"), min_value=-1000, max_value=1000)
    enabled = forms.BooleanField(label=_("enabled"), required=False, initial=True)

    def __init__(self, *args: Any, rule: Rule | None = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "label": rule.label,
                "condition": to_text(rule.condition),
                "points": rule.points,
                "enabled": rule.enabled,
            }
        self.rule = rule
        super().__init__(*args, **kwargs)

    @property
    def is_edit(self) -> bool:
        return self.rule is not None

    def clean_condition(self) -> dict[str, Any]:
        text = self.cleaned_data["condition"]
        try:
            return parse(text)
        except ConditionError as error:
            where = (
                _(" (at character %(position)s)") % {"position": error.position + 1}
                if error.position is not None
                else ""
            )
            raise forms.ValidationError(f"{error.message}{where}") from error


class TiersForm(VersionedForm, forms.Form):
    """Tier rows as label/minimum pairs; blank rows are ignored.

    The form carries the version of the tiers it was opened with (the stored tiers
    are its initial values), so it must be built with them on a save too.
    """

    ROWS = 6

    def __init__(
        self, *args: Any, tiers: list[tuple[str, int]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        tiers = tiers or []
        for index in range(self.ROWS):
            label, minimum = tiers[index] if index < len(tiers) else ("", None)
            self.fields[f"label_{index}"] = forms.CharField(
                label=_("tier"), max_length=30, required=False, initial=label
            )
            self.fields[f"min_{index}"] = forms.IntegerField(
                label=_("minimum score"),
                required=False,
                initial=minimum,
                # What the score filter of the client list accepts, and well inside
                # the integer column (10^20 was a database error).
                min_value=-SCORE_BOUND,
                max_value=SCORE_BOUND,
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"label_{i}"], self[f"min_{i}"]) for i in range(self.ROWS)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tiers = []
        for index in range(self.ROWS):
            label, minimum = (
                (cleaned.get(f"label_{index}") or "").strip(),
                cleaned.get(f"min_{index}"),
            )
            if label and minimum is None:
                self.add_error(f"min_{index}", _("Give the tier a minimum score."))
            elif minimum is not None and not label:
                self.add_error(f"label_{index}", _("Give the tier a label."))
            elif label:
                tiers.append((label, minimum))
        minimums = [m for _label, m in tiers]
        if len(minimums) != len(set(minimums)):
            raise forms.ValidationError(
                _("Two tiers have the same minimum score; thresholds must not overlap.")
            )
        labels = [label for label, _m in tiers]
        if len(labels) != len(set(labels)):
            raise forms.ValidationError(_("Two tiers have the same label."))
        if not tiers:
            raise forms.ValidationError(_("Define at least one tier."))
        cleaned["tiers"] = sorted(tiers, key=lambda t: -t[1])
        return cleaned


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class NoteReplyForm(forms.Form):
    """The advisor's answer to a lead's P100 note; blank acknowledges without a word."""

    reply = forms.CharField(label=_("your reply"), required=False, max_length=200)
