"""What LT does with the venue's WebSocket messages, as they arrive.

Trades go through the same idempotent fill code as the REST sync (a message and a later poll
of the same trade change nothing). Books are kept in memory per token from `book` snapshots
and `price_change` deltas; every change re-checks the stops of the positions in that token and
sends a due exit through the executor at once (the same exactly-once rules as the minute
monitor: one exit per position). Every `OBSERVE_EVERY_S` a held token's mid is recorded (marks,
volatility) and its spread fed to its holders' spread breakers. Tick changes are recorded on
the market. The transport
(connections, subscriptions, reconnects, snapshots after a gap) is `stream_runner.py`'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from ltproject.money import quantize_price
from risk.breakers import breaker_observe
from risk.market_data import mid_record
from risk.models import BreakerKind, RiskRules
from strategies.models import Strategy

from . import stops
from .fills import fills_record, own_fills
from .markets import market_tick_changed
from .models import Order, Position, PositionStatus
from .venue import Book, BookLevel, VenueTrade
from .venue.messages import (
    BookMessage,
    Message,
    PriceChangeMessage,
    TickSizeChangeMessage,
    TradeMessage,
)

log = logging.getLogger(__name__)
ZERO = Decimal(0)
OBSERVE_EVERY_S = 10.0


class LiveBook:
    """One token's book as the channel tells it: a snapshot, then level deltas."""

    __slots__ = ("asks", "bids", "condition_id", "token_id")

    def __init__(self, token_id: str, condition_id: str = "") -> None:
        self.token_id = token_id
        self.condition_id = condition_id
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def replace(self, book: Book) -> None:
        self.condition_id = book.condition_id or self.condition_id
        self.bids = {level.price: level.size for level in book.bids}
        self.asks = {level.price: level.size for level in book.asks}

    def set_level(self, *, bid: bool, price: Decimal, size: Decimal) -> None:
        side = self.bids if bid else self.asks
        if size > 0:
            side[price] = size
        else:
            side.pop(price, None)

    @property
    def best_bid(self) -> Decimal | None:
        return max(self.bids) if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return min(self.asks) if self.asks else None

    def as_book(self) -> Book:
        """The venue adapter's Book (best first), for the code that prices exits."""
        return Book(
            token_id=self.token_id,
            condition_id=self.condition_id,
            bids=tuple(BookLevel(p, s) for p, s in sorted(self.bids.items(), reverse=True)),
            asks=tuple(BookLevel(p, s) for p, s in sorted(self.asks.items())),
            tick_size=None,
            min_order_size=ZERO,
            neg_risk=False,
            last_trade_price=None,
            timestamp="",
        )


@dataclass
class StreamStats:
    messages: int = 0
    trades: int = 0
    fills: int = 0
    exits: int = 0
    tick_changes: int = 0
    last_message_at: float | None = None  # time.monotonic()
    lag_ms: float | None = None  # the newest message's age when handled (venue timestamp)


@dataclass
class _Holding:
    position_id: int
    avg_cost: Decimal
    peak: Decimal | None
    rules: RiskRules = field(repr=False)
    strategy: Strategy = field(repr=False)


class StreamProcessor:
    """Applies parsed venue messages. Not thread-safe: one per channel thread, or a lock."""

    def __init__(self) -> None:
        self.books: dict[str, LiveBook] = {}
        self.stats = StreamStats()
        self._holdings: dict[str, list[_Holding]] = {}
        self._observed: dict[str, float] = {}  # token → when its mid and spread were last fed
        self._fingerprint: tuple[object, ...] = ()

    # --- positions the stops watch ----------------------------------------------------

    def holdings_reload(self) -> set[str]:
        """Re-read open positions (after fills, and now and then); returns their tokens.

        A cheap fingerprint (count, newest change) first: with 1,000 positions the full read
        costs tens of milliseconds, and most re-reads find nothing new.
        """
        open_positions = Position.objects.filter(status=PositionStatus.OPEN, size__gt=0)
        fingerprint = tuple(
            open_positions.aggregate(
                n=Count("pk"),
                at=Max("updated_at"),
                rules_at=Max("strategy__risk_rules__updated_at"),  # a stop edited in the admin
            ).values()
        )
        if fingerprint == self._fingerprint:
            return set(self._holdings)
        rows = list(
            open_positions.values_list("pk", "token_id", "avg_cost", "peak_price", "strategy_id")
        )
        # One strategy (with its rules) per strategy, not one per position: a strategy and its
        # rules refer to each other, so every copy would be garbage only the full collection
        # finds, and positions are re-read many times a minute.
        strategies = Strategy.objects.select_related("risk_rules").in_bulk({row[4] for row in rows})
        holdings: dict[str, list[_Holding]] = {}
        for pk, token_id, avg_cost, peak, strategy_id in rows:
            strategy = strategies[strategy_id]
            holdings.setdefault(token_id, []).append(
                _Holding(
                    position_id=pk,
                    avg_cost=avg_cost,
                    peak=peak,
                    rules=strategy.risk_rules,
                    strategy=strategy,
                )
            )
        self._holdings, self._fingerprint = holdings, fingerprint
        return set(holdings)

    def forget(self, tokens: Iterable[str]) -> None:
        """Tokens no longer followed (their positions and orders are gone): their books and
        observation times go too, or a process that runs for months keeps every token it
        ever followed."""
        for token in tokens:
            self.books.pop(token, None)
            self._observed.pop(token, None)

    # --- messages -----------------------------------------------------------------------

    def handle(self, messages: Iterable[Message]) -> None:
        for message in messages:
            self.stats.messages += 1
            self.stats.last_message_at = time.monotonic()
            sent_at = getattr(message, "at", None)
            if sent_at is not None:
                self.stats.lag_ms = (timezone.now() - sent_at).total_seconds() * 1000
            if isinstance(message, TradeMessage):
                self.trade(message.trade)
            elif isinstance(message, BookMessage):
                self._book(message.book)
            elif isinstance(message, PriceChangeMessage):
                self._price_change(message)
            elif isinstance(message, TickSizeChangeMessage):
                self._tick_change(message)

    def trade(self, trade: VenueTrade) -> int:
        """Record LT's share of a trade (the same fill code as the REST sync)."""
        self.stats.trades += 1
        hashes = {trade.taker_order_id, *(leg.order_id for leg in trade.maker_orders)}
        rows = Order.objects.filter(venue_order_id__in=hashes).values_list("venue_order_id", "pk")
        ids = {venue_id: pk for venue_id, pk in rows if venue_id}
        if not ids:
            return 0
        changed = fills_record(own_fills(trade, ids))
        self.stats.fills += changed
        if changed:
            self.holdings_reload()  # a position opened, grew or closed
        return changed

    def snapshot(self, books: Iterable[Book]) -> None:
        """Books read over REST after a gap: they replace what the stream held."""
        for book in books:
            self._book(book)

    def _book(self, book: Book) -> None:
        live = self.books.get(book.token_id) or LiveBook(book.token_id, book.condition_id)
        live.replace(book)
        self.books[book.token_id] = live
        self._check_stops(live)

    def _price_change(self, message: PriceChangeMessage) -> None:
        touched: dict[str, LiveBook] = {}
        for change in message.changes:
            live = self.books.get(change.token_id)
            if live is None:
                continue  # no snapshot yet: the book message that follows brings it whole
            live.set_level(bid=change.side == "BUY", price=change.price, size=change.size)
            touched[change.token_id] = live
        for live in touched.values():
            self._check_stops(live)

    def _tick_change(self, message: TickSizeChangeMessage) -> None:
        if market_tick_changed(token_id=message.token_id, tick_size=message.new_tick_size):
            self.stats.tick_changes += 1

    # --- stops --------------------------------------------------------------------------

    def _check_stops(self, live: LiveBook) -> None:
        holdings = self._holdings.get(live.token_id)
        bid = live.best_bid
        if not holdings or bid is None:
            return
        ask = live.best_ask
        mid = (bid + ask) / 2 if ask is not None else bid
        self._observe(live, holdings, mid)
        for holding in holdings:
            holding.peak = max(holding.peak or mid, mid)
            due = stops.exit_trigger(
                rules=holding.rules,
                avg_cost=holding.avg_cost,
                peak=holding.peak,
                bid=bid,
            )
            if due is not None:
                self._exit(holding, live)

    def _observe(self, live: LiveBook, holdings: list[_Holding], mid: Decimal) -> None:
        """Now and then (not on every change: a busy book changes many times a second), the
        mid for marks and volatility, and the spread for the holders' spread breakers."""
        now = time.monotonic()
        if now - self._observed.get(live.token_id, 0.0) < OBSERVE_EVERY_S:
            return
        self._observed[live.token_id] = now
        at = timezone.now()
        mid_record(token_id=live.token_id, mid=quantize_price(mid), at=at)
        if live.best_ask is None or live.best_bid is None:
            return
        spread = live.best_ask - live.best_bid
        for strategy in {h.strategy.pk: h.strategy for h in holdings}.values():
            breaker_observe(
                strategy=strategy, kind=BreakerKind.SPREAD, value=spread, at=at,
                token_id=live.token_id,
            )  # fmt: skip

    def _exit(self, holding: _Holding, live: LiveBook) -> None:
        with transaction.atomic():
            position = Position.objects.select_related("strategy__risk_rules").get(
                pk=holding.position_id
            )
            if holding.peak is not None and holding.peak > (position.peak_price or ZERO):
                Position.objects.filter(pk=position.pk).update(peak_price=holding.peak)
            order = stops.exit_send(position, live.as_book())
        if order is not None:
            self.stats.exits += 1
            log.info("stream: %s exit for position %s", order.purpose, position.pk)
