"""Risk state per strategy: budgets nearly spent, breakers open, pauses, drawdown near its
limit. The global kill switch and global breakers concern every strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from monitoring.models import HealthStatus
from risk.budgets import window_starts
from risk.models import Breaker, BudgetPeriod, BudgetWindow, RiskState, TradingState
from risk.selectors import strategy_portfolio
from risk.services import drawdown_pct
from strategies.models import Strategy

from .base import ALL_MODES, Check, CheckResult, Context, Findings, threshold, worst


@dataclass
class Notes:
    """What the check found about one strategy."""

    items: list[tuple[HealthStatus, str]] = field(default_factory=list)

    def add(self, status: HealthStatus, text: str) -> None:
        self.items.append((status, text))


def check_risk(ctx: Context) -> CheckResult:
    strategies = list(Strategy.objects.select_related("risk_rules", "risk_state").order_by("pk"))
    notes: dict[int, Notes] = {s.pk: Notes() for s in strategies}
    everyone = Notes()
    details: dict[str, Any] = {}
    details["global_state"] = _global(everyone)
    details["open_breakers"] = _breakers(notes, everyone)
    details["paused"] = _pauses(strategies, notes)
    details["budgets_over_share"] = _budgets(ctx, strategies, notes)
    details["drawdown_pct"] = _drawdowns(strategies, notes)
    found = Findings()
    for status, text in everyone.items:
        found.add(status, text)
    per_strategy: dict[int, tuple[HealthStatus, str]] = {}
    for strategy in strategies:
        items = everyone.items + notes[strategy.pk].items
        if items:
            per_strategy[strategy.pk] = (worst(s for s, _ in items), "; ".join(t for _, t in items))
            for status, text in notes[strategy.pk].items:
                found.add(status, f"{strategy.slug}: {text}")
    result = found.result("risk", "no strategy near a limit", details)
    result.per_strategy = per_strategy
    return result


def _global(everyone: Notes) -> str:
    row = RiskState.objects.filter(is_global=True).first()
    state = row.trading_state if row else TradingState.ACTIVE
    if state != TradingState.ACTIVE:
        everyone.add(HealthStatus.WARNING, f"global kill switch: {state}")
    return str(state)


def _breakers(notes: dict[int, Notes], everyone: Notes) -> list[str]:
    shown = []
    for breaker in Breaker.objects.filter(state=Breaker.State.OPEN).select_related("strategy"):
        scope = breaker.strategy.slug if breaker.strategy else "global"
        shown.append(f"{scope}:{breaker.kind}")
        text = f"{breaker.kind} breaker open"
        if breaker.strategy_id is None:
            everyone.add(HealthStatus.WARNING, f"global {text}")
        elif breaker.strategy_id in notes:
            notes[breaker.strategy_id].add(HealthStatus.WARNING, text)
    return sorted(shown)


def _pauses(strategies: list[Strategy], notes: dict[int, Notes]) -> list[str]:
    paused = []
    for strategy in strategies:
        row = getattr(strategy, "risk_state", None)
        if row is None or row.trading_state == TradingState.ACTIVE:
            continue
        paused.append(strategy.slug)
        until = f" until {row.paused_until:%H:%M} UTC" if row.paused_until else ""
        reason = f" ({row.reason_code})" if row.reason_code else ""
        notes[strategy.pk].add(HealthStatus.WARNING, f"{row.trading_state}{reason}{until}")
    return paused


def _budgets(ctx: Context, strategies: list[Strategy], notes: dict[int, Notes]) -> dict[str, str]:
    share = Decimal(str(threshold("risk_budget_use")))
    recent = BudgetWindow.objects.filter(
        window_start__gte=(ctx.now - timedelta(days=32)).date(), limit__isnull=False
    )
    by_strategy: dict[int, list[BudgetWindow]] = {}
    for window in recent:
        by_strategy.setdefault(window.strategy_id, []).append(window)
    over = {}
    for strategy in strategies:
        starts = window_starts(tz=strategy.risk_rules.budget_timezone, at=ctx.now)
        for window in by_strategy.get(strategy.pk, []):
            if starts.get(BudgetPeriod(window.period)) != window.window_start or not window.limit:
                continue
            used = (window.reserved + window.spent) / window.limit
            if used >= share:
                over[f"{strategy.slug}:{window.period}"] = f"{used:.0%}"
                notes[strategy.pk].add(
                    HealthStatus.WARNING,
                    f"{window.period} budget {used:.0%} used "
                    f"({window.reserved + window.spent} of {window.limit} pUSD)",
                )
    return over


def _drawdowns(strategies: list[Strategy], notes: dict[int, Notes]) -> dict[str, str]:
    share = Decimal(str(threshold("risk_drawdown_share")))
    figures = {}
    for strategy in strategies:
        limit = strategy.risk_rules.max_drawdown_pct
        row = getattr(strategy, "risk_state", None)
        if limit is None or row is None or strategy.mode == "off":
            continue
        equity = strategy_portfolio(strategy=strategy).equity
        pct = drawdown_pct(peak=max(row.equity_peak, equity), equity=equity)
        figures[strategy.slug] = str(pct)
        if pct > limit:
            notes[strategy.pk].add(HealthStatus.FAILING, f"drawdown {pct}% over its {limit}% limit")
        elif pct >= limit * share:
            notes[strategy.pk].add(HealthStatus.WARNING, f"drawdown {pct}% of a {limit}% limit")
    return figures


RISK = Check("risk", check_risk, ALL_MODES, "Risk limits")
