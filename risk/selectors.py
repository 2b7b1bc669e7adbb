"""Reads of risk state."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from django.db import connection

from execution.models import (
    TERMINAL_ORDER_STATUSES,
    MarketToken,
    MidPrice,
    Position,
    PositionStatus,
)
from ltproject.domain import Side
from ltproject.money import ZERO, quantize_pusd
from strategies.models import Strategy

from .models import RiskState


def global_risk_state() -> RiskState:
    """The kill-switch row, created on first use (one row, enforced by a partial unique index)."""
    state, _ = RiskState.objects.get_or_create(is_global=True, defaults={"strategy": None})
    return state


def strategy_risk_state(*, strategy: Strategy) -> RiskState:
    state, _ = RiskState.objects.get_or_create(strategy=strategy)
    return state


@dataclass(frozen=True)
class Holding:
    """What a strategy holds and is buying in one token (open position + live BUY orders)."""

    token_id: str
    shares: Decimal = ZERO
    cost: Decimal = ZERO
    pending_sell_shares: Decimal = ZERO


@dataclass(frozen=True)
class Portfolio:
    """A strategy's money as the risk checks see it (positions of its current mode only)."""

    capital: Decimal
    realised: Decimal
    unrealised: Decimal
    holdings: dict[str, Holding]

    @property
    def equity(self) -> Decimal:
        """Capital + realised P&L + open positions marked at the mid."""
        return quantize_pusd(self.capital + self.realised + self.unrealised)


# One round trip for what every entry decision needs: open positions with their mark (last
# recorded mid, else the position's mark, else its cost), the unfilled part of non-final
# orders per token and side, and realised P&L. Raw SQL because it runs on every signal.
_PORTFOLIO_SQL = """
SELECT 'position', p.token_id, p.size, p.cost_basis,
       COALESCE((SELECT m.mid FROM lt_mid_prices m WHERE m.token_id = p.token_id
                 ORDER BY m.observed_at DESC LIMIT 1), p.mark_price, p.avg_cost)
  FROM lt_positions p
 WHERE p.strategy_id = %(strategy)s AND p.mode = %(mode)s AND p.status = %(open)s
   AND p.size > 0
UNION ALL
SELECT o.side, o.token_id, SUM(o.size - o.size_matched),
       SUM((o.size - o.size_matched) * o.price), NULL
  FROM lt_orders o
 WHERE o.strategy_id = %(strategy)s AND o.mode = %(mode)s
   AND o.status NOT IN ({final})
 GROUP BY o.side, o.token_id
UNION ALL
SELECT 'realised', '', COALESCE(SUM(r.realised_pnl), 0), 0, NULL
  FROM lt_positions r
 WHERE r.strategy_id = %(strategy)s AND r.mode = %(mode)s
""".format(final=", ".join(f"%(final{i})s" for i in range(len(TERMINAL_ORDER_STATUSES))))


def strategy_portfolio(*, strategy: Strategy) -> Portfolio:
    """Open positions, pending orders and realised P&L of the strategy's current mode, so
    paper results never move a live strategy."""
    params: dict[str, int | str] = {
        "strategy": strategy.pk,
        "mode": strategy.mode,
        "open": PositionStatus.OPEN.value,
        **{f"final{i}": status.value for i, status in enumerate(TERMINAL_ORDER_STATUSES)},
    }
    shares: dict[str, Decimal] = defaultdict(lambda: ZERO)
    cost: dict[str, Decimal] = defaultdict(lambda: ZERO)
    selling: dict[str, Decimal] = defaultdict(lambda: ZERO)
    realised = unrealised = ZERO
    with connection.cursor() as cursor:
        cursor.execute(_PORTFOLIO_SQL, params)
        rows = cursor.fetchall()
    for kind, token_id, raw_amount, raw_paid, price in rows:
        amount, paid = _decimal(raw_amount), _decimal(raw_paid)
        if kind == "realised":
            realised = amount
        elif kind == Side.SELL:
            selling[token_id] += amount
        else:  # an open position, or BUY orders still to fill
            shares[token_id] += amount
            cost[token_id] += paid
            if kind == "position":
                unrealised += amount * _decimal(price) - paid
    holdings = {
        t: Holding(token_id=t, shares=shares[t], cost=cost[t], pending_sell_shares=selling[t])
        for t in set(shares) | set(selling)
    }
    capital: Decimal = strategy.risk_rules.capital
    return Portfolio(capital=capital, realised=realised, unrealised=unrealised, holdings=holdings)


def _decimal(value: object) -> Decimal:
    # SQLite hands NUMERIC sums back as float or int; go through str to keep them exact.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def strategy_equity(*, strategy: Strategy) -> Decimal:
    return strategy_portfolio(strategy=strategy).equity


def open_position(*, strategy: Strategy, token_id: str) -> Position | None:
    return Position.objects.filter(
        strategy=strategy, mode=strategy.mode, token_id=token_id, status=PositionStatus.OPEN
    ).first()


def token_markets(token_ids: set[str]) -> dict[str, tuple[int, str]]:
    """token id → (market id, event id) for the tokens LT knows."""
    return {
        token_id: (market_id, event_id)
        for token_id, market_id, event_id in MarketToken.objects.filter(
            token_id__in=token_ids
        ).values_list("token_id", "market_id", "market__event_id")
    }


def realised_volatility(*, token_id: str, since: datetime) -> Decimal | None:
    """Standard deviation of successive mid-price changes since `since`; None under 3 mids."""
    mids = list(
        MidPrice.objects.filter(token_id=token_id, observed_at__gte=since)
        .order_by("observed_at")
        .values_list("mid", flat=True)
    )
    if len(mids) < 3:
        return None
    changes = [b - a for a, b in pairwise(mids)]
    mean = sum(changes, ZERO) / len(changes)
    variance = sum(((c - mean) ** 2 for c in changes), ZERO) / len(changes)
    return variance.sqrt()
