"""Why each mutant that `make mutate` leaves alive is left: it is equivalent (no input can
tell it from the original) or not worth a test. Keys are mutmut's mutant names or fnmatch
patterns of them (the first match wins); the report marks a survivor matching none as
unexplained.

EXCLUSIONS gives the reason of each line kept from mutation by a `# pragma: no mutate`
comment, by file and a fnmatch pattern of the line's code: only lines no test can observe."""

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

REREAD = (
    "Equivalent: a signature that does not match a remembered key has the key forgotten just "
    "before this call, so the key is read from the database whether `remember` is False, "
    "None or True."
)

VWAP_SUM = (
    "Equivalent: without shares vwap returns 0 before using the sums; with legs the sum of "
    "Decimals started at int 0 is the same Decimal."
)

SURVIVOR_REASONS: dict[str, str] = {
    "strategies.signing.x_signed_request_verify__mutmut_32": (
        "Equivalent: the character before the one pad of a 32-byte digest in urlsafe base64 "
        "carries 4 bits and 2 zero bits (A, E, I, M, Q, U, Y, c, g, k, o, s, w, 0, 4 or 8), "
        "never X, so stripping X as well as = changes no signature."
    ),
    "strategies.signing.x_signed_request_verify__mutmut_40": (
        "Equivalent: the character before the one pad of a 32-byte digest in urlsafe base64 "
        "carries 4 bits and 2 zero bits (A, E, I, M, Q, U, Y, c, g, k, o, s, w, 0, 4 or 8), "
        "never X, so stripping X as well as = changes no signature."
    ),
    "strategies.signing.x_signed_request_verify__mutmut_41": (
        "Equivalent: the key is read again at once with remember=False, which replaces this "
        "process's entry for it (or forgets it, if the key is gone)."
    ),
    "execution.fills.x__risk_state_lock__mutmut_*": (
        "Not worth a test: the lock is taken for its order alone (a fill locks its strategy's "
        "risk state before the order and position, as a decision does, so the two never wait "
        "for each other); what it reads is discarded, and a stronger lock, another shape of "
        "the same rows or another flag only shows in that race "
        "(tests/execution/test_fill_lock_order.py runs it)."
    ),
    "execution.fills.x__apply__mutmut_13": (
        "Equivalent: the average fill price is None only before the first fill, when it is "
        "multiplied by a size matched of 0: 0 or 1 times 0 is 0."
    ),
    "execution.fills.x__apply__mutmut_23": (
        "Equivalent in LT: every BUY of a strategy is an entry and every entry a BUY (exits "
        "sell; imported orders own no strategy and return before this)."
    ),
    "execution.fills.x__apply__mutmut_66": (
        "Equivalent: the fill object's in-memory copy of what was stored is not read again "
        "(the caller returns; the row has the values)."
    ),
    "execution.fills.x_own_fills__mutmut_5": (
        "Equivalent: a fill always has at least one leg, and the sum of Decimals started at "
        "int 0 is the same Decimal."
    ),
    "execution.fills.x_taker_legs__mutmut_13": (
        "Equivalent: the legs summed here are never empty, and the sum of Decimals started "
        "at int 0 is the same Decimal."
    ),
    "execution.fills.x_vwap__mutmut_5": VWAP_SUM,
    "execution.fills.x_vwap__mutmut_12": VWAP_SUM,
    "execution.executor.x_order_dispatch__mutmut_[5-9]": (
        "Not worth a test: the pool's size and its threads' name change how many sends run "
        "at once and what a thread dump shows, not what is sent."
    ),
    "execution.executor.x_order_dispatch__mutmut_1[01]": (
        "Not worth a test: the pool's threads' name is what a thread dump shows."
    ),
    "execution.executor.x__send__mutmut_2[7-9]": (
        "Not worth a test: the pause between sends after a 429 is wall-clock time, which no "
        "test asserts (the tests set it to 0); that a 429 is retried and then given back to "
        "the sweep is tested."
    ),
    "execution.executor.x__send__mutmut_3[01]": (
        "Not worth a test: the pause between sends after a 429 is wall-clock time, which no "
        "test asserts (the tests set it to 0); that a 429 is retried and then given back to "
        "the sweep is tested."
    ),
    "execution.executor.x__send__mutmut_10[0-2]": (
        "Equivalent: the last attempt always returns, so the assertion after the loop is "
        "never reached."
    ),
    "execution.executor.x__seen_in_trades__mutmut_*": (
        "Not reached by the tests: the sandbox venue answers /data/order for an order that "
        "traded too, so an unanswered send is found by its hash there; this look-up of the "
        "trade feed is for the real venue, which answers only for resting orders."
    ),
    "execution.executor.x__sync_fills_soon__mutmut_*": (
        "Not worth a test: the task's name is its label in the q-cluster's admin."
    ),
    "execution.executor.x__back_to_signed__mutmut_10": (
        "Not worth a test: a venue message is cut at 2,000 characters for the row; one over "
        "2,000 is not a case the venue sends."
    ),
    "execution.executor.x__mark_unknown__mutmut_12": (
        "Not worth a test: a venue message is cut at 2,000 characters for the row; one over "
        "2,000 is not a case the venue sends."
    ),
    "strategies.signing.x__known_credential__mutmut_10": (
        "Killed by a test added after this measurement (tests/intake/test_signature_rules.py::"
        "test_a_key_revoked_since_it_was_remembered_is_forgotten_when_read_again: a key "
        "revoked since it was remembered must be forgotten when read again); not run again "
        "yet."
    ),
    "strategies.signing.x_signed_request_verify__mutmut_49": REREAD,
    "strategies.signing.x_signed_request_verify__mutmut_57": REREAD,
    "strategies.signing.x_signed_request_verify__mutmut_58": REREAD,
    "ltproject.money.x_quantize_shares__mutmut_7": (
        "Equivalent: quantize takes only the exponent of its argument, and 2E-6 has the "
        "exponent of 1E-6."
    ),
}


# Reasons by what a mutant changes: (module's fnmatch pattern, regex over the mutant's changed
# lines, reason), for one kind of change wherever it is in a module.
DIFF_REASONS: list[tuple[str, str, str]] = [
    (
        "execution.stops.*",
        r'^\+.*bulk_update\(marked, \["mark_price", "marked_at", "peak_price"\], '
        r"(batch_size=(501|None))?\)$",
        "Equivalent: the batch size only splits the marks' UPDATE into statements of that many "
        "rows (one statement with none); every row is written the same.",
    ),
    (
        "strategies.signing.*",
        r'^\+.*int\(request\.META\.get\("CONTENT_LENGTH"\) or 1\)',
        "Equivalent: without a Content-Length the body size counts as 1 instead of 0, both "
        "far under the limit.",
    ),
    (
        "strategies.signing.*",
        r"^\+.*headers\.get\((KEY|TIMESTAMP|SIGNATURE)_HEADER, (None)?\)",
        'Equivalent: a missing header read as None instead of "" is refused the same way '
        '(`not None` and `not ""` are both true).',
    ),
    (
        "strategies.signing.*",
        r'^\+.*method=request\.method or "XXXX"',
        "Equivalent: Django always gives a request its method, so the default is never used.",
    ),
]


def survivor_reason(name: str, diff: str = "") -> str:
    import re
    from fnmatch import fnmatchcase

    for pattern, reason in SURVIVOR_REASONS.items():
        if fnmatchcase(name, pattern):
            return reason
    for module, regex, reason in DIFF_REASONS:
        if fnmatchcase(name, module) and re.search(regex, diff, re.MULTILINE):
            return reason
    return "unexplained"


def exclusion_reason(path: str, code: str) -> str:
    from fnmatch import fnmatchcase

    for (file, pattern), reason in EXCLUSIONS.items():
        if file == path and fnmatchcase(code, pattern):
            return reason
    return "no reason given"
