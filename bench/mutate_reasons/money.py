"""Survivors and exclusions of `ltproject/money.py`."""

from __future__ import annotations

IMPORT_TIME = (
    "A field factory: runs once, when the models are imported, before mutmut switches a "
    "mutant on, so no test can see a mutant of it. The columns themselves come from the "
    "migrations, and a changed field shows up in `makemigrations --check` "
    "(tests/test_schema.py)."
)

EXCLUSIONS: dict[tuple[str, str], str] = {
    ("ltproject/money.py", "return *_decimal_field(*"): IMPORT_TIME,
    ("ltproject/money.py", "return models.DecimalField(*"): IMPORT_TIME,
}

SURVIVOR_REASONS: dict[str, str] = {
    "ltproject.money.x_quantize_shares__mutmut_7": (
        "Equivalent: quantize takes only the exponent of its argument, and 2E-6 has the "
        "exponent of 1E-6."
    ),
}

DIFF_REASONS: list[tuple[str, str, str]] = []
