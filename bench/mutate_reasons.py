"""Why each mutant that `make mutate` leaves alive is left: it is equivalent (no input can
tell it from the original) or not worth a test. Keys are mutmut's mutant names or fnmatch
patterns of them (the first match wins); the report marks a survivor matching none as
unexplained."""

from __future__ import annotations

IMPORT_TIME = (
    "Runs once, when the models are imported, before mutmut switches a mutant on, so no "
    "test can see it. The columns themselves come from the migrations, and a changed field "
    "shows up in `makemigrations --check` (tests/test_schema.py)."
)
CONTEXT_ROUNDING = (
    "Equivalent: without `rounding` Decimal.quantize uses the context's, which is "
    "ROUND_HALF_EVEN, the same as the one named."
)

SURVIVOR_REASONS: dict[str, str] = {
    "ltproject.money.x_MoneyField__mutmut_*": IMPORT_TIME,
    "ltproject.money.x_SharesField__mutmut_*": IMPORT_TIME,
    "ltproject.money.x_PriceField__mutmut_*": IMPORT_TIME,
    "ltproject.money.x_PercentField__mutmut_*": IMPORT_TIME,
    "ltproject.money.x__decimal_field__mutmut_*": IMPORT_TIME,
    "ltproject.money.x_quantize_pusd__mutmut_[24]": CONTEXT_ROUNDING,
    "ltproject.money.x_quantize_price__mutmut_[24]": CONTEXT_ROUNDING,
    "ltproject.money.x_quantize_shares__mutmut_7": (
        "Equivalent: quantize takes only the exponent of its argument, and 2E-6 has the "
        "exponent of 1E-6."
    ),
}


def survivor_reason(name: str) -> str:
    from fnmatch import fnmatchcase

    for pattern, reason in SURVIVOR_REASONS.items():
        if fnmatchcase(name, pattern):
            return reason
    return "unexplained"
