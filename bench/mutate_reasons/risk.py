"""Survivors and exclusions of the `risk` package's other modules (breakers, budgets, the engine,
selectors, rules import and export, market data); the rules themselves are in risk_rules."""

from __future__ import annotations

EXCLUSIONS: dict[tuple[str, str], str] = {
    ("risk/models.py", "def _null_or_*"): (
        "Builds the CHECK constraints of the risk rules' table in its Meta, when the models are "
        "imported (before a mutant is switched on); the constraints themselves come from the "
        "migrations, and a changed one shows up in `makemigrations --check` "
        "(tests/test_schema.py)."
    ),
    ("risk/models.py", "def __str__*"): (
        "A row's name in the admin's lists and pages: no rule reads it."
    ),
}

SURVIVOR_REASONS: dict[str, str] = {}

DIFF_REASONS: list[tuple[str, str, str]] = []
