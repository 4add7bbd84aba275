"""The fast subset of the fuzz sweep (issue 13); the full one is scripts/fuzz_sweep.py.

Every form the engine finds (tests/fuzzing.py) gets a few hostile values in all its
fields at once, the gbk charset and the foreign client's ids: no server error, nothing
saved when the answer is an error, no foreign row accepted, and the page still renders
after an accepted value.
"""

from __future__ import annotations

from django.urls import resolve

from tests import fuzzing

# The app has 76 distinct forms when this was written; far fewer means the discovery broke.
MINIMUM_FORMS = 60


def test_it_discovers_the_forms_of_every_app(db: None) -> None:
    world = fuzzing.world_build()
    forms, unopened = fuzzing.forms_discover(world, fuzzing.Browser.for_world(world))

    assert len(forms) >= MINIMUM_FORMS
    namespaces = {resolve(form.action).namespace for form in forms}
    assert {"accounts", "clients", "kyc", "kms", "scoring"} <= namespaces
    assert {"login", "kms:needs", "kyc:item", "scoring:rule_edit"} <= {
        resolve(form.action).view_name for form in forms
    }
    assert unopened == []


def test_it_survives_hostile_values_in_every_form(db: None) -> None:
    world = fuzzing.world_build()
    browser = fuzzing.Browser.for_world(world)
    forms, _unopened = fuzzing.forms_discover(world, browser)
    runner = fuzzing.Runner(world, browser, raise_errors=True)

    problems = []
    for form in forms:
        for case in fuzzing.cases(form, world, fuzzing.FAST_VALUES, fast=True):
            outcome = runner.run(case)
            if outcome.server_error or outcome.saved_on_error or outcome.foreign_saved:
                problems.append(
                    f"{case.where} = {case.label}: HTTP {outcome.status}, page after "
                    f"{outcome.page_broken or 'ok'}, saved on error {outcome.saved_on_error}, "
                    f"foreign {outcome.foreign_saved or 'none'}"
                )

    assert problems == []
    assert runner.requests > 5 * MINIMUM_FORMS
