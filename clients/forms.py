from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from advisor_crm.accounts.models import User
from advisor_crm.inputs import IdChoiceField, database_id
from advisor_crm.rules import RulesModelForm
from advisor_crm.versioning import VersionedForm
from clients import listing
from clients.models import Client, ClientType, CvmStage
from clients.money import YuanField
from clients.reference import INDUSTRY_CHOICES
from clients.selectors import advisors_assignable_by, referrer_choices
from clients.services import tags_parse
from clients.validators import (
    normalize_id_number,
    normalize_mobile,
)


class ReferrerSelect(forms.Select):
    """A select that renders only the chosen referrer.

    An advisor may have thousands of clients; listing them all would make the form
    heavy. The options are fetched by search instead (see client_referrer_options),
    while the form field still validates any visible client of the same advisor.
    """

    template_name = "clients/widgets/referrer_select.html"

    def __init__(self, *args: Any, search_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search_url = search_url

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> Any:
        selected = [v for v in value if v not in ("", None)]
        options = [self.create_option(name, "", "—", not selected, 0)]
        if selected:
            # Only clients the field accepts: a refused id must not echo a name back.
            allowed = getattr(self.choices, "queryset", Client.objects.none())
            ids = [database_id(v) for v in selected]
            chosen = allowed.filter(pk__in=[i for i in ids if i is not None])
            for index, client in enumerate(chosen.only("name")):
                options.append(self.create_option(name, client.pk, client.name, True, index + 1))
        return [(None, options, 0)]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = self.search_url
        return context


class ClientForm(VersionedForm, RulesModelForm):
    """Profile facts of a client; an edit carries the row's version.

    The ID number is not a model field: it is validated here, then encrypted by the
    service. On edit it stays empty unless the user types a new one, so the clear
    number never travels to the browser without an explicit, recorded reveal.
    """

    id_number = forms.CharField(
        label=_("resident ID number"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    tags_text = forms.CharField(
        label=_("tags"),
        required=False,
        max_length=300,
        help_text=_("Separate tags with commas."),
    )
    # Shown once a duplicate was found (clients.services.client_create): the user
    # confirms that the client entered is someone else.
    duplicate_confirmed = forms.BooleanField(
        label=_("Create anyway: this is a different person"), required=False
    )
    # The ID number is never shown, and the tick is not a stored fact.
    version_exempt = ("id_number", "duplicate_confirmed")
    # The one amount parser, as in the KYC forms: 300万, 1.2亿 and 5,000,000 all work.
    annual_income = YuanField(label=_("annual income (yuan)"), required=False, in_units=True)

    class Meta:
        model = Client
        fields = [
            "client_type",
            "name",
            "gender",
            "birth_date",
            "phone",
            "city",
            "education",
            "industry",
            "occupation",
            "occupation_class",
            "annual_income",
            "wealth_stratum",
            "credit_status",
            "cvm_stage",
            "source",
            "referred_by",
            "owner",
            "notes",
        ]
        # A referrer is looked up by id: one that cannot be an id is refused first.
        field_classes = {"referred_by": IdChoiceField}
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        advisors = advisors_assignable_by(user=user)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = User.objects.filter(pk__in=[a.pk for a in advisors])
        owner_field.empty_label = None
        current_owner = self.instance.owner if self.instance.pk else user
        if not self.instance.pk:
            self.initial.setdefault("owner", user.pk)
        # Referrers must be clients of the owner the form will save, which may be a
        # newly chosen one; an unknown owner id is left for the owner field to refuse.
        posted_owner = self.data.get("owner") if self.is_bound else None
        chosen = next((a for a in advisors if str(a.pk) == str(posted_owner)), None)
        referrer_owner = chosen or current_owner
        if len(advisors) == 1:
            # Advisors cannot give clients away; the field would only be noise.
            del self.fields["owner"]
        referrer_field = self.fields["referred_by"]
        assert isinstance(referrer_field, forms.ModelChoiceField)
        referrers = referrer_choices(user=user, owner=referrer_owner)
        if self.instance.pk:
            referrers = referrers.exclude(pk=self.instance.pk)
        referrer_field.queryset = referrers
        # The search follows the owner select when there is one (hx-include).
        referrer_field.widget = ReferrerSelect(
            search_url=reverse("clients:referrer_options")
            + (f"?exclude={self.instance.pk}" if self.instance.pk else "")
        )
        if self.instance.pk:
            self.initial.setdefault(
                "tags_text", ", ".join(tag.name for tag in self.instance.tags.all())
            )
            if self.instance.has_id_number:
                self.fields["id_number"].help_text = _(
                    "Stored: %(masked)s. Leave empty to keep it; type a new number to replace it."
                ) % {"masked": self.instance.id_number_masked}

    def clean_phone(self) -> str:
        # Parsing only: the model validates the number (Client.phone's validator).
        return normalize_mobile(self.cleaned_data.get("phone", ""))

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data.get("id_number", ""))

    def clean_tags_text(self) -> list[str]:
        return tags_parse(self.cleaned_data.get("tags_text", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("id_number"):
            # Client.clean() checks the number against the profile (and fills in what
            # it carries) when the model form validates the instance.
            self.instance.set_id_number(cleaned["id_number"])
        return cleaned


CLIENT_SORT_CHOICES = [
    ("updated", _("Recently updated")),
    ("name", _("Name")),
    ("created", _("Recently added")),
]


# The longest search a box takes, in the client list and the referrer search alike.
SEARCH_LENGTH = 100


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False, max_length=SEARCH_LENGTH)
    client_type = forms.ChoiceField(
        label=_("client type"),
        required=False,
        choices=[("", _("All types")), *ClientType.choices],
    )
    cvm_stage = forms.ChoiceField(label=_("CVM stage"), required=False)
    industry = forms.ChoiceField(label=_("industry"), required=False)
    archived = forms.BooleanField(label=_("include archived"), required=False)
    sort = forms.ChoiceField(label=_("sort by"), required=False, choices=CLIENT_SORT_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cvm_field = self.fields["cvm_stage"]
        industry_field = self.fields["industry"]
        assert isinstance(cvm_field, forms.ChoiceField)
        assert isinstance(industry_field, forms.ChoiceField)
        cvm_field.choices = [("", _("All stages")), *CvmStage.choices]
        industry_field.choices = [("", _("All industries")), *INDUSTRY_CHOICES]
        # What the apps above clients add (clients.listing): their sorts and filters.
        sort_field = self.fields["sort"]
        assert isinstance(sort_field, forms.ChoiceField)
        sort_field.choices = [
            *CLIENT_SORT_CHOICES,
            *((sort.key, sort.label) for sort in listing.sorts()),
        ]
        for registered in listing.filters():
            self.fields[registered.key] = registered.field()

    def registered_filters(self) -> list[forms.BoundField]:
        """The fields of the registered filters, for the template to lay out."""
        return [self[registered.key] for registered in listing.filters()]


class MergeForm(forms.Form):
    """Which client to merge into the one shown: a likely duplicate, or any by number."""

    candidate = forms.TypedChoiceField(
        label=_("likely duplicates"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    number = forms.IntegerField(
        label=_("or the client's number"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("The number in the address of the client's page: /clients/123/."),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: list[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidate = self.fields["candidate"]
        assert isinstance(candidate, forms.TypedChoiceField)
        candidate.choices = [
            (c.pk, f"{c.name} · #{c.pk} · {c.phone or '—'} · {c.owner}") for c in candidates
        ]
        if not candidates:
            del self.fields["candidate"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cleaned.get("candidate") or cleaned.get("number")
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Choose the client to merge into this one."))
        cleaned["other_id"] = chosen
        return cleaned
