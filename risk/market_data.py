"""What the risk engine needs to know about a market: its book and its metadata.

Books come through the `MarketData` protocol so that the engine does not depend on the venue
adapter; `get_market_data()` is the one place the intake obtains it (the adapter-backed
implementation is installed there with `set_market_data`). Metadata (tick, minimum size,
event, neg-risk, accepting orders) is read from `lt_markets` / `lt_market_tokens`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection

from execution.models import MidPrice
from ltproject.fees import FREE, FeeSchedule
from ltproject.money import ONE, ZERO, quantize_price

from .selectors import row_insert

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


class MarketData(Protocol):
    def book(self, token_id: str) -> Book:
        """The current book of a token; raises BookUnavailable when there is none."""
        ...

    def ensure_market(self, token_id: str) -> None:
        """Make the token's market known in `lt_markets` if the source can (else nothing)."""
        ...


@dataclass
class StaticBooks:
    """Books from a plain in-memory mapping (tests, benchmarks, the demo)."""

    books: dict[str, Book] = field(default_factory=dict)

    def book(self, token_id: str) -> Book:
        try:
            return self.books[token_id]
        except KeyError:
            raise BookUnavailable(token_id) from None

    def ensure_market(self, token_id: str) -> None:
        """Static books know no venue: markets come from the database as they are."""

    def set(self, token_id: str, *, bids: Iterable[Level] = (), asks: Iterable[Level] = ()) -> Book:
        book = Book(token_id=token_id, bids=tuple(bids), asks=tuple(asks))
        self.books[token_id] = book
        return book


_market_data: MarketData = StaticBooks()


def snapshot(source: MarketData, token_id: str) -> StaticBooks:
    """What a decision will read, fetched before its transaction opens.

    The decision holds row locks; venue I/O (the market's metadata on first sight, the
    book) happens here instead, so no lock waits on the network.
    """
    source.ensure_market(token_id)
    frozen = StaticBooks()
    with contextlib.suppress(BookUnavailable):  # the decision then answers BOOK_UNAVAILABLE
        frozen.books[token_id] = source.book(token_id)
    return frozen


def get_market_data() -> MarketData:
    """The market data the intake decides with (the venue adapter in production)."""
    return _market_data


def set_market_data(source: MarketData) -> MarketData:
    """Install `source` for every later decision; returns the one it replaces."""
    global _market_data
    previous, _market_data = _market_data, source
    return previous


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


# Every signal needs this; one plain query over the token's market and its sibling tokens.
_MARKET_SQL = """
SELECT t.token_id, m.id, m.condition_id, m.event_id, m.neg_risk, m.tick_size,
       m.min_order_size, m.active, m.accepting_orders, m.closed, m.fee_params
  FROM lt_market_tokens t JOIN lt_markets m ON m.id = t.market_id
 WHERE t.market_id = (SELECT market_id FROM lt_market_tokens WHERE token_id = %s)
"""


def market_info(token_id: str) -> MarketInfo | None:
    """Metadata of the token's market, or None when LT does not know the token."""
    with connection.cursor() as cursor:
        cursor.execute(_MARKET_SQL, [token_id])
        return market_info_from(token_id, cursor.fetchall())


def market_info_query(token_id: str) -> tuple[str, list[str]]:
    """The SQL of `market_info`, for a caller that sends it with other statements."""
    return _MARKET_SQL, [token_id]


def market_info_from(token_id: str, rows: Sequence[Sequence[Any]]) -> MarketInfo | None:
    """`market_info` from the rows of `market_info_query`."""
    if not rows:
        return None
    (
        _, market_id, condition_id, event_id, neg_risk, tick, min_size, active, accepting, closed,
        fee_params,
    ) = rows[0]  # fmt: skip
    return MarketInfo(
        token_id=token_id,
        market_id=market_id,
        condition_id=condition_id,
        event_id=event_id,
        neg_risk=bool(neg_risk),
        tick_size=_decimal(tick).normalize(),
        min_order_size=_decimal(min_size).normalize(),
        accepting_orders=bool(active and accepting and not closed),
        sibling_token_ids=tuple(row[0] for row in rows if row[0] != token_id),
        fees=FeeSchedule.from_params(_json(fee_params)),
    )


def _json(value: object) -> Any:
    # PostgreSQL hands jsonb back decoded; SQLite (the demo database) as text.
    return json.loads(value) if isinstance(value, str) else value


def _decimal(value: object) -> Decimal:
    # SQLite (the demo database) returns NUMERIC columns as float; go through str.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def books_from_mapping(data: Mapping[str, Mapping[str, Iterable[Iterable[str]]]]) -> StaticBooks:
    """StaticBooks from `{token_id: {"bids": [[price, size], ...], "asks": [...]}}`."""
    source = StaticBooks()
    for token_id, sides in data.items():
        source.set(
            token_id,
            bids=[(Decimal(p), Decimal(s)) for p, s in sides.get("bids", [])],
            asks=[(Decimal(p), Decimal(s)) for p, s in sides.get("asks", [])],
        )
    return source


# Per process: token -> (mid, when recorded). Volatility needs a series, not every request's
# copy of the same book, so an unchanged mid is written at most once per interval.
_MID_INTERVAL = timedelta(seconds=1)
_last_mids: dict[str, tuple[Decimal, datetime]] = {}


def mid_record(*, token_id: str, mid: Decimal, at: datetime) -> bool:
    """Store a mid price LT saw in `lt_mid_prices` (for volatility sizing); True if written."""
    row = mid_row(token_id=token_id, mid=mid, at=at)
    if row is not None:
        row_insert(row)
    return row is not None


def mid_row(*, token_id: str, mid: Decimal, at: datetime) -> MidPrice | None:
    """The `lt_mid_prices` row `mid_record` would write now (the caller writes it), or None."""
    last = _last_mids.get(token_id)
    if last is not None and last[0] == mid and timedelta(0) <= at - last[1] < _MID_INTERVAL:
        return None
    if not ZERO < mid < ONE:
        return None
    _last_mids[token_id] = (mid, at)
    return MidPrice(token_id=token_id, mid=mid, observed_at=at)
