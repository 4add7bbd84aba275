"""The full fuzz sweep of issue 13: every form field of the app × every hostile value.

On SQLite (an in-memory test database):

    .venv/bin/python scripts/fuzz_sweep.py

On PostgreSQL (a throwaway server; the sweep creates and drops its own test database):

    scripts/with-services.sh .venv/bin/python scripts/fuzz_sweep.py

The forms are found by tests/fuzzing.py from the URL resolver, so new forms are swept
without being listed. It prints the forms found, the requests sent, each distinct server
error (by URL, field and exception type, with one traceback), each row saved although
the answer was an error, each foreign id accepted, and the time taken; it exits 1 when
there is any. `--fast` uses the few values of the `make test` subset; `--only TEXT`
keeps the forms whose URL contains TEXT.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", action="store_true", help="only the values of the fast subset")
    parser.add_argument("--only", default="", help="only forms whose URL contains this text")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each form as swept")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor_crm.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    # A test database of its own, created here and dropped at the end: the sweep never
    # touches the database DATABASE_URL (or var/db.sqlite3) names.
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        return sweep(fast=args.fast, only=args.only, verbose=args.verbose)
    finally:
        teardown_databases(old, verbosity=0)


def sweep(*, fast: bool, only: str, verbose: bool) -> int:
    import logging

    from django.db import connection, transaction

    from tests import fuzzing

    # The server errors are collected below; Django's own log of each would drown them.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    started = time.monotonic()
    print(f"database: {connection.vendor}")
    with transaction.atomic():
        world = fuzzing.world_build()
        browser = fuzzing.Browser.for_world(world)
        forms, unopened = fuzzing.forms_discover(world, browser)
        forms = [f for f in forms if only in f.action]
        print(f"pages no role could open: {len(unopened)} {unopened}")
        print(f"forms found: {len(forms)}, fields: {sum(len(f.fields) for f in forms)}")
        runner = fuzzing.Runner(world, browser, raise_errors=False)
        values = fuzzing.FAST_VALUES if fast else fuzzing.HOSTILE_VALUES
        errors: dict[tuple[str, str], list[fuzzing.Outcome]] = {}
        saved: list[fuzzing.Outcome] = []
        foreign: list[fuzzing.Outcome] = []
        for form in forms:
            if verbose:
                print(f"  {form.method.upper()} {form.action} ({form.role}): {sorted(form.fields)}")
            for case in fuzzing.cases(form, world, values, fast=fast):
                outcome = runner.run(case)
                if outcome.server_error:
                    kind = outcome.error or f"HTTP {outcome.status or outcome.page_broken}"
                    if outcome.page_broken:
                        kind += " (page broken after save)"
                    errors.setdefault((case.where, kind), []).append(outcome)
                if outcome.saved_on_error:
                    saved.append(outcome)
                if outcome.foreign_saved:
                    foreign.append(outcome)
        transaction.set_rollback(True)

    for (where, kind), outcomes in sorted(errors.items()):
        labels = ", ".join(sorted({o.case.label for o in outcomes}))
        print(f"\n500: {where}: {kind} [{labels}]")
        print(outcomes[0].trace.rstrip() or "(no traceback: the answer was a 500)")
    for outcome in saved:
        print(
            f"\nsaved on error: {outcome.case.where} = {outcome.case.label} "
            f"(HTTP {outcome.status}): {outcome.saved_on_error}"
        )
    for outcome in foreign:
        print(
            f"\nforeign id accepted: {outcome.case.where} = {outcome.case.label}"
            f" -> {outcome.foreign_saved}"
        )
    print(
        f"\nforms: {len(forms)}, requests: {runner.requests}, server errors (distinct): "
        f"{len(errors)}, saved on error: {len(saved)}, foreign ids accepted: {len(foreign)}, "
        f"elapsed: {time.monotonic() - started:.0f} s"
    )
    return 1 if errors or saved or foreign else 0


if __name__ == "__main__":
    sys.exit(main())
