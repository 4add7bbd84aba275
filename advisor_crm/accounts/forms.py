from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from advisor_crm.accounts.models import Role, Team, User


class UserForm(forms.ModelForm):
    """Create or edit a user; the password is set only when one is typed."""

    password = forms.CharField(
        label=_("new password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "phone", "role", "team", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if password:
            # Judge the password against what was typed in this form (a new user's
            # username is on the instance only after validation), and against the
            # saved row for its current password.
            candidate = copy.copy(self.instance)
            for name in ("username", "display_name", "email"):
                if name in self.cleaned_data:
                    setattr(candidate, name, self.cleaned_data[name])
            validate_password(password, candidate)
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Role.ADMIN and cleaned.get("team"):
            self.add_error("team", _("Administrators do not belong to a team."))
        return cleaned


class LoginForm(AuthenticationForm):
    """Django's login form, with the username's length enforced.

    AuthenticationForm gives the field the model's max_length only as an attribute
    for the widget, so a longer username still reached authenticate(), and django-axes
    then failed to store the failed attempt (a varchar(255) on PostgreSQL): a server
    error before login. Refused here, the username never reaches authenticate().
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        assert isinstance(username, forms.CharField) and username.max_length is not None
        username.validators.append(MaxLengthValidator(username.max_length))


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "lead"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead_field = self.fields["lead"]
        assert isinstance(lead_field, forms.ModelChoiceField)
        lead_field.queryset = User.objects.filter(role=Role.TEAM_LEAD, is_active=True)
