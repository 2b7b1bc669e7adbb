"""Survivors of `redemption/services.py`."""

from __future__ import annotations

_M = "redemption.services.x_"

MERGE_AMOUNTS = (
    "Equivalent: a merge's `amounts` holds the same amount for each outcome (merges_plan "
    "writes `[str(total)] * len(tokens)`, for the two outcomes of a binary market), so any "
    "index reads the same amount."
)

BOOK_NONE = (
    "Equivalent: `book` is only tested for truth (`if book:`), and None is as false as False."
)

STRICT_ZIP = (
    "Equivalent: the sequences zipped always have one item per allocation (a position per "
    "allocation, a price per position, a share per weight), so `strict` never has anything "
    "to check."
)

SURVIVOR_REASONS: dict[str, str] = {
    f"{_M}_release__mutmut_1[3-7]": (
        "Equivalent: no caller passes `attempt=True` (a failed attempt is counted by "
        "`_fail_attempt`, which writes its own row), so the branch that counts it never runs."
    ),
    f"{_M}_fail_attempt__mutmut_20": (
        "Not worth a test: the PENDING filter guards only against a change between the "
        "`refresh_from_db()` two lines above and the UPDATE (an operator marking the row in "
        "that instant); without such a write in between the row read is still pending and "
        "both filters select it."
    ),
    f"{_M}_merge_call__mutmut_6": BOOK_NONE,
    f"{_M}_merge_call__mutmut_29": BOOK_NONE,
    f"{_M}_merge_call__mutmut_15": MERGE_AMOUNTS,
    f"{_M}redemption_preview__mutmut_28": MERGE_AMOUNTS,
    f"{_M}_wait_receipt__mutmut_10": (
        "Equivalent: `>` and `>=` differ only when the monotonic clock reads the deadline to "
        "the nanosecond; then the loop polls once more and meets the deadline at its next "
        "read, 0.05 s later, which nothing can tell from a receipt timeout's own jitter."
    ),
    f"{_M}_allocate_merge__mutmut_5": (
        "Equivalent: the one query locks every allocation of the merge either way, and the "
        "dict groups each strategy's legs in pk order either way; only the order in which the "
        "strategies are booked, inside one transaction, changes."
    ),
    f"{_M}_allocate_merge__mutmut_6": (
        "Equivalent: a strategy's legs of a merge are the YES and NO of one binary market; "
        "their prices are q(c/t) and 1 − q(c/t), and since q rounds half-even to 6 places, "
        "q(c/t) + q(c'/t) = 1 for c + c' = t: either leg may take the remainder, the prices "
        "are the same."
    ),
    f"{_M}_allocate_merge__mutmut_25": STRICT_ZIP,
    f"{_M}_allocate_merge__mutmut_29": STRICT_ZIP,
    f"{_M}_allocate_merge__mutmut_31": STRICT_ZIP,
    f"{_M}_allocate_merge__mutmut_34": (
        "Equivalent in LT: an open position never has size 0 (a sale down to 0 closes it, "
        "and merges are planned for positions of size > 0 only), so `< 0` and `<= 0` skip the "
        "same open legs."
    ),
    f"{_M}_allocate_merge__mutmut_43": (
        "Equivalent: `position_apply_fill` treats every side other than BUY as a sale, so "
        "None sells as SELL does."
    ),
    f"{_M}_allocate_merge__mutmut_53": (
        "Equivalent: the allocation was read under its row lock in this transaction, and "
        "only its payout changed, so saving every column writes the same row."
    ),
    f"{_M}_merge_prices__mutmut_6": (
        "Equivalent: the costs are Decimals, and a sum of Decimals started at int 0 is the "
        "same Decimal (`total <= 0` reads it the same way)."
    ),
    f"{_M}_merge_prices__mutmut_28": (
        "Equivalent: a sum of Decimals started at int 0 is the same Decimal, and for a single "
        "leg the empty sum 0 subtracted from Decimal(1) is Decimal(1) either way."
    ),
    f"{_M}_tx_hash__mutmut_[56]": (
        "Equivalent: a redemption is SUBMITTED only by `_start`, in the same UPDATE that "
        "stores its transaction or its relayed call, so a submitted one always has one of "
        "the two and the empty-hash fallback is never taken."
    ),
    f"{_M}_alert__mutmut_4[579]": (
        "Equivalent: every code `_alert` is called with (overdue, failed, paid nothing, "
        "payout mismatch, balance short) has an entry in `_ACTIONS`, so the default is never "
        "used."
    ),
    f"{_M}_follow_relayed__mutmut_48": (
        "Not worth a test: the relayed row's state is recorded from the relayer's answer by "
        "`relayed_wait` (the sandbox relayer answers STATE_CONFIRMED at the read that finds "
        "the receipt), so only a relayer still saying STATE_MINED would leave the row MINED "
        "rather than CONFIRMED: a label no rule reads for a redeem or merge call (only "
        "approvals are looked up by their state, in `relayed_open_for`)."
    ),
    f"{_M}_approved_relayed__mutmut_31": (
        "Equivalent: when the wallet's next nonce is held by another call, the redeem signed "
        "next asks the relayer for the same nonce, hits the same constraint and is released "
        "the same way, with the same error and delay."
    ),
    f"{_M}redemption_claim__mutmut_32": (
        "Equivalent: the row was just read under its row lock in this transaction and only "
        "its lease changed, so saving every column writes the same row."
    ),
    f"{_M}redemption_claim__mutmut_1[45]": (
        "Not worth a test: without SKIP LOCKED a second worker waits for the first's short "
        "claim transaction, then PostgreSQL re-checks the row, finds its new lease and skips "
        "it: the same claims, after a wait of milliseconds (tests/redemption/test_faults.py "
        "runs three workers at once)."
    ),
    f"{_M}_update_claimed__mutmut_8": (
        "Equivalent in practice: the filter also names the claim's lease, its claim instant "
        "plus three minutes to the microsecond, which no other row shares (and a second "
        "match would raise ClaimLostError, as a lost claim does)."
    ),
    f"{_M}_update_claimed__mutmut_13": (
        "Equivalent: the ClaimLostError's message is never read (the pass logs 'claim lost' "
        "by the redemption's id, and a quiet release suppresses it)."
    ),
    f"{_M}redemptions_process__mutmut_1": (
        "Not worth a test: the pass's wall-clock budget (45 s) only bounds how long a pass "
        "runs; no test asserts wall-clock time."
    ),
    f"{_M}redemptions_process__mutmut_5": (
        "Equivalent: `<` and `<=` differ only when the monotonic clock reads the deadline to "
        "the nanosecond, and then only by one more claim that the next pass would make."
    ),
    f"{_M}_plan__mutmut_1[5-8]": (
        "Equivalent in LT: the resolution stores the payout numerators on every redemption "
        "it opens (resolution.py), so the chain fallback for a row without them is never "
        "called."
    ),
    f"{_M}_plan__mutmut_2[589]": (
        "Equivalent: the numerators have one slot per token id (stored by the resolution, "
        "which reads one per token, or read here for len(token_ids)), as the balances do."
    ),
    f"{_M}_allocate__mutmut_5": (
        "Equivalent: `select_related(None)` drops the join, so each allocation's position is "
        "read by its own query: the same rows, more queries."
    ),
    f"{_M}_allocate__mutmut_17": (
        "Equivalent in LT: `_allocate` runs for resolved redemptions only, whose payout "
        "denominator is stored by the resolution and is positive; the fallback is never used."
    ),
    f"{_M}_allocate__mutmut_28": (
        "Equivalent: the weights are Decimals, and a sum of Decimals started at int 0 is the "
        "same Decimal (for no allocations, 0 splits into nothing either way)."
    ),
    f"{_M}_allocate__mutmut_39": STRICT_ZIP,
    f"{_M}_allocate__mutmut_42": STRICT_ZIP,
    f"{_M}_allocate__mutmut_43": STRICT_ZIP,
    f"{_M}_allocate__mutmut_50": (
        "Equivalent: the allocation was read under its row lock in this transaction, and "
        "only its payout changed, so saving every column writes the same row."
    ),
    f"{_M}_split__mutmut_5": (
        "Equivalent: the weights are Decimals, and a sum of Decimals started at int 0 is the "
        "same Decimal (`total == 0` reads it the same way)."
    ),
    f"{_M}_split__mutmut_29": (
        "Equivalent: the shares are Decimals (never empty here), and a sum of Decimals "
        "started at int 0 is the same Decimal."
    ),
    f"{_M}_merge_call__mutmut_45": (
        "Not worth a test: the collateral is read only on the CTF_LEGACY route, for a pair "
        "minted on the CTF against pUSD itself, which the CLOB's markets never are (their "
        "tokens are keyed to the legacy collateral and merge through the collateral adapter, "
        "or are neg-risk); the same field is what the legacy redeem sends, which "
        "tests/redemption/test_redeem.py pins, and no sandbox helper mints such a pair."
    ),
}

DIFF_REASONS: list[tuple[str, str, str]] = []
