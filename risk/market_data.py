"""What the risk engine needs to know about a market: its book and its metadata.

Books come through the `MarketData` protocol so that the engine does not depend on the venue
adapter; `get_market_data()` is the one place the intake obtains it (the adapter-backed
implementation is installed there with `set_market_data`). Metadata (tick, minimum size,
event, neg-risk, accepting orders) is read from `lt_markets` / `lt_market_tokens`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from execution.models import MidPrice
from hotpath.sql import row_insert
from ltproject.money import ONE, ZERO

from .books import Book, BookUnavailable, Level, MarketInfo
from .decision import MID_INTERVAL

__all__ = ["Book", "BookUnavailable", "Level", "MarketInfo"]


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


# The stream's memory (one process): token -> (mid, when recorded), so that an unchanged mid
# is written at most once per MID_INTERVAL, as decisions do from their snapshot.
_last_mids: dict[str, tuple[Decimal, datetime]] = {}


def mid_record(*, token_id: str, mid: Decimal, at: datetime) -> bool:
    """Store a mid price the stream saw in `lt_mid_prices` (for volatility sizing and the
    marks of open positions); True if written."""
    last = _last_mids.get(token_id)
    if last is not None and last[0] == mid and timedelta(0) <= at - last[1] < MID_INTERVAL:
        return False
    if not ZERO < mid < ONE:
        return False
    _last_mids[token_id] = (mid, at)
    row_insert(MidPrice(token_id=token_id, mid=mid, observed_at=at))
    return True
