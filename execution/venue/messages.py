"""The venue's WebSocket messages as typed values, the same types the REST calls give.

The user channel sends `order` (PLACEMENT / UPDATE / CANCELLATION) and `trade` messages; the
market channel `book`, `price_change`, `tick_size_change`, `last_trade_price` and, with custom
features on, `best_bid_ask`, `new_market` and `market_resolved`. A frame may hold one message
or a list of them. Anything LT cannot read raises `MalformedMessage` (a `VenueError`), never a
KeyError: a stream logs it and goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from ltproject.domain import Side

from .adapter import _SHAPE_ERRORS, _book, _venue_order, _venue_trade
from .errors import VenueError
from .types import Book, VenueOrder, VenueTrade, dec, timestamp_or_none


class MalformedMessage(VenueError):
    """A message LT cannot read (not JSON, no event type, a field of the wrong shape)."""


@dataclass(frozen=True)
class OrderMessage:
    kind: str  # PLACEMENT | UPDATE | CANCELLATION
    order: VenueOrder


@dataclass(frozen=True)
class TradeMessage:
    trade: VenueTrade


@dataclass(frozen=True)
class BookMessage:
    book: Book  # a full snapshot: it replaces what the stream held for the token


class PriceLevelChange(NamedTuple):
    """One level of one token's book, as a `price_change` message sets it.

    A tuple, not a dataclass: a busy market sends hundreds of these a second (parsing them is
    most of the stream's work). The best bid and ask come as the venue sent them: LT keeps
    its own book and reads them from there.
    """

    token_id: str
    side: Side
    price: Decimal
    size: Decimal  # the level's new total; 0 removes it
    best_bid: str
    best_ask: str


@dataclass(frozen=True)
class PriceChangeMessage:
    condition_id: str
    changes: tuple[PriceLevelChange, ...]
    at: datetime | None


@dataclass(frozen=True)
class TickSizeChangeMessage:
    token_id: str
    condition_id: str
    old_tick_size: Decimal
    new_tick_size: Decimal
    at: datetime | None


@dataclass(frozen=True)
class LastTradePriceMessage:
    token_id: str
    condition_id: str
    price: Decimal
    size: Decimal
    side: Side | None
    at: datetime | None


@dataclass(frozen=True)
class OtherMarketMessage:
    """best_bid_ask, new_market, market_resolved: kept whole for whoever wants them."""

    event_type: str
    raw: dict[str, Any] = field(repr=False)


Message = (
    OrderMessage
    | TradeMessage
    | BookMessage
    | PriceChangeMessage
    | TickSizeChangeMessage
    | LastTradePriceMessage
    | OtherMarketMessage
)

# What the venue sends with an order message when `status` is missing (older frames).
_STATUS_OF_KIND = {"PLACEMENT": "LIVE", "CANCELLATION": "CANCELED"}


def messages_parse(frame: str | bytes | dict[str, Any] | list[Any]) -> list[Message]:
    """Every message in one frame, in order."""
    decoded: Any = frame
    if isinstance(frame, str | bytes):
        try:
            decoded = json.loads(frame)
        except (ValueError, RecursionError) as error:
            raise MalformedMessage(f"not JSON: {frame[:200]!r}") from error
    items = decoded if isinstance(decoded, list) else [decoded]
    return [message_parse(item) for item in items]


def message_parse(raw: Any) -> Message:
    if not isinstance(raw, dict) or not raw.get("event_type"):
        raise MalformedMessage(f"a message without event_type: {str(raw)[:200]}")
    kind = str(raw["event_type"])
    try:
        return _PARSERS.get(kind, _other)(raw)
    except _SHAPE_ERRORS as error:
        raise MalformedMessage(f"{kind} message LT cannot read: {error!r}"[:500]) from error


def _order(raw: dict[str, Any]) -> OrderMessage:
    kind = str(raw.get("type", "")).upper()
    if not raw.get("status") and kind in _STATUS_OF_KIND:
        raw = raw | {"status": _STATUS_OF_KIND[kind]}
    return OrderMessage(kind=kind, order=_venue_order(raw))


def _trade(raw: dict[str, Any]) -> TradeMessage:
    return TradeMessage(trade=_venue_trade(raw))


def _book_message(raw: dict[str, Any]) -> BookMessage:
    return BookMessage(book=_book(raw))


def _price_change(raw: dict[str, Any]) -> PriceChangeMessage:
    if "price_changes" in raw:
        items = raw["price_changes"]
    else:  # the schema before 2025-09-15: one token at the root, its levels in `changes`
        items = [change | {"asset_id": raw["asset_id"]} for change in raw["changes"]]
    return PriceChangeMessage(
        condition_id=str(raw.get("market", "")),
        changes=tuple(_level_change(item) for item in items),
        at=timestamp_or_none(raw.get("timestamp")),
    )


_SIDES = {"BUY": Side.BUY, "SELL": Side.SELL, "buy": Side.BUY, "sell": Side.SELL}


def _number(value: Any) -> Decimal:
    # The venue sends numbers as strings; the fast path skips `dec`'s checks of other types.
    return Decimal(value) if type(value) is str else dec(value)


def _level_change(item: dict[str, Any]) -> PriceLevelChange:
    price, size = _number(item["price"]), _number(item["size"])
    if not (price.is_finite() and size.is_finite()):
        raise ValueError(f"not a finite level: {item!r}")
    return PriceLevelChange(
        str(item["asset_id"]),
        _SIDES[item["side"]],  # KeyError for anything else: a malformed message
        price,
        size,
        str(item.get("best_bid") or ""),
        str(item.get("best_ask") or ""),
    )


def _tick_size_change(raw: dict[str, Any]) -> TickSizeChangeMessage:
    return TickSizeChangeMessage(
        token_id=str(raw["asset_id"]),
        condition_id=str(raw.get("market", "")),
        old_tick_size=dec(raw["old_tick_size"]),
        new_tick_size=dec(raw["new_tick_size"]),
        at=timestamp_or_none(raw.get("timestamp")),
    )


def _last_trade_price(raw: dict[str, Any]) -> LastTradePriceMessage:
    side = str(raw.get("side") or "").upper()
    return LastTradePriceMessage(
        token_id=str(raw["asset_id"]),
        condition_id=str(raw.get("market", "")),
        price=dec(raw["price"]),
        size=dec(raw.get("size") or 0),
        side=Side(side) if side else None,
        at=timestamp_or_none(raw.get("timestamp")),
    )


def _other(raw: dict[str, Any]) -> OtherMarketMessage:
    return OtherMarketMessage(event_type=str(raw["event_type"]), raw=raw)


_PARSERS: dict[str, Callable[[dict[str, Any]], Message]] = {
    "order": _order,
    "trade": _trade,
    "book": _book_message,
    "price_change": _price_change,
    "tick_size_change": _tick_size_change,
    "last_trade_price": _last_trade_price,
}
