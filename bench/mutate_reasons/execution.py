"""Survivors of `execution/fills.py`, `stops.py` and `executor.py`."""

from __future__ import annotations

VWAP_SUM = (
    "Equivalent: without shares vwap returns 0 before using the sums; with legs the sum of "
    "Decimals started at int 0 is the same Decimal."
)

FILL_PRICE_UNREAD = (
    "Equivalent: the position functions read the price only to compute the pUSD when no "
    "notional is given, and a fill always passes its stored notional (a non-null column)."
)

SURVIVOR_REASONS: dict[str, str] = {
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
    "execution.fills.x__apply__mutmut_45": FILL_PRICE_UNREAD,
    "execution.fills.x__void__mutmut_36": FILL_PRICE_UNREAD,
    "execution.fills.x__void__mutmut_14": (
        "Equivalent in LT: every BUY of a strategy is an entry and every entry a BUY (exits "
        "sell; imported orders own no strategy and return before this)."
    ),
    "execution.fills.x_slippage_bps__mutmut_4": (
        "Equivalent: the one caller (`_apply`) measures slippage only for an order with a "
        "reference price, so the fallback for a missing one is never taken."
    ),
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
    "execution.executor.x__seen_in_trades__mutmut_[16]": (
        "Equivalent: the look-up reads the market's trades from further back (or all of them); "
        "an order's hash is unique, so it finds the same trade, only through more pages."
    ),
    "execution.executor.x__seen_in_trades__mutmut_1[56]": (
        "Equivalent: the look-up reads all the market's trades, not only those from a minute "
        "before the post on; an order's hash is unique, so it finds the same trade."
    ),
    "execution.executor.x__seen_in_trades__mutmut_17": (
        "Equivalent: without the market filter the look-up reads every trade of the account "
        "from a minute before the post on; an order's hash is unique, so it finds the same "
        "trade."
    ),
    "execution.executor.x__seen_in_trades__mutmut_8": (
        "Not worth a test: the sandbox's trade feed finds a token's trades by any of their "
        "legs, so asking by token finds what asking by market does; the real venue lists a "
        "maker fill against the other outcome under the taker's token (reference/"
        "reliability.md section 3), which is why the market is asked for."
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
    "execution.executor.x__claim_and_store__mutmut_2[0-2]": (
        "Equivalent: the in-memory lease and attempt count of the claimed order are never "
        "read; every way out of the send reads the row back (the ack's UPDATE ... RETURNING, "
        "refresh_from_db or a fresh get) before the order is returned."
    ),
    "execution.executor.x__observe_send__mutmut_5": (
        "Not worth a test: 1001 for 1000 reads a send's wall-clock latency 0.1 % high, less "
        "than the measure's own jitter; the unit (ms, not s) is tested with a slowed send."
    ),
    "execution.executor.x__send__mutmut_14": (
        "Equivalent: a fourth attempt is never reached, as each refusal continues only while "
        "attempt < SEND_ATTEMPTS and the last attempt always returns."
    ),
    "execution.executor.x__send__mutmut_62": (
        "Equivalent: UNKNOWN_GRACE is order_resolve_unknown's default for resend_after."
    ),
    "execution.executor.x__sign__mutmut_38": (
        "Equivalent: the order was claimed as an intent under its lease just before, and the "
        "executor is the only writer of an intent's row, so the row is still an intent here."
    ),
    "execution.executor.x_order_claim__mutmut_25": (
        "Equivalent: without select_related the claimed order's market is read on first use, "
        "the same row one query later."
    ),
}

DIFF_REASONS: list[tuple[str, str, str]] = [
    (
        "execution.stops.*",
        r'^\+.*bulk_update\(marked, \["mark_price", "marked_at", "peak_price"\], '
        r"(batch_size=(501|None))?\)$",
        "Equivalent: the batch size only splits the marks' UPDATE into statements of that many "
        "rows (one statement with none); every row is written the same.",
    ),
]
