"""Outcome and alert codes of resolution and redemption (stored on rows; add, never rename)."""

from __future__ import annotations

from django.db import models


class RedemptionCode(models.TextChoices):
    PAID = "PAID", "Redeemed; the collateral arrived as expected"
    LOSS = "LOSS", "Lost at payout 0: written off, no transaction"
    ALREADY_REDEEMED = "ALREADY_REDEEMED", "Balance was 0 (redeemed elsewhere): not a payout"
    PAID_NOTHING = "PAID_NOTHING", "The redeem succeeded but paid nothing (wrong collateral?)"
    PAYOUT_MISMATCH = "PAYOUT_MISMATCH", "The collateral received differs from the expected payout"
    REVERTED = "REVERTED", "The redeem transaction reverted"
    MAX_ATTEMPTS = "MAX_ATTEMPTS", "Gave up after the maximum number of attempts"
    UNKNOWN_COLLATERAL = "UNKNOWN_COLLATERAL", "Token ids match no known collateral"
    MANUAL = "MANUAL", "Marked by an operator"
    MERGED = "MERGED", "YES and NO merged back into collateral"
    RESOLVED_FIRST = "RESOLVED_FIRST", "Resolved before the merge was sent: redeemed instead"
    BALANCE_SHORT = "BALANCE_SHORT", "The wallet holds fewer shares on-chain than the ledger"
    RELAYER_REFUSED = "RELAYER_REFUSED", "The relayer refused or failed the wallet call"


class RedemptionAlert(models.TextChoices):
    OVERDUE = "REDEMPTION_OVERDUE", "A winner is still unredeemed an hour after resolution"
    FAILED = "REDEMPTION_FAILED", "A redemption failed"
    PAID_NOTHING = "REDEMPTION_PAID_NOTHING", "A redeem paid nothing"
    PAYOUT_MISMATCH = "REDEMPTION_PAYOUT_MISMATCH", "A redeem paid other than expected"
    RESOLUTION_MISMATCH = "RESOLUTION_MISMATCH", "The venue's winner differs from the chain's"
    BALANCE_SHORT = "REDEMPTION_BALANCE_SHORT", "The chain holds fewer shares than the ledger"
