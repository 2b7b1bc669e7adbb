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

TOKEN_DEFAULT = (
    "Equivalent: every caller passes the token (breaker_observe, the engine, `_apply`, "
    "`_trip`; `_close` writes no trip, whose alert alone reads it), and a token LT does not "
    "know names no market, as the empty default does."
)

SURVIVOR_REASONS: dict[str, str] = {
    "risk.breakers.x__apply__mutmut_1": TOKEN_DEFAULT,
    "risk.breakers.x__trip__mutmut_1": TOKEN_DEFAULT,
    "risk.breakers.x__event__mutmut_2": TOKEN_DEFAULT,
    "risk.breakers.x_breaker_change_apply__mutmut_1": TOKEN_DEFAULT,
    "risk.breakers.x__event__mutmut_43": (
        "Equivalent: the trip alert's severity is alert_create's default, WARNING."
    ),
    "risk.breakers.x__event__mutmut_61": (
        "Equivalent: a trip event always has a threshold (`_trip` stores the one it was "
        "given, never None: breaker_observe and the decision trip only when one applies)."
    ),
    "risk.breakers.x__shown__mutmut_6": (
        "Equivalent: 'F' and 'f' write a finite Decimal the same way (they differ only for "
        "infinity and NaN, which no reading or threshold is)."
    ),
    "risk.breakers.x__note_normal__mutmut_15": (
        "Not worth a test: within one transaction the breaker was read OPEN just before, so "
        "only another transaction closing it in between (an override racing an unlocked "
        "observation) can tell; the stray hold start on a closed breaker is cleared by its "
        "next trip and read by nothing before that (a closed breaker does not resume)."
    ),
    "risk.budgets.x__locked_windows__mutmut_[24]": (
        "Equivalent: without an output field given, the Case takes the type of its integer "
        "Values, an integer: the same rank, the same lock order."
    ),
    "risk.budgets.x__locked_windows__mutmut_1[56]": (
        "Equivalent: an order holds one reservation per period, so the ranks of its windows "
        "never tie and what follows the rank in the ordering is never consulted."
    ),
    "risk.budgets.x__locked_reservations__mutmut_5": (
        "Equivalent: `_move` reads only the reservation's window_id, not the window, and the "
        "windows are locked already (by `_locked_windows`, in the same transaction)."
    ),
    "risk.budgets.x__move__mutmut_18": (
        "Equivalent: a decision reserves the same amount in each of its order's windows and "
        "every movement takes the same part from each, so when one reservation has nothing "
        "to move none has: stopping and going on to the next do the same."
    ),
    "risk.market_data.xǁStaticBooksǁbook__mutmut_1": (
        "Not worth a test: the exception's text is for a traceback; its one catcher, "
        "the engine's `_book`, discards it and the decision answers BOOK_UNAVAILABLE."
    ),
    "risk.rules_io.x__to_json__mutmut_7": (
        "Equivalent: 'F' and 'f' write a finite Decimal the same way; they differ only for "
        "infinity and NaN, which no rule holds (the admin and the import validate every "
        "value as a finite number)."
    ),
    "risk.selectors.x_global_risk_state__mutmut_[35]": (
        "Equivalent: the default given is the column's own (a new risk state has no "
        "strategy unless one is given)."
    ),
}

DIFF_REASONS: list[tuple[str, str, str]] = []
