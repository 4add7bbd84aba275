"""Domain rules in models, shown by forms.

A model's clean() holds its cross-field rules, so that every way in (a form, a
service called by a command, demo data, an import) meets them. A form parses input
and shows errors. When a field failed to parse, the instance still holds that
field's old value; a rule that reads it would judge a value the user did not enter.
RulesModelForm tells the instance which fields failed, and rules skip what they
cannot judge (JudgedInput.judged), while every other rule still runs and shows.
"""

from __future__ import annotations

from typing import Any

from django import forms


class JudgedInput:
    """Mixin for models whose clean() holds rules over several fields."""

    _unparsed: frozenset[str] = frozenset()

    def judged(self, *fields: str) -> bool:
        """Whether a rule over these fields can judge them: none failed to parse."""
        return not self._unparsed.intersection(fields)


class RulesModelForm(forms.ModelForm):
    """A model form whose domain rules live in the model's clean() (and services)."""

    def _post_clean(self) -> None:
        instance: Any = self.instance
        instance._unparsed = frozenset(self.errors)
        try:
            # (_post_clean is ModelForm's validation of the instance; the stubs omit it.)
            super()._post_clean()  # type: ignore[misc]
        finally:
            instance._unparsed = frozenset()
