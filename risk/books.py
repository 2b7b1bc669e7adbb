"""What a decision knows of a market: its order book and its metadata (plain values).

No database here: the risk decision (`risk.decision`) reads these from its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ltproject.fees import FREE, FeeSchedule
from ltproject.money import quantize_price

Level = tuple[Decimal, Decimal]  # (price, size in shares)


class BookUnavailable(LookupError):
    """No order book could be had for a token (unknown to the venue, or the venue is down)."""


@dataclass(frozen=True)
class Book:
    """An order book: bids best (highest) first, asks best (lowest) first."""

    token_id: str
    bids: tuple[Level, ...] = ()
    asks: tuple[Level, ...] = ()
    tick_size: Decimal | None = None  # the venue's tick as the book says (None: not said)

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return quantize_price((self.best_bid + self.best_ask) / 2)

    @property
    def spread(self) -> Decimal | None:
        """Best ask − best bid; None when a side is empty (an unbounded spread)."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return self.best_ask - self.best_bid

    def bid_shares(self) -> Decimal:
        return sum((size for _, size in self.bids), Decimal(0))

    def ask_depth_within(self, limit: Decimal) -> Decimal:
        """pUSD offered at or under `limit` (what a BUY limited there could take)."""
        return sum((p * s for p, s in self.asks if p <= limit), Decimal(0))

    def bid_depth_within(self, limit: Decimal) -> Decimal:
        """pUSD bid at or over `limit` (what a SELL limited there could take)."""
        return sum((p * s for p, s in self.bids if p >= limit), Decimal(0))


@dataclass(frozen=True)
class MarketInfo:
    """What the checks need about the market a token belongs to."""

    token_id: str
    market_id: int
    condition_id: str
    event_id: str
    neg_risk: bool
    tick_size: Decimal
    min_order_size: Decimal
    accepting_orders: bool
    sibling_token_ids: tuple[str, ...]
    fees: FeeSchedule = FREE
