"""Market data for the risk engine and paper fills from the venue (books via the adapter).

Implements `risk.market_data.MarketData`; the risk engine records the mids it decides with.
"""

from __future__ import annotations

import contextlib

from risk.market_data import Book as RiskBook
from risk.market_data import BookUnavailable

from .markets import market_for_token
from .venue import Book, VenueAdapter, VenueError
from .venue.session import get_venue


class VenueMarketData:
    """Books from the venue; unknown tokens get their market fetched into `lt_markets`."""

    def __init__(self, venue: VenueAdapter | None = None) -> None:
        self._venue = venue

    @property
    def venue(self) -> VenueAdapter:
        return self._venue or get_venue()

    def ensure_market(self, token_id: str) -> None:
        """Bring the token's market into the database if LT has not seen it."""
        # On failure the risk check answers MARKET_UNKNOWN, with nothing half-written.
        with contextlib.suppress(VenueError):
            market_for_token(venue=self.venue, token_id=token_id)

    def book(self, token_id: str) -> RiskBook:
        try:
            book = self.venue.book(token_id)
        except VenueError as error:
            raise BookUnavailable(f"{token_id}: {error.message}") from error
        return to_risk_book(book)


def to_risk_book(book: Book) -> RiskBook:
    return RiskBook(
        token_id=book.token_id,
        bids=tuple((level.price, level.size) for level in book.bids),
        asks=tuple((level.price, level.size) for level in book.asks),
        tick_size=book.tick_size.normalize() if book.tick_size is not None else None,
    )
