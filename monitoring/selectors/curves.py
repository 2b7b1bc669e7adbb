"""LT's and FT's results on the same signals, over time: the dashboard's equity curves.

Each signal adds its P&L marked now (FT: its own size at its own price; LT: what filled, at
the fill price), so the two curves differ exactly by what LT did differently: the trades the
risk layer refused or the venue did not fill, and the prices LT got.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.selectors import strategy_comparison
from ltproject.money import ZERO
from strategies.models import Signal, Strategy


def equity_curve(
    *, strategy: Strategy, comparison: dict[str, Any] | None = None
) -> dict[str, list[str] | str]:
    """{"t": unix seconds, "ft": equity, "lt": equity, "capital"} as exact decimal strings,
    oldest signal first (for the chart script, which reads numbers from text)."""
    comparison = comparison or strategy_comparison(strategy=strategy)
    rows = comparison["rows"]
    times = dict(
        Signal.objects.filter(pk__in=[r["signal_id"] for r in rows]).values_list(
            "pk", "received_at"
        )
    )
    capital: Decimal = strategy.risk_rules.capital
    ft = lt = ZERO
    curve: dict[str, list[str] | str] = {"t": [], "ft": [], "lt": [], "capital": str(capital)}
    for row in sorted(rows, key=lambda r: times[r["signal_id"]]):
        ft += Decimal(row["ft_pnl"] or 0)
        lt += Decimal(row["lt_pnl"] or 0)
        for key, value in (
            ("t", str(int(times[row["signal_id"]].timestamp()))),
            ("ft", str(capital + ft)),
            ("lt", str(capital + lt)),
        ):
            series = curve[key]
            assert isinstance(series, list)
            series.append(value)
    return curve
