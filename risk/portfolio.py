"""A strategy's money as the risk checks see it: plain values, no database.

`hotpath` reads it (positions of the strategy's current mode, live orders, realised P&L);
the decision (`risk.decision`) and the health checks compute with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ltproject.money import ZERO, quantize_pusd


@dataclass(frozen=True)
class Holding:
    """What a strategy holds and is buying in one token (open position + live BUY orders)."""

    token_id: str
    shares: Decimal = ZERO
    cost: Decimal = ZERO
    pending_sell_shares: Decimal = ZERO


@dataclass(frozen=True)
class Mark:
    """One open position as equity counts it: its shares, what they cost, the price they
    are valued at (the newest of its last recorded mid and its own mark, else its cost)."""

    shares: Decimal
    paid: Decimal
    price: Decimal

    @property
    def unrealised(self) -> Decimal:
        return self.shares * self.price - self.paid


@dataclass(frozen=True)
class Portfolio:
    """A strategy's money as the risk checks see it (positions of its current mode only)."""

    capital: Decimal
    realised: Decimal
    unrealised: Decimal
    holdings: Mapping[str, Holding]
    marks: Mapping[str, Mark] = field(default_factory=dict)  # open positions by token

    @property
    def equity(self) -> Decimal:
        """Capital + realised P&L + open positions marked at the mid."""
        return quantize_pusd(self.capital + self.realised + self.unrealised)

    def at_mid(self, token_id: str, mid: Decimal) -> Portfolio:
        """The portfolio once `mid` is recorded for `token_id`: an open position in it is
        valued at that mid from then on (the newest mid marks it)."""
        mark = self.marks.get(token_id)
        if mark is None or mark.price == mid:
            return self
        moved = replace(mark, price=mid)
        return replace(
            self,
            unrealised=self.unrealised - mark.unrealised + moved.unrealised,
            marks={**self.marks, token_id: moved},
        )


def drawdown_pct(*, peak: Decimal, equity: Decimal) -> Decimal:
    """How far equity is below its peak, in percent (0 at or above it)."""
    return ((peak - equity) / peak * 100).quantize(Decimal("0.0001")) if peak > 0 else ZERO
