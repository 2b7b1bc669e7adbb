"""Redemptions of resolved positions and the chain transactions that carry them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ltproject.money import MoneyField, SharesField


def WeiField(**kwargs: object) -> models.DecimalField:  # noqa: N802 - reads as a field class
    """A uint256 quantity (wei, gas, nonces): 78 digits hold 2**256."""
    return models.DecimalField(max_digits=78, decimal_places=0, **kwargs)  # type: ignore[arg-type]


class TransactionStatus(models.TextChoices):
    SIGNED = "signed", "Signed, not broadcast"
    BROADCAST = "broadcast", "Broadcast"
    MINED = "mined", "Mined"
    CONFIRMED = "confirmed", "Confirmed (at depth)"
    REVERTED = "reverted", "Reverted"
    REPLACED = "replaced", "Replaced by a fee bump"
    DROPPED = "dropped", "Dropped"


class RedemptionRoute(models.TextChoices):
    COLLATERAL_ADAPTER = "collateral_adapter", "Collateral adapter (standard market)"
    NEG_RISK_ADAPTER = "neg_risk_adapter", "Neg-risk adapter"
    CTF_LEGACY = "ctf_legacy", "CTF directly (legacy collateral)"
    NONE = "none", "No transaction (loss)"


class RedemptionKind(models.TextChoices):
    REDEEM = "redeem", "Redeem a resolved condition"
    MERGE = "merge", "Merge YES and NO back into collateral"


class WalletType(models.TextChoices):
    """Who holds the positions and how a call reaches the chain (CLOB signature types)."""

    EOA = "eoa", "EOA (signature type 0): sends its own transactions"
    PROXY = "proxy", "Polymarket proxy wallet (type 1): through the relayer"
    SAFE = "safe", "Gnosis Safe (type 2): through the relayer"
    DEPOSIT_WALLET = "deposit_wallet", "Deposit wallet (type 3): through the relayer"


class RelayState(models.TextChoices):
    """The relayer's transaction states (STATE_NEW ... STATE_FAILED) plus our own `signed`."""

    SIGNED = "signed", "Signed, not yet accepted by the relayer"
    NEW = "STATE_NEW", "Accepted by the relayer"
    EXECUTED = "STATE_EXECUTED", "Sent to the chain"
    MINED = "STATE_MINED", "Mined"
    CONFIRMED = "STATE_CONFIRMED", "Confirmed"
    FAILED = "STATE_FAILED", "Failed on-chain"
    INVALID = "STATE_INVALID", "Refused as invalid"


class RedemptionState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUBMITTED = "submitted", "Submitted"
    CONFIRMED = "confirmed", "Confirmed"
    FAILED = "failed", "Failed"
    NOT_NEEDED = "not_needed", "Not needed (loss or already redeemed)"


class ChainNonce(models.Model):
    """The single allocator of nonces for one sending address (taken under a row lock)."""

    chain_id = models.PositiveBigIntegerField()
    address = models.CharField(max_length=42)
    next_nonce = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_chain_nonces"
        constraints = [
            models.UniqueConstraint(fields=["chain_id", "address"], name="lt_chain_nonces_unique")
        ]

    def __str__(self) -> str:
        return f"{self.address}@{self.chain_id}: {self.next_nonce}"


class ChainTransaction(models.Model):
    """One signed transaction, stored (raw and hash) before it is broadcast."""

    chain_id = models.PositiveBigIntegerField()
    from_address = models.CharField(max_length=42)
    to_address = models.CharField(max_length=42)
    nonce = models.PositiveBigIntegerField()
    purpose = models.CharField(max_length=32, blank=True)
    data = models.TextField(blank=True, help_text="Call data, hex.")
    value = WeiField(default=0)
    gas_limit = WeiField(null=True, blank=True)
    max_fee_per_gas = WeiField(null=True, blank=True)
    max_priority_fee_per_gas = WeiField(null=True, blank=True)
    raw_transaction = models.TextField(help_text="Signed raw transaction, hex.")
    tx_hash = models.CharField(max_length=66, unique=True)
    status = models.CharField(
        max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.SIGNED
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    block_number = models.PositiveBigIntegerField(null=True, blank=True)
    receipt = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    mined_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lt_chain_transactions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["chain_id", "from_address", "nonce"], name="lt_chain_tx_nonce")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TransactionStatus.values), name="lt_chain_tx_status"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="lt_chain_tx_value"),
            # One allocator hands each nonce out once; only a fee-bump replacement reuses it.
            models.UniqueConstraint(
                fields=["chain_id", "from_address", "nonce"],
                condition=Q(replaces__isnull=True),
                name="lt_chain_tx_nonce_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tx_hash[:12]}… nonce {self.nonce} ({self.status})"


class RelayedTransaction(models.Model):
    """One wallet call signed by the EOA and carried to the chain by Polymarket's relayer.

    The exact request body is stored before it is posted: after a crash the same bytes are
    posted again (the wallet's own nonce makes a second execution impossible), never a new
    signature for a nonce that may already be on its way.
    """

    wallet_type = models.CharField(max_length=16, choices=WalletType.choices)
    signer_address = models.CharField(max_length=42)
    wallet_address = models.CharField(max_length=42)
    nonce = WeiField()
    purpose = models.CharField(max_length=32, blank=True)
    to_address = models.CharField(max_length=42, help_text="The contract the wallet calls.")
    data = models.TextField(help_text="Call data, hex.")
    request = models.JSONField(help_text="The body posted to the relayer's /submit.")
    transaction_id = models.CharField(max_length=80, blank=True)
    tx_hash = models.CharField(max_length=66, blank=True)
    state = models.CharField(max_length=16, choices=RelayState.choices, default=RelayState.SIGNED)
    error = models.TextField(blank=True)
    posts = models.PositiveIntegerField(default=0, help_text="How often the body was posted.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_relayed_transactions"
        ordering = ["-created_at"]
        constraints = [
            # A wallet nonce is signed once, unless the relayer refused that signature for good.
            models.UniqueConstraint(
                fields=["wallet_address", "wallet_type", "nonce"],
                condition=~Q(state__in=["STATE_FAILED", "STATE_INVALID"]),
                name="lt_relayed_tx_nonce_once",
            ),
            models.CheckConstraint(
                condition=Q(state__in=RelayState.values), name="lt_relayed_tx_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wallet_type} {self.wallet_address[:10]}… nonce {self.nonce} ({self.state})"


class Redemption(models.Model):
    """Claiming collateral back from one wallet's positions in one condition: redeeming (or
    writing off) a resolved condition, or merging YES and NO held together before it."""

    kind = models.CharField(
        max_length=8, choices=RedemptionKind.choices, default=RedemptionKind.REDEEM
    )
    wallet_type = models.CharField(
        max_length=16, choices=WalletType.choices, default=WalletType.EOA
    )
    condition_id = models.CharField(max_length=66)
    market = models.ForeignKey(
        "execution.Market",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    wallet_address = models.CharField(max_length=42)
    route = models.CharField(max_length=20, choices=RedemptionRoute.choices)
    state = models.CharField(
        max_length=10, choices=RedemptionState.choices, default=RedemptionState.PENDING
    )
    index_sets = models.JSONField(default=list, blank=True)
    token_ids = models.JSONField(
        default=list, blank=True, help_text="CTF position id per index set, decimal strings."
    )
    payout_numerators = models.JSONField(default=list, blank=True)
    payout_denominator = models.PositiveBigIntegerField(null=True, blank=True)
    collateral_token = models.CharField(
        max_length=42, blank=True, help_text="The token the redeem pays in (balance checked)."
    )
    outcome_code = models.CharField(
        max_length=32,
        blank=True,
        help_text="Why it ended as it did: PAID, LOSS, ALREADY_REDEEMED, PAID_NOTHING, ...",
    )
    amounts = models.JSONField(default=list, blank=True, help_text="Shares per outcome.")
    expected_payout = MoneyField(null=True, blank=True)
    actual_payout = MoneyField(null=True, blank=True)
    collateral_before = MoneyField(null=True, blank=True)
    collateral_after = MoneyField(null=True, blank=True)
    transaction = models.ForeignKey(
        ChainTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    relayed = models.ForeignKey(
        RelayedTransaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
        help_text="The relayer call carrying it (Safe, proxy and deposit wallets).",
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_redemptions"
        ordering = ["-created_at"]
        constraints = [
            # One redemption per wallet and resolved condition; at most one merge in flight.
            models.UniqueConstraint(
                fields=["wallet_address", "condition_id"],
                condition=Q(kind="redeem"),
                name="lt_redemptions_wallet_condition",
            ),
            models.UniqueConstraint(
                fields=["wallet_address", "condition_id"],
                condition=Q(kind="merge", state__in=["pending", "submitted"]),
                name="lt_redemptions_one_open_merge",
            ),
            models.CheckConstraint(
                condition=(Q(expected_payout__isnull=True) | Q(expected_payout__gte=0))
                & (Q(actual_payout__isnull=True) | Q(actual_payout__gte=0)),
                name="lt_redemptions_payouts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(state__in=RedemptionState.values), name="lt_redemptions_state"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.condition_id[:12]}… {self.state}"


class RedemptionAllocation(models.Model):
    """One strategy's share of a redemption: a wallet serves many strategies."""

    redemption = models.ForeignKey(Redemption, on_delete=models.CASCADE, related_name="allocations")
    position = models.ForeignKey(
        "execution.Position", on_delete=models.PROTECT, related_name="redemption_allocations"
    )
    strategy = models.ForeignKey(
        "strategies.Strategy", on_delete=models.PROTECT, related_name="redemption_allocations"
    )
    shares = SharesField()
    payout = MoneyField(null=True, blank=True)

    class Meta:
        db_table = "lt_redemption_allocations"
        constraints = [
            models.UniqueConstraint(
                fields=["redemption", "position"], name="lt_redemption_alloc_unique"
            ),
            models.CheckConstraint(condition=Q(shares__gte=0), name="lt_redemption_alloc_shares"),
            models.CheckConstraint(
                condition=Q(payout__isnull=True) | Q(payout__gte=0),
                name="lt_redemption_alloc_payout",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy_id}: {self.shares} shares of {self.redemption}"
