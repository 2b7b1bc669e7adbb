"""Stable, machine-readable reason codes for decisions, state changes, trips and alerts.

Codes are part of the API (signal answers carry them) and of stored rows: add new ones,
never rename or reuse one.
"""

from __future__ import annotations

from ltproject.choices import TextChoices


class ReasonCode(TextChoices):
    ACCEPTED = "ACCEPTED", "Accepted"
    # Trading state and modes.
    STRATEGY_OFF = "STRATEGY_OFF", "The strategy is off"
    TRADING_HALTED = "TRADING_HALTED", "Trading is halted for this strategy"
    TRADING_REDUCING = "TRADING_REDUCING", "Only orders that reduce a position are allowed"
    GLOBAL_KILL_SWITCH = "GLOBAL_KILL_SWITCH", "The global kill switch is on"
    NOT_RECONCILED = "NOT_RECONCILED", "Waiting for reconciliation with the venue"
    MANUAL_HALT = "MANUAL_HALT", "Halted by an operator"
    MANUAL_RESUME = "MANUAL_RESUME", "Resumed by an operator"
    PAUSE_EXPIRED = "PAUSE_EXPIRED", "A timed pause ended"
    # Budgets.
    BUDGET_DAILY_EXCEEDED = "BUDGET_DAILY_EXCEEDED", "Daily budget would be exceeded"
    BUDGET_WEEKLY_EXCEEDED = "BUDGET_WEEKLY_EXCEEDED", "Weekly budget would be exceeded"
    BUDGET_MONTHLY_EXCEEDED = "BUDGET_MONTHLY_EXCEEDED", "Monthly budget would be exceeded"
    # Pauses.
    DRAWDOWN_PAUSED = "DRAWDOWN_PAUSED", "Paused after the drawdown limit was hit"
    LOSS_STREAK_PAUSED = "LOSS_STREAK_PAUSED", "Paused after consecutive losses"
    # Exposure and positions.
    EXPOSURE_MARKET_EXCEEDED = "EXPOSURE_MARKET_EXCEEDED", "Market exposure limit"
    EXPOSURE_EVENT_EXCEEDED = "EXPOSURE_EVENT_EXCEEDED", "Event exposure limit"
    MAX_CONCURRENT_POSITIONS = "MAX_CONCURRENT_POSITIONS", "Too many open positions"
    MAX_POSITIONS_PER_MARKET = "MAX_POSITIONS_PER_MARKET", "Too many positions in this market"
    ORDER_NOTIONAL_BELOW_MIN = "ORDER_NOTIONAL_BELOW_MIN", "Order notional under the minimum"
    ORDER_NOTIONAL_ABOVE_MAX = "ORDER_NOTIONAL_ABOVE_MAX", "Order notional over the maximum"
    ORDER_RATE_EXCEEDED = "ORDER_RATE_EXCEEDED", "Too many entries in the last minute"
    # Market and sizing.
    MARKET_UNKNOWN = "MARKET_UNKNOWN", "Unknown market or token"
    MARKET_NOT_ACCEPTING_ORDERS = "MARKET_NOT_ACCEPTING_ORDERS", "Market not accepting orders"
    BOOK_UNAVAILABLE = "BOOK_UNAVAILABLE", "No order book for this token"
    SIZE_BELOW_MARKET_MIN = "SIZE_BELOW_MARKET_MIN", "Size under the market minimum"
    PRICE_OFF_TICK = "PRICE_OFF_TICK", "Price not on the market's tick"
    SIZING_UNAVAILABLE = "SIZING_UNAVAILABLE", "The sizing rule could not size this order"
    EXIT_LIQUIDITY_INSUFFICIENT = "EXIT_LIQUIDITY_INSUFFICIENT", "Exit side too thin"
    NOTHING_TO_REDUCE = "NOTHING_TO_REDUCE", "No position to sell"
    # Circuit breakers.
    BREAKER_SPREAD_OPEN = "BREAKER_SPREAD_OPEN", "Spread breaker tripped"
    BREAKER_LIQUIDITY_OPEN = "BREAKER_LIQUIDITY_OPEN", "Liquidity breaker tripped"
    BREAKER_SLIPPAGE_OPEN = "BREAKER_SLIPPAGE_OPEN", "Slippage breaker tripped"
    BREAKER_LATENCY_OPEN = "BREAKER_LATENCY_OPEN", "Latency breaker tripped"
    BREAKER_ERROR_RATE_OPEN = "BREAKER_ERROR_RATE_OPEN", "Error-rate breaker tripped"
    BREAKER_RESUMED = "BREAKER_RESUMED", "Breaker closed again"
