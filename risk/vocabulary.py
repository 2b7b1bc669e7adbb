"""The risk app's enumerations, apart from its models so that the pure decision
(`risk.decision`) can use them without the models."""

from __future__ import annotations

from ltproject.choices import TextChoices


class SizingMode(TextChoices):
    FIXED_NOTIONAL = "fixed_notional", "Fixed notional (pUSD per order)"
    PERCENT_EQUITY = "percent_equity", "Percent of equity"
    FT_PROPORTIONAL = "ft_proportional", "FT size × multiplier"
    VOLATILITY_TARGET = "volatility_target", "Volatility target"


class TradingState(TextChoices):
    ACTIVE = "ACTIVE", "Active"
    REDUCING = "REDUCING", "Reducing (exits only)"
    HALTED = "HALTED", "Halted (no new entries)"


class BudgetPeriod(TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (ISO)"
    MONTHLY = "monthly", "Monthly"


class BreakerKind(TextChoices):
    SPREAD = "spread", "Spread"
    LIQUIDITY = "liquidity", "Liquidity / depth"
    SLIPPAGE = "slippage", "Slippage"
    LATENCY = "latency", "Venue latency"
    ERROR_RATE = "error_rate", "Venue error rate"
