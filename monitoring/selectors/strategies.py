"""Each strategy at a glance: state, health, P&L per period against its budgets, exposure.

Read by the dashboard's overview and the status API. The figures come from a fixed handful of
aggregate queries whatever the number of strategies and positions:

- P&L of a period is the realised P&L of the positions closed in it (sold out, or settled at
  resolution), in the operator's calendar (OPERATOR_TIME_ZONE); open positions show apart, as
  open P&L at their marks (realised part included);
- budget use is the strategy's current windows (in its own budget time zone) against their
  limit in force;
- equity is capital + realised P&L + open positions at their marks, of the strategy's current
  mode (paper results never move a live strategy's figures).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from execution.models import Position, PositionStatus
from ltproject.money import ZERO, quantize_pusd
from risk.budgets import period_limit, window_starts
from risk.models import BudgetPeriod, BudgetWindow, TradingState
from strategies.models import Strategy

from .tables import mark_now

PERIODS = (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY, BudgetPeriod.MONTHLY)
_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=30, decimal_places=6)


def share_of_limit(amount: Decimal, limit: Decimal | None) -> Decimal | None:
    """How much of a limit an amount uses, 0–1 (None without a limit; a 0 limit is full)."""
    if limit is None:
        return None
    if limit <= 0:
        return Decimal(1)
    return min(Decimal(1), amount / limit)


@dataclass(frozen=True)
class PeriodFigures:
    """One calendar period of a strategy: its realised P&L and its budget use."""

    period: str
    pnl: Decimal
    budget_used: Decimal
    budget_limit: Decimal | None

    @property
    def budget_share(self) -> Decimal | None:
        return share_of_limit(self.budget_used, self.budget_limit)


@dataclass(frozen=True)
class StrategyFigures:
    pk: int
    slug: str
    name: str
    mode: str
    trading_state: str
    reason_code: str
    paused_until: datetime | None
    health_status: str
    health_checked_at: datetime | None
    capital: Decimal
    realised_pnl: Decimal
    open_pnl: Decimal
    exposure: Decimal
    open_positions: int
    periods: list[PeriodFigures] = field(default_factory=list)

    @property
    def equity(self) -> Decimal:
        """Capital + P&L of closed positions + open positions at their marks."""
        return quantize_pusd(self.capital + self.realised_pnl + self.open_pnl)

    @property
    def trading(self) -> bool:
        return self.trading_state == TradingState.ACTIVE


def strategy_figures(
    *, now: datetime, strategies: Iterable[Strategy] | None = None
) -> list[StrategyFigures]:
    """The figures of each strategy (all of them by default), by slug."""
    chosen = list(
        strategies
        if strategies is not None
        else Strategy.objects.select_related("risk_rules", "risk_state").order_by("slug")
    )
    ids = [s.pk for s in chosen]
    closed = _closed_pnl(ids, now)
    held = _open_positions(ids)
    budgets = _budget_use(chosen, now)
    return [_figures(s, closed.get(s.pk, {}), held.get(s.pk, {}), budgets) for s in chosen]


def _figures(
    strategy: Strategy,
    closed: dict[str, Decimal],
    held: dict[str, Decimal],
    budgets: dict[tuple[int, str], tuple[Decimal, Decimal | None]],
) -> StrategyFigures:
    state = getattr(strategy, "risk_state", None)
    periods = [
        PeriodFigures(
            period=str(period),
            pnl=closed.get(str(period), ZERO),
            budget_used=budgets.get((strategy.pk, period), (ZERO, None))[0],
            budget_limit=budgets.get(
                (strategy.pk, period), (ZERO, period_limit(strategy.risk_rules, period))
            )[1],
        )
        for period in PERIODS
    ]
    return StrategyFigures(
        pk=strategy.pk,
        slug=strategy.slug,
        name=strategy.name,
        mode=strategy.mode,
        trading_state=state.trading_state if state else TradingState.ACTIVE,
        reason_code=state.reason_code if state else "",
        paused_until=state.paused_until if state else None,
        health_status=strategy.health_status,
        health_checked_at=strategy.health_checked_at,
        capital=strategy.risk_rules.capital,
        realised_pnl=closed.get("all", ZERO),
        open_pnl=held.get("open_pnl", ZERO),
        exposure=held.get("exposure", ZERO),
        open_positions=int(held.get("count", ZERO)),
        periods=periods,
    )


def period_starts(now: datetime) -> dict[str, datetime]:
    """Start of the operator's day, ISO week and month containing `now`, as aware times."""
    zone = ZoneInfo(settings.OPERATOR_TIME_ZONE)
    starts = window_starts(tz=settings.OPERATOR_TIME_ZONE, at=now)
    return {
        str(period): datetime(day.year, day.month, day.day, tzinfo=zone)
        for period, day in starts.items()
    }


def _closed_pnl(ids: list[int], now: datetime) -> dict[int, dict[str, Decimal]]:
    """strategy → realised P&L of its positions closed in each period, and in all."""
    starts = period_starts(now)
    sums = {
        name: Coalesce(Sum("realised_pnl", filter=Q(closed_at__gte=start)), Value(ZERO))
        for name, start in starts.items()
    }
    rows = (
        Position.objects.filter(strategy_id__in=ids, mode=F("strategy__mode"))
        .exclude(status=PositionStatus.OPEN)
        .values("strategy_id")
        .annotate(all=Coalesce(Sum("realised_pnl"), Value(ZERO)), **sums)
    )
    return {
        row["strategy_id"]: {k: _money(v) for k, v in row.items() if k != "strategy_id"}
        for row in rows
    }


def _open_positions(ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """strategy → open P&L at the marks, exposure (cost still held) and how many are open."""
    value = ExpressionWrapper(
        F("size") * F("mark") - F("cost_basis") + F("realised_pnl"), output_field=_MONEY
    )
    rows = (
        Position.objects.filter(
            strategy_id__in=ids, mode=F("strategy__mode"), status=PositionStatus.OPEN
        )
        .annotate(mark=mark_now())
        .values("strategy_id")
        .annotate(open_pnl=Sum(value), exposure=Sum("cost_basis"), count=Count("pk"))
    )
    return {
        row["strategy_id"]: {
            "open_pnl": _money(row["open_pnl"]),
            "exposure": _money(row["exposure"]),
            "count": Decimal(row["count"]),
        }
        for row in rows
    }


def _budget_use(
    strategies: list[Strategy], now: datetime
) -> dict[tuple[int, str], tuple[Decimal, Decimal | None]]:
    """(strategy, period) → (reserved + spent, the limit in force) of the current windows."""
    starts = {s.pk: window_starts(tz=s.risk_rules.budget_timezone, at=now) for s in strategies}
    earliest = min((day for each in starts.values() for day in each.values()), default=None)
    if earliest is None:
        return {}
    rules = {s.pk: s.risk_rules for s in strategies}
    found: dict[tuple[int, str], tuple[Decimal, Decimal | None]] = {}
    windows = BudgetWindow.objects.filter(strategy_id__in=list(starts), window_start__gte=earliest)
    for window in windows:
        period = BudgetPeriod(window.period)
        if starts[window.strategy_id].get(period) != window.window_start:
            continue
        limit = period_limit(rules[window.strategy_id], period)  # the rules now, not the copy
        found[(window.strategy_id, period)] = (window.reserved + window.spent, limit)
    return found


def _money(value: object) -> Decimal:
    # SQLite (the demo's database) hands sums back as float: through str, exactly.
    if value is None:
        return ZERO
    return quantize_pusd(value if isinstance(value, Decimal) else Decimal(str(value)))
