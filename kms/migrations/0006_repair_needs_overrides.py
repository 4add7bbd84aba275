"""Remove stored calculator overrides that the needs form would now refuse.

Until now calculator inputs had no upper bound, so a case could hold years=1e309 or
an age of 10^30; computing the case then failed on every page. This step keeps only
the overrides that kms.calculators.override_value() accepts today (a number of at
most 40 characters, within the input's range and decimal places) and drops the rest,
so that those inputs follow the KYC again. The ranges are copied here, as they stood,
so that later edits of kms.calculators do not change this step.
"""

from decimal import Decimal, InvalidOperation

from django.db import migrations

MONEY = (Decimal(0), Decimal(10) ** 12 - Decimal("0.01"), 2)
RANGES = {
    "life_cover": {
        "debts": MONEY,
        "spending_years": (Decimal(0), Decimal(100), 2),
        "annual_spending": MONEY,
        "allocations": MONEY,
        "liquid_assets": MONEY,
        "existing_cover": MONEY,
    },
    "pension": {
        "retirement_age": (Decimal(0), Decimal(120), 2),
        "life_expectancy": (Decimal(0), Decimal(120), 2),
        "annual_spending": MONEY,
        "annual_pension": MONEY,
    },
    "education": {"years": (Decimal(0), Decimal(300), 2), "cost_per_year": MONEY},
}


def _valid(calculator, name, raw):
    limits = RANGES.get(calculator, {}).get(name)
    if limits is None or isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return False
    text = str(raw)
    if len(text) > 40:
        return False
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    lowest, highest, places = limits
    if not value.is_finite() or not lowest <= value <= highest:
        return False
    return value == value.quantize(Decimal(1).scaleb(-places))


def _repaired(overrides):
    if not isinstance(overrides, dict):
        return {}
    kept = {}
    for calculator, given in overrides.items():
        if not isinstance(given, dict):
            continue
        values = {name: raw for name, raw in given.items() if _valid(calculator, name, raw)}
        if values:
            kept[calculator] = values
    return kept


def remove_bad_overrides(apps, schema_editor):
    case_model = apps.get_model("kms", "KmsCase")
    db = schema_editor.connection.alias
    for case in case_model.objects.using(db).exclude(needs_overrides={}).iterator():
        repaired = _repaired(case.needs_overrides)
        if repaired != case.needs_overrides:
            case.needs_overrides = repaired
            case.save(update_fields=["needs_overrides"])


class Migration(migrations.Migration):
    dependencies = [
        ("kms", "0005_proposal_people_in_kyc"),
    ]

    operations = [
        migrations.RunPython(remove_bad_overrides, migrations.RunPython.noop),
    ]
