"""Markets, venue orders, fills, positions and the market data LT records."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ltproject.domain import OrderType, Side, TradingMode
from ltproject.money import MoneyField, PriceField, SharesField

_PRICE_IN_RANGE = {"price__gt": 0, "price__lt": 1}


class Market(models.Model):
    """A binary market (one condition) as the venue describes it."""

    condition_id = models.CharField(max_length=66, unique=True)
    question = models.TextField(blank=True)
    slug = models.CharField(max_length=255, blank=True)
    event_id = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        help_text="Event / neg-risk group, for exposure per event.",
    )
    neg_risk = models.BooleanField(default=False)
    exchange_version = models.PositiveSmallIntegerField(
        default=2,
        help_text="Exchange its orders are signed for: 2, or 3 for a protocol-V2 market.",
    )
    tick_size = PriceField(default="0.01")
    min_order_size = SharesField(default=5)
    fee_params = models.JSONField(default=dict, blank=True, help_text="Venue fee parameters.")
    active = models.BooleanField(default=True)
    accepting_orders = models.BooleanField(default=True)
    closed = models.BooleanField(default=False)
    end_date = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    winning_token_id = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_markets"
        constraints = [
            models.CheckConstraint(
                condition=Q(tick_size__gt=0, tick_size__lt=1), name="lt_markets_tick_range"
            ),
            models.CheckConstraint(
                condition=Q(min_order_size__gte=0), name="lt_markets_min_size_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.question[:60] or self.condition_id


class MarketToken(models.Model):
    """One outcome token (ERC-1155 position id) of a market."""

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="tokens")
    token_id = models.CharField(max_length=100, unique=True)
    outcome = models.CharField(max_length=100)
    outcome_index = models.PositiveSmallIntegerField()
    winner = models.BooleanField(null=True, blank=True)

    class Meta:
        db_table = "lt_market_tokens"
        constraints = [
            models.UniqueConstraint(
                fields=["market", "outcome_index"], name="lt_market_tokens_outcome_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.token_id[:12]}…)"


class OrderStatus(models.TextChoices):
    INTENT = "intent", "Intent (accepted, not signed)"
    SIGNED = "signed", "Signed (stored, not yet sent)"
    SUBMITTED = "submitted", "Submitted (outcome pending)"
    UNKNOWN = "unknown", "Unknown (ambiguous send, to look up by hash)"
    LIVE = "live", "Live (resting)"
    DELAYED = "delayed", "Delayed by the venue"
    MATCHED = "matched", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    REJECTED = "rejected", "Rejected"


TERMINAL_ORDER_STATUSES = (
    OrderStatus.MATCHED,
    OrderStatus.CANCELLED,
    OrderStatus.EXPIRED,
    OrderStatus.REJECTED,
)


class OrderPurpose(models.TextChoices):
    ENTRY = "entry", "Entry (from a signal)"
    EXIT_SIGNAL = "exit_signal", "Exit (from a signal)"
    STOP_LOSS = "stop_loss", "Stop-loss exit"
    TAKE_PROFIT = "take_profit", "Take-profit exit"
    TRAILING_STOP = "trailing_stop", "Trailing-stop exit"
    IMPORTED = "imported", "Imported by reconciliation"


class Order(models.Model):
    """One order LT meant to place, from intent to its final venue state.

    The signed order and its hash (`venue_order_id`) are stored before the POST, so an
    ambiguous send is resolved by looking the hash up, never by signing again.
    """

    strategy = models.ForeignKey(
        "strategies.Strategy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text="Empty for venue orders reconciliation found and no strategy owns.",
        db_index=False,  # lt_orders_strategy_status leads with it
    )
    signal = models.OneToOneField(
        "strategies.Signal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )
    risk_decision = models.OneToOneField(
        "risk.RiskDecision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order",
    )
    risk_check_passed = models.BooleanField(default=False)
    position = models.ForeignKey(
        "execution.Position",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exit_orders",
        help_text="The position an exit order closes.",
        db_index=False,  # lt_orders_position: exit orders only
    )
    redemption = models.ForeignKey(
        "redemption.Redemption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        db_index=False,  # lt_orders_redemption: merge orders only
    )
    market = models.ForeignKey(
        Market, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    token_id = models.CharField(max_length=100)
    side = models.CharField(max_length=4, choices=Side.choices)
    order_type = models.CharField(max_length=3, choices=OrderType.choices)
    purpose = models.CharField(
        max_length=16, choices=OrderPurpose.choices, default=OrderPurpose.ENTRY
    )
    mode = models.CharField(max_length=8, choices=TradingMode.choices)
    post_only = models.BooleanField(default=False)
    price = PriceField(help_text="Limit price.")
    size = SharesField()
    notional = MoneyField(help_text="price × size, pUSD.")
    reference_price = PriceField(null=True, blank=True, help_text="FT price, for slippage.")
    size_matched = SharesField(default=0)
    avg_fill_price = PriceField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.INTENT
    )
    # NULL until signed: many unsigned orders, one order per hash (lt_orders_venue_order_id_unique).
    venue_order_id = models.CharField(  # noqa: DJ001
        max_length=100, null=True, blank=True, help_text="Order hash."
    )
    signed_order = models.JSONField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds this order until then."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)
    first_fill_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_orders"
        ordering = ["-created_at"]
        # Declared here, not with db_index/unique on the fields: on PostgreSQL those add a
        # second `varchar_pattern_ops` index per text column, for LIKE queries LT never
        # makes, and every signal's INSERT would keep it up to date.
        indexes = [
            models.Index(fields=["strategy", "status"], name="lt_orders_strategy_status"),
            models.Index(fields=["token_id"], name="lt_orders_token_id"),
            models.Index(fields=["status"], name="lt_orders_status"),
            # Partial: most orders have neither, and an intent's INSERT skips both.
            models.Index(
                fields=["position"],
                name="lt_orders_position",
                condition=Q(position__isnull=False),
            ),
            models.Index(
                fields=["redemption"],
                name="lt_orders_redemption",
                condition=Q(redemption__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["venue_order_id"],
                name="lt_orders_venue_order_id_unique",
                condition=Q(venue_order_id__isnull=False),  # an intent has none yet
            ),
            models.CheckConstraint(condition=Q(**_PRICE_IN_RANGE), name="lt_orders_price_range"),
            models.CheckConstraint(
                condition=Q(reference_price__isnull=True)
                | Q(reference_price__gt=0, reference_price__lt=1),
                name="lt_orders_reference_price_range",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="lt_orders_size_positive"),
            models.CheckConstraint(
                condition=Q(notional__gte=0), name="lt_orders_notional_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(size_matched__gte=0) & Q(size_matched__lte=F("size")),
                name="lt_orders_size_matched_bounded",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="lt_orders_side_valid"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="lt_orders_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.size} @ {self.price} ({self.status})"


class TradeStatus(models.TextChoices):
    MATCHED = "MATCHED", "Matched"
    MINED = "MINED", "Mined"
    CONFIRMED = "CONFIRMED", "Confirmed"
    RETRYING = "RETRYING", "Retrying"
    FAILED = "FAILED", "Failed (voided)"


class Fill(models.Model):
    """One venue trade against one of LT's orders, recorded exactly once."""

    class TraderSide(models.TextChoices):
        TAKER = "TAKER", "Taker"
        MAKER = "MAKER", "Maker"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fills")
    venue_trade_id = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=TradeStatus.choices)
    side = models.CharField(max_length=4, choices=Side.choices)
    trader_side = models.CharField(max_length=5, choices=TraderSide.choices)
    price = PriceField(help_text="What the order got: a taker's VWAP over its maker legs.")
    size = SharesField()
    notional = MoneyField(default=0, help_text="pUSD of the shares before fees, leg by leg.")
    fee = MoneyField(default=0, help_text="pUSD the venue charged for this fill (takers).")
    legs = models.JSONField(
        default=list, blank=True, help_text="[price, shares] of each leg, on the order's token."
    )
    realised_pnl = MoneyField(
        default=0, help_text="P&L this fill realised on its position (sells), to undo a void."
    )
    position_shares = SharesField(
        null=True, blank=True, help_text="Shares a sell took off its position, to undo a void."
    )
    position_cost = MoneyField(
        null=True, blank=True, help_text="Cost basis those shares took with them."
    )
    transaction_hash = models.CharField(max_length=66, blank=True)
    match_time = models.DateTimeField()
    is_paper = models.BooleanField(default=False)
    voided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_fills"
        ordering = ["-match_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue_trade_id", "order"], name="lt_fills_trade_order_unique"
            ),
            models.CheckConstraint(condition=Q(**_PRICE_IN_RANGE), name="lt_fills_price_range"),
            models.CheckConstraint(condition=Q(size__gt=0), name="lt_fills_size_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="lt_fills_fee_non_negative"),
            models.CheckConstraint(
                condition=Q(status__in=TradeStatus.values), name="lt_fills_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue_trade_id} {self.size} @ {self.price}"


class PositionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed (sold)"
    RESOLVED_WON = "won", "Resolved: won (to redeem)"
    RESOLVED_LOST = "lost", "Resolved: lost (written off)"
    REDEEMED = "redeemed", "Redeemed"


class Position(models.Model):
    """A strategy's holding of one outcome token, from first fill to close or resolution."""

    strategy = models.ForeignKey(
        "strategies.Strategy", on_delete=models.PROTECT, related_name="positions"
    )
    market = models.ForeignKey(
        Market, null=True, blank=True, on_delete=models.PROTECT, related_name="positions"
    )
    token_id = models.CharField(max_length=100, db_index=True)
    mode = models.CharField(max_length=8, choices=TradingMode.choices)
    status = models.CharField(
        max_length=8, choices=PositionStatus.choices, default=PositionStatus.OPEN
    )
    size = SharesField(default=0)
    avg_cost = PriceField(default=0, help_text="Average entry price, pUSD per share.")
    cost_basis = MoneyField(default=0, help_text="pUSD paid for the shares still held.")
    realised_pnl = MoneyField(default=0)
    mark_price = PriceField(null=True, blank=True)
    marked_at = models.DateTimeField(null=True, blank=True)
    peak_price = PriceField(null=True, blank=True, help_text="Highest mark, for trailing stops.")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_positions"
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "token_id", "mode"],
                condition=Q(status="open"),
                name="lt_positions_one_open_per_token",
            ),
            models.CheckConstraint(condition=Q(size__gte=0), name="lt_positions_size_non_negative"),
            models.CheckConstraint(
                condition=Q(avg_cost__gte=0, avg_cost__lte=1), name="lt_positions_avg_cost_range"
            ),
            models.CheckConstraint(
                condition=Q(cost_basis__gte=0), name="lt_positions_cost_basis_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(mark_price__isnull=True) | Q(mark_price__gte=0, mark_price__lte=1),
                name="lt_positions_mark_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PositionStatus.values), name="lt_positions_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.strategy} {self.size} × {self.token_id[:12]}… ({self.status})"


class MidPrice(models.Model):
    """A mid price LT saw, kept for volatility-aware sizing."""

    token_id = models.CharField(max_length=100)
    mid = PriceField()
    observed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "lt_mid_prices"
        indexes = [
            models.Index(fields=["token_id", "observed_at"], name="lt_mid_prices_token_time")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(mid__gt=0, mid__lt=1), name="lt_mid_prices_range")
        ]

    def __str__(self) -> str:
        return f"{self.token_id[:12]}… {self.mid} at {self.observed_at:%Y-%m-%d %H:%M:%S}"


class SyncCursor(models.Model):
    """Where a paging sync (venue trades, chain logs) left off."""

    name = models.CharField(max_length=100, unique=True)
    cursor = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_sync_cursors"

    def __str__(self) -> str:
        return self.name


class ReconcileRun(models.Model):
    """One reconciliation pass and what it found; the wallet health check reads the latest.

    A balance mismatch is reported as persisting (`persisting`) only when the pass before
    found the same token off too: one pass can catch a settlement in flight.
    """

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    agreed = models.BooleanField(
        default=False, help_text="Every balance matched the ledger (a clean pass)."
    )
    fills_recorded = models.PositiveIntegerField(default=0)
    orders_imported = models.PositiveIntegerField(default=0)
    orders_closed = models.PositiveIntegerField(default=0)
    mismatches = models.JSONField(
        default=dict, blank=True, help_text="token id → [ledger shares, wallet shares]."
    )
    persisting = models.JSONField(
        default=list, blank=True, help_text="Tokens off in this pass and the one before."
    )
    collateral = MoneyField(null=True, blank=True, help_text="The wallet's pUSD, as seen.")
    error = models.TextField(blank=True, help_text="Why the pass did not finish.")

    class Meta:
        db_table = "lt_reconcile_runs"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return (
            f"reconcile {self.started_at:%Y-%m-%d %H:%M:%S} ({'clean' if self.agreed else 'off'})"
        )


class StreamStatus(models.Model):
    """What the venue stream (`manage.py lt_stream`) last said of one channel, for health."""

    channel = models.CharField(max_length=16, unique=True)  # market | user
    holder = models.CharField(max_length=64, blank=True, help_text="The acting process.")
    connected = models.BooleanField(default=False)
    subscribed = models.PositiveIntegerField(default=0, help_text="Tokens (market channel).")
    messages = models.BigIntegerField(default=0, help_text="Handled, by every acting process.")
    gaps = models.PositiveIntegerField(default=0, help_text="Reconnects, each healed by REST.")
    heals = models.PositiveIntegerField(
        default=0, help_text="REST snapshots taken on connecting (the first one included)."
    )
    last_gap_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    lag_ms = models.DecimalField(
        max_digits=12, decimal_places=1, null=True, blank=True,
        help_text="Age of the newest message when it was handled (venue timestamp).",
    )  # fmt: skip
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "lt_stream_status"

    def __str__(self) -> str:
        return f"{self.channel}: {'connected' if self.connected else 'down'}"
