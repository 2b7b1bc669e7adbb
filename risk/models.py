"""Risk rules, trading state, budget windows, decisions and circuit breakers."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ltproject.domain import OrderType
from ltproject.money import MoneyField, PercentField, PriceField, SharesField

from .reasons import ReasonCode
from .vocabulary import BreakerKind, BudgetPeriod, SizingMode, TradingState

__all__ = ["BreakerKind", "BudgetPeriod", "SizingMode", "TradingState"]


_NON_NEGATIVE = [MinValueValidator(Decimal(0))]
_PERCENT = [
    MinValueValidator(Decimal("0.0001"), message="Must be above 0."),
    MaxValueValidator(Decimal(100), message="Must be at most 100."),
]


def _null_or_gte(field: str, value: int | str = 0) -> Q:  # pragma: no mutate block
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": value})


def _null_or_pct(field: str) -> Q:  # pragma: no mutate block
    """A percentage strictly above 0 and at most 100, or no limit."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gt": 0, f"{field}__lte": 100})


_MONEY_LIMITS = (
    "budget_daily",
    "budget_weekly",
    "budget_monthly",
    "max_exposure_per_market",
    "max_exposure_per_event",
    "min_order_notional",
    "max_order_notional",
    "sizing_notional",
    "breaker_min_depth",
)
_PERCENTS = (
    "max_drawdown_pct",
    "sizing_percent",
    "stop_loss_pct",
    "trailing_stop_pct",
)


class RiskRules(models.Model):
    """Every rule of the plan for one strategy. Empty (null) means "no limit"."""

    # Budgets: notional reserved at acceptance, spent at fill, released when unfilled.
    budget_daily = MoneyField(
        validators=_NON_NEGATIVE,
        null=True,
        blank=True,
        default=100,
        help_text="pUSD per calendar day.",
    )
    budget_weekly = MoneyField(
        validators=_NON_NEGATIVE, null=True, blank=True, help_text="pUSD per ISO week."
    )
    budget_monthly = MoneyField(
        validators=_NON_NEGATIVE,
        null=True,
        blank=True,
        help_text="pUSD per calendar month.",
    )
    budget_timezone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="IANA time zone whose calendar days, weeks and months the budgets follow.",
    )
    capital = MoneyField(
        default=1000,
        help_text="pUSD allocated to the strategy: the base of its equity (capital + realised "
        "P&L + open positions at the mid), used by drawdown and percent_equity sizing.",
    )
    # Pauses.
    max_drawdown_pct = PercentField(
        validators=_PERCENT,
        null=True,
        blank=True,
        default=20,
        help_text="Halt when equity falls this many percent below its peak.",
    )
    drawdown_pause_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Auto-resume after this long; empty = resume by hand.",
    )
    max_consecutive_losses = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=5,
        help_text="Pause after this many losing closes in a row.",
    )
    loss_streak_pause_minutes = models.PositiveIntegerField(
        null=True, blank=True, default=60, help_text="Empty = resume by hand."
    )
    # Exposure and positions.
    max_exposure_per_market = MoneyField(
        validators=_NON_NEGATIVE,
        null=True,
        blank=True,
        help_text="pUSD cost in one market, YES and NO netted.",
    )
    max_exposure_per_event = MoneyField(
        validators=_NON_NEGATIVE,
        null=True,
        blank=True,
        help_text="pUSD cost across one event / neg-risk group.",
    )
    max_concurrent_positions = models.PositiveIntegerField(null=True, blank=True)
    max_positions_per_market = models.PositiveIntegerField(null=True, blank=True)
    max_orders_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Entries the strategy may have accepted in any 60 seconds; empty = no limit.",
    )
    min_order_notional = MoneyField(
        validators=_NON_NEGATIVE, null=True, blank=True, help_text="pUSD."
    )
    max_order_notional = MoneyField(
        validators=_NON_NEGATIVE, null=True, blank=True, default=25, help_text="pUSD."
    )
    # Sizing.
    sizing_mode = models.CharField(
        max_length=20, choices=SizingMode.choices, default=SizingMode.FIXED_NOTIONAL
    )
    sizing_notional = MoneyField(
        validators=_NON_NEGATIVE,
        null=True,
        blank=True,
        default=10,
        help_text="pUSD per order (fixed_notional).",
    )
    sizing_percent = PercentField(
        validators=_PERCENT,
        null=True,
        blank=True,
        help_text="Percent of equity per order (percent_equity).",
    )
    sizing_multiplier = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="ft_proportional.",
    )
    sizing_target_vol = models.DecimalField(
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Target volatility of mid prices (volatility_target).",
    )
    sizing_lookback_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Window of recorded mid prices for volatility."
    )
    # Exits.
    stop_loss_pct = PercentField(
        validators=_PERCENT,
        null=True,
        blank=True,
        help_text="Exit below cost by this %.",
    )
    # A gain can exceed 100 % (bought at 0.30, worth 0.90), so only the floor is checked.
    take_profit_pct = PercentField(
        validators=_PERCENT[:1],
        null=True,
        blank=True,
        help_text="Exit above cost by this %.",
    )
    trailing_stop_pct = PercentField(
        validators=_PERCENT,
        null=True,
        blank=True,
        help_text="Exit this % below the highest mark since entry.",
    )
    # Holding YES and NO of one market locks in $1 per pair at resolution anyway; merging
    # them back into pUSD on-chain frees that capital now.
    merge_positions = models.BooleanField(
        default=True,
        help_text="Merge YES and NO held together in one market back into pUSD.",
    )
    # Circuit breakers.
    breaker_max_slippage_bps = models.PositiveIntegerField(null=True, blank=True)
    breaker_max_spread = PriceField(
        null=True,
        blank=True,
        help_text="Best ask − best bid above this trips the breaker.",
    )
    breaker_max_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    breaker_min_depth = MoneyField(
        validators=_NON_NEGATIVE,
        null=True,
        blank=True,
        help_text="pUSD on the side an order takes, within its limit.",
    )
    breaker_max_error_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Share of venue calls failing (0–1) that trips the breaker.",
    )
    breaker_resume_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, default=15, help_text="Empty = resume by hand."
    )
    breaker_resume_when_normal = models.BooleanField(
        default=False,
        help_text="Resume only once the input has stayed under its threshold for the "
        "resume period, rather than when the period ends.",
    )
    # Orders.
    order_type = models.CharField(max_length=3, choices=OrderType.choices, default=OrderType.FAK)
    order_ttl_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Resting orders (GTC/GTD) are cancelled after this.",
    )
    order_max_slippage_bps = models.PositiveIntegerField(
        default=200, help_text="Limit price = FT price ± this many basis points."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_risk_rules"
        verbose_name = "risk rules"
        verbose_name_plural = "risk rules"
        constraints = [
            *(
                models.CheckConstraint(
                    condition=_null_or_gte(f), name=f"lt_risk_rules_{f}_non_negative"
                )
                for f in _MONEY_LIMITS
            ),
            *(
                models.CheckConstraint(condition=_null_or_pct(f), name=f"lt_risk_rules_{f}_pct")
                for f in _PERCENTS
            ),
            models.CheckConstraint(
                condition=Q(capital__gt=0), name="lt_risk_rules_capital_positive"
            ),
            models.CheckConstraint(
                condition=Q(take_profit_pct__isnull=True) | Q(take_profit_pct__gt=0),
                name="lt_risk_rules_take_profit_pct_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_order_notional__isnull=True)
                | Q(max_order_notional__isnull=True)
                | Q(min_order_notional__lte=F("max_order_notional")),
                name="lt_risk_rules_notional_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(sizing_multiplier__isnull=True) | Q(sizing_multiplier__gt=0),
                name="lt_risk_rules_sizing_multiplier_positive",
            ),
            models.CheckConstraint(
                condition=Q(sizing_target_vol__isnull=True) | Q(sizing_target_vol__gt=0),
                name="lt_risk_rules_sizing_target_vol_positive",
            ),
            models.CheckConstraint(
                condition=Q(breaker_max_spread__isnull=True)
                | Q(breaker_max_spread__gt=0, breaker_max_spread__lt=1),
                name="lt_risk_rules_breaker_max_spread_range",
            ),
            models.CheckConstraint(
                condition=Q(breaker_max_error_rate__isnull=True)
                | Q(breaker_max_error_rate__gt=0, breaker_max_error_rate__lte=1),
                name="lt_risk_rules_breaker_max_error_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(sizing_mode__in=SizingMode.values),
                name="lt_risk_rules_sizing_mode",
            ),
            models.CheckConstraint(
                condition=Q(order_type__in=OrderType.values),
                name="lt_risk_rules_order_type",
            ),
            models.CheckConstraint(
                condition=~Q(order_type=OrderType.GTD) | Q(order_ttl_seconds__gt=0),
                name="lt_risk_rules_gtd_needs_ttl",
            ),
        ]

    def __str__(self) -> str:  # pragma: no mutate block
        strategy = getattr(self, "strategy", None)
        return f"rules of {strategy}" if strategy else f"risk rules #{self.pk}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.budget_timezone not in _timezones():
            errors["budget_timezone"] = f"Unknown time zone {self.budget_timezone!r}."
        if (
            self.min_order_notional is not None
            and self.max_order_notional is not None
            and self.min_order_notional > self.max_order_notional
        ):
            errors["min_order_notional"] = "Must not exceed max_order_notional."
        errors.update(self._sizing_errors())
        if self.order_type == OrderType.GTD and not self.order_ttl_seconds:
            errors["order_ttl_seconds"] = "GTD orders need a TTL."
        if self.order_type == OrderType.GTD and (self.order_ttl_seconds or 0) < 90:
            # The venue refuses GTD expirations under its one-minute security threshold.
            errors.setdefault("order_ttl_seconds", "GTD orders need a TTL of at least 90 s.")
        if errors:
            raise ValidationError(errors)

    def _sizing_errors(self) -> dict[str, str]:
        if self.sizing_mode not in SizingMode.values:
            return {}  # the field's own choice validation reports it
        needs = {
            SizingMode.FIXED_NOTIONAL: ("sizing_notional",),
            SizingMode.PERCENT_EQUITY: ("sizing_percent",),
            SizingMode.FT_PROPORTIONAL: ("sizing_multiplier",),
            SizingMode.VOLATILITY_TARGET: (
                "sizing_notional",
                "sizing_target_vol",
                "sizing_lookback_minutes",
            ),
        }[SizingMode(self.sizing_mode)]
        return {
            field: f"Required by sizing mode {self.sizing_mode}."
            for field in needs
            if getattr(self, field) in (None, 0)
        }


def _timezones() -> set[str]:
    return available_timezones() | {"UTC"}


class RiskState(models.Model):
    """Computed risk state of one strategy, or the global row (the kill switch)."""

    strategy = models.OneToOneField(
        "strategies.Strategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="risk_state",
    )
    is_global = models.BooleanField(default=False, editable=False)
    trading_state = models.CharField(
        max_length=8, choices=TradingState.choices, default=TradingState.ACTIVE
    )
    reason_code = models.CharField(max_length=64, choices=ReasonCode.choices, blank=True)
    message = models.TextField(blank=True)
    paused_until = models.DateTimeField(
        null=True, blank=True, help_text="When a pause ends by itself; empty = by hand."
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    equity_peak = MoneyField(default=0)
    realised_pnl = MoneyField(default=0)
    consecutive_losses = models.PositiveIntegerField(default=0)
    reconciled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last successful reconciliation with the venue.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_risk_state"
        verbose_name = "risk state"
        verbose_name_plural = "risk state"
        constraints = [
            models.UniqueConstraint(
                fields=["is_global"],
                condition=Q(is_global=True),
                name="lt_risk_state_one_global_row",
            ),
            models.CheckConstraint(
                condition=Q(is_global=True, strategy__isnull=True)
                | Q(is_global=False, strategy__isnull=False),
                name="lt_risk_state_global_xor_strategy",
            ),
            models.CheckConstraint(
                condition=Q(trading_state__in=TradingState.values),
                name="lt_risk_state_trading_state_valid",
            ),
        ]

    def __str__(self) -> str:  # pragma: no mutate block
        return "global" if self.is_global else f"state of {self.strategy}"


class BudgetWindow(models.Model):
    """Budget use of one strategy in one calendar period.

    A new period is a new row, so budgets reset at the boundary without any job. The limit is
    copied in so that the database itself can refuse an overspend (CHECK below).
    """

    strategy = models.ForeignKey(
        "strategies.Strategy", on_delete=models.CASCADE, related_name="budget_windows"
    )
    period = models.CharField(max_length=8, choices=BudgetPeriod.choices)
    window_start = models.DateField(help_text="First day of the period in the budget time zone.")
    limit = MoneyField(null=True, blank=True)
    reserved = MoneyField(default=0)
    spent = MoneyField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_budget_windows"
        ordering = ["-window_start", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "period", "window_start"],
                name="lt_budget_windows_unique",
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(spent__gte=0),
                name="lt_budget_windows_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(limit__gte=0),
                name="lt_budget_windows_limit_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(limit__gte=F("reserved") + F("spent")),
                name="lt_budget_windows_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(period__in=BudgetPeriod.values),
                name="lt_budget_windows_period",
            ),
        ]

    def __str__(self) -> str:  # pragma: no mutate block
        return f"{self.strategy} {self.period} {self.window_start}"


class RiskDecision(models.Model):
    """The verdict on one signal: the audit row behind every accepted or refused trade."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    signal = models.OneToOneField(
        "strategies.Signal", on_delete=models.PROTECT, related_name="decision"
    )
    strategy = models.ForeignKey(
        "strategies.Strategy", on_delete=models.PROTECT, related_name="risk_decisions"
    )
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reason_code = models.CharField(max_length=64, choices=ReasonCode.choices)
    message = models.TextField(blank=True)
    size = SharesField(null=True, blank=True, help_text="Sized order, shares.")
    notional = MoneyField(null=True, blank=True, help_text="Sized order, pUSD.")
    limit_price = PriceField(null=True, blank=True)
    checks = models.JSONField(
        default=dict,
        blank=True,
        help_text="Inputs and thresholds of the checks evaluated.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "lt_risk_decisions"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["accepted", "rejected"]),
                name="lt_risk_decisions_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(size__isnull=True) | Q(size__gt=0),
                name="lt_risk_decisions_size",
            ),
            models.CheckConstraint(
                condition=Q(notional__isnull=True) | Q(notional__gte=0),
                name="lt_risk_decisions_notional",
            ),
            models.CheckConstraint(
                condition=Q(limit_price__isnull=True) | Q(limit_price__gt=0, limit_price__lt=1),
                name="lt_risk_decisions_limit_price_range",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="accepted") | Q(size__isnull=False, notional__isnull=False),
                name="lt_risk_decisions_accepted_is_sized",
            ),
        ]

    def __str__(self) -> str:  # pragma: no mutate block
        return f"{self.outcome} {self.reason_code}"


class BudgetReservation(models.Model):
    """The part of one order's notional held in one budget window."""

    window = models.ForeignKey(
        BudgetWindow,
        on_delete=models.PROTECT,
        related_name="reservations",
        db_index=False,  # lt_budget_res_unique leads with it
    )
    order = models.ForeignKey(
        "execution.Order", on_delete=models.CASCADE, related_name="budget_reservations"
    )
    reserved = MoneyField(default=0, help_text="Still held, not yet filled.")
    spent = MoneyField(default=0, help_text="Turned into spend by fills.")
    released = MoneyField(default=0, help_text="Returned on cancel, rejection or no fill.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_budget_reservations"
        constraints = [
            models.UniqueConstraint(fields=["window", "order"], name="lt_budget_res_unique"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(spent__gte=0) & Q(released__gte=0),
                name="lt_budget_res_non_negative",
            ),
        ]

    def __str__(self) -> str:  # pragma: no mutate block
        return f"order {self.order_id} in {self.window}"


class Breaker(models.Model):
    """Current state of one circuit breaker (per strategy, or global when strategy is empty)."""

    class State(models.TextChoices):
        CLOSED = "closed", "Closed (trading)"
        OPEN = "open", "Open (tripped)"

    strategy = models.ForeignKey(
        "strategies.Strategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="breakers",
    )
    kind = models.CharField(max_length=12, choices=BreakerKind.choices)
    state = models.CharField(max_length=6, choices=State.choices, default=State.CLOSED)
    tripped_at = models.DateTimeField(null=True, blank=True)
    resume_at = models.DateTimeField(null=True, blank=True)
    normal_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Since when the input has been back under threshold.",
    )
    last_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    threshold = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    # Copied in at the trip (from the strategy's rules, or the caller for a global breaker), so
    # that the resume follows the policy the trip was made under.
    resume_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Resume period; empty = resume by hand."
    )
    resume_when_normal = models.BooleanField(
        default=False,
        help_text="Resume once the input has been under threshold for the resume period.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "lt_breakers"
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "kind"],
                condition=Q(strategy__isnull=False),
                name="lt_breakers_strategy_kind_unique",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(strategy__isnull=True),
                name="lt_breakers_global_kind_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=BreakerKind.values), name="lt_breakers_kind_valid"
            ),
        ]

    def __str__(self) -> str:  # pragma: no mutate block
        return f"{self.strategy or 'global'} {self.kind} {self.state}"


class BreakerEvent(models.Model):
    """One trip, resume or manual override of a breaker, with the input that caused it."""

    class Event(models.TextChoices):
        TRIP = "trip", "Trip"
        RESUME = "resume", "Resume"
        OVERRIDE = "override", "Manual override"

    breaker = models.ForeignKey(Breaker, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=8, choices=Event.choices)
    reason_code = models.CharField(max_length=64, choices=ReasonCode.choices)
    input_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    threshold = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    message = models.TextField(blank=True)
    actor = models.CharField(max_length=150, blank=True, help_text="Who overrode it, if a person.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "lt_breaker_events"
        ordering = ["-created_at"]

    def __str__(self) -> str:  # pragma: no mutate block
        return f"{self.breaker} {self.event}"
