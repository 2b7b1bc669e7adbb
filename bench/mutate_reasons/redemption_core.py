"""Survivors of the redemption pass's core steps in `redemption/services.py`: claiming, planning,
allocating and sending a redeem, following it to its receipt and booking its payout."""

from __future__ import annotations

_M = "redemption.services.x_"

STRICT_PLAN = (
    "Equivalent: the numerators come from the row written at detection (one per outcome token) "
    "or from the chain for `len(token_ids)` outcomes, and the balances are read for the same "
    "token ids, so the two lists always have the same length and `strict` has nothing to check."
)

STRICT_SPLIT = (
    "Equivalent: `_split` returns exactly one share per weight, and there is one weight per "
    "allocation, so the zip is always even and `strict` has nothing to check."
)

DECIMAL_SUM = (
    "Equivalent: the items summed are Decimals, and a sum of Decimals started at int 0 is the "
    "same Decimal; for no items the int 0 compares, multiplies and subtracts as ZERO does."
)

ONLY_TRUTH = (
    "Equivalent: `reverted` is only tested for truth (REVERTED if reverted else MINED), and "
    "None is as false as False."
)

SURVIVOR_REASONS: dict[str, str] = {
    # --- claiming
    f"{_M}redemption_claim__mutmut_1[45]": (
        "Not worth a test: without SKIP LOCKED a second worker waits for the first one's claim "
        "transaction, which holds the row lock only for the one UPDATE of the lease, and then "
        "PostgreSQL re-checks the row, finds it leased and takes the next due one: the same "
        "claims, a few milliseconds later."
    ),
    f"{_M}redemption_claim__mutmut_32": (
        "Equivalent: the row was just read in full under its row lock in this transaction, so "
        "saving every column writes back what was read plus the new lease and updated_at."
    ),
    f"{_M}_update_claimed__mutmut_10": (
        "Equivalent: every write that changes a redemption's state outside the lease holder "
        "(redemption_mark, redemption_retry, _fail_attempt) clears its lease in the same "
        "UPDATE, and the holder's own writes keep the object's state in step, so the lease "
        "filter alone already refuses every row whose state changed under us."
    ),
    f"{_M}_update_claimed__mutmut_13": (
        "Equivalent: nothing reads the ClaimLostError's message: process_one_redemption logs "
        "its own 'claim lost' line and _release_quietly suppresses the error."
    ),
    # --- the pass's loop
    f"{_M}redemptions_process__mutmut_1": (
        "Not worth a test: a wall-clock budget default (45 s vs 46 s) that the worker's job "
        "overrides and that only bounds how long one pass keeps claiming."
    ),
    f"{_M}redemptions_process__mutmut_5": (
        "Equivalent: `<` and `<=` differ only when the monotonic clock reads the deadline to the "
        "nanosecond; then one more redemption is claimed, which nothing can tell from the "
        "jitter of the pass's own duration."
    ),
    # --- planning and sending
    f"{_M}_plan__mutmut_2[589]": STRICT_PLAN,
    f"{_M}_plan__mutmut_18": (
        "Equivalent: `Chain.payout_numerators` reads 2 slots by default, and every condition LT "
        "redeems is a binary market's, with two outcome tokens, so `len(token_ids)` is 2."
    ),
    f"{_M}_approved__mutmut_87": ONLY_TRUTH,
    f"{_M}_follow__mutmut_44": ONLY_TRUTH,
    f"{_M}_approved__mutmut_27": (
        "Not worth a test: LT signs every transaction with its one key, so ChainTransaction "
        "rows of another sender exist only after an operator changed SIGNER_PRIVATE_KEY with "
        "an approval of the old wallet still unmined."
    ),
    f"{_M}_approved__mutmut_29": (
        "Not worth a test: a mined approval of this adapter is only found while the wallet is "
        "not approved if the owner revoked the approval outside LT; every other pass either "
        "finds the wallet approved or no approval transaction at all."
    ),
    f"{_M}_approved__mutmut_30": (
        "Equivalent: approvals are never replaced (only a redemption's own transaction is "
        "fee-bumped, by `_maybe_replace`), so replaced_by is always null on an approval."
    ),
    f"{_M}_approved__mutmut_98": (
        "Not worth a test: the text of the error of a reverted adapter approval; "
        "CTF.setApprovalForAll has no condition to revert on (on Polygon or the sandbox), so "
        "the branch is a guard whose message no chain at hand can produce."
    ),
    f"{_M}_follow__mutmut_12": (
        "Equivalent: a SIGNED transaction not sent up front is sent by `_wait_receipt` once the "
        "node does not know it, in the same pass; sending a BROADCAST one again is answered "
        "'already known' and changes no row (broadcast_at moves only from SIGNED). Only the "
        "wait of one receipt timeout differs."
    ),
    # --- booking
    f"{_M}_book__mutmut_43": (
        "Equivalent: a redemption is submitted only by `_start`, with the expected payout of a "
        "redeem that pays (an expected 0 closes it as a loss without a transaction) or the "
        "positive amount of a merge, so a booked redemption never expects 0."
    ),
    f"{_M}_allocate__mutmut_5": (
        "Equivalent: `select_related(None)` only drops the join: each allocation's position is "
        "then read by its own query, with the same token id."
    ),
    f"{_M}_allocate__mutmut_17": (
        "Equivalent: `_allocate` runs only for a redeem's redemption, written at detection with "
        "the chain's payout denominator, positive once the condition resolved, so the `or` "
        "fallback is never taken (merges, which have none, book through `_allocate_merge`)."
    ),
    f"{_M}_allocate__mutmut_28": DECIMAL_SUM,
    f"{_M}_allocate__mutmut_39": STRICT_SPLIT,
    f"{_M}_allocate__mutmut_4[23]": STRICT_SPLIT,
    f"{_M}_allocate__mutmut_50": (
        "Equivalent: the allocation was read under its row lock in this transaction and only "
        "its payout changed, so saving every column writes the same row."
    ),
    f"{_M}_orders_link__mutmut_3": (
        "Equivalent: the position itself was closed by `position_settle` just before, at now, "
        "after it opened, so `closed_at__lte=opened_at` already leaves it out."
    ),
    f"{_M}_orders_link__mutmut_11": (
        "Equivalent: a strategy holds at most one open position per token and mode "
        "(lt_positions_one_open_per_token), so every other such position closed before this "
        "one opened and the `closed_at__lte` filter removes none."
    ),
    f"{_M}_split__mutmut_5": DECIMAL_SUM,
    f"{_M}_split__mutmut_29": DECIMAL_SUM,
}

DIFF_REASONS: list[tuple[str, str, str]] = []
