"""The background crowd: a seeded random walk that quotes both books and trades into them.

Every step the crowd moves each open market's fair YES price, re-quotes `depth` levels a side
around it on the YES and NO books (never crossing resting user orders, on their own book or
through the complement, so a user order is only filled by crowd *taker* flow, a few shares at
a time), then sometimes sends a small FAK at the best opposite price. All randomness comes
from one `random.Random(seed)`, consumed in scenario order, so the same seed and steps give
the same books and trades.

Ticks follow the venue's rule for extreme prices: when the fair YES price of a 0.01 market
goes above 0.96 or below 0.04 its tick becomes 0.001, and it returns to 0.01 once the price is
back inside [0.04, 0.96] (both bounds inclusive, on the price rounded to 1/10,000). A tick set
by hand (Venue.set_tick) is left alone.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from collections.abc import Callable

from sandbox.engine import Book, Exchange, Order, OrderRejected, OrderType, Side
from sandbox.scenario import CROWD_ADDRESS, CrowdSpec, Market
from sandbox.units import PRICE_SCALE, UNIT

CROWD_OWNER = "sandbox-crowd"
_LOW, _HIGH = 0.02, 0.98
COARSE_TICK, FINE_TICK = 100, 10  # 0.01 and 0.001
EXTREME_LOW, EXTREME_HIGH = 400, 9_600  # 0.04 and 0.96

TickChange = Callable[[Market, int], None]


def extreme_tick(base_tick: int, fair: int) -> int:
    """The tick a market with scenario tick `base_tick` has at fair YES price `fair`."""
    if base_tick == COARSE_TICK and not EXTREME_LOW <= fair <= EXTREME_HIGH:
        return FINE_TICK
    return base_tick


class Crowd:
    def __init__(
        self,
        exchange: Exchange,
        markets: list[Market],
        spec: CrowdSpec,
        rng: random.Random,
        on_tick: TickChange | None = None,
    ) -> None:
        self.exchange = exchange
        self.markets = markets
        self.spec = spec
        self.rng = rng
        self.on_tick = on_tick  # the venue announces a tick change; None: just set it
        self.fair: dict[str, float] = {m.condition_id: m.mid / PRICE_SCALE for m in markets}
        self.quotes: dict[str, list[Order]] = defaultdict(list)
        self._seq = 0

    def quote_all(self, now: float) -> None:
        for market in self._open():
            self._retick(market)
            self._quote_market(market, now)

    def tick(self, now: float) -> None:
        markets = self._open()
        for market in markets:
            self._walk(market)
        self._normalise_events(markets)
        for market in markets:
            self._retick(market)
            self._quote_market(market, now)
            for token in market.tokens:
                self._maybe_take(token.token_id, now)

    def withdraw(self, market: Market) -> None:
        for token in market.tokens:
            self.exchange.cancel_where(self.quotes.pop(token.token_id, []))

    def _open(self) -> list[Market]:
        return [m for m in self.markets if not m.closed]

    def _walk(self, market: Market) -> None:
        step = self.rng.gauss(0.0, market.volatility)
        self.fair[market.condition_id] = min(
            _HIGH, max(_LOW, self.fair[market.condition_id] + step)
        )

    def _normalise_events(self, markets: list[Market]) -> None:
        """Neg-risk outcomes of one event are exclusive: keep their YES prices summing to 1."""
        events: dict[str, list[Market]] = defaultdict(list)
        for market in markets:
            if market.event:
                events[market.event].append(market)
        for group in events.values():
            total = sum(self.fair[m.condition_id] for m in group)
            for m in group:
                self.fair[m.condition_id] = min(_HIGH, max(_LOW, self.fair[m.condition_id] / total))

    def _retick(self, market: Market) -> None:
        if market.tick_pinned:
            return
        fair = round(self.fair[market.condition_id] * PRICE_SCALE)
        tick = extreme_tick(market.base_tick, fair)
        if tick == market.tick:
            return
        if self.on_tick is not None:
            self.on_tick(market, tick)
        else:
            market.tick = tick

    def _quote_market(self, market: Market, now: float) -> None:
        # Both books' old quotes go first: a new YES quote must not meet a stale NO quote.
        for token in market.tokens:
            self.exchange.cancel_where(self.quotes.pop(token.token_id, []))
        fair = self.fair[market.condition_id]
        self._quote_token(market, market.yes.token_id, market.no.token_id, fair, now)
        self._quote_token(market, market.no.token_id, market.yes.token_id, 1.0 - fair, now)

    def _quote_token(
        self, market: Market, token_id: str, complement: str, fair: float, now: float
    ) -> None:
        ceiling, floor = _limits(self.exchange.book(token_id), self.exchange.book(complement))
        tick = market.tick
        center = round(fair * PRICE_SCALE / tick) * tick
        half = max(1, market.spread_ticks // 2)
        quotes = self.quotes[token_id]
        for level in range(market.depth):
            bid = center - (half + level) * tick
            ask = center + (half + level) * tick
            if tick <= bid < ceiling:
                quotes.append(self._post(token_id, Side.BUY, bid, self._size(market), now))
            if floor < ask <= PRICE_SCALE - tick:
                quotes.append(self._post(token_id, Side.SELL, ask, self._size(market), now))

    def _size(self, market: Market) -> int:
        shares = int(market.level_size / UNIT * self.rng.uniform(0.5, 1.5))
        return max(5, shares) * UNIT

    def _post(self, token_id: str, side: Side, price: int, size: int, now: float) -> Order:
        order = self._order(token_id, side, price, size, OrderType.GTC, now)
        self.exchange.place(order, now)
        return order

    def _maybe_take(self, token_id: str, now: float) -> None:
        if self.rng.random() >= self.spec.take_probability:
            return
        side = Side.BUY if self.rng.random() < 0.5 else Side.SELL
        size = self.rng.randint(1, self.spec.max_take) * UNIT
        book = self.exchange.book(token_id)
        price = book.best_ask() if side is Side.BUY else book.best_bid()
        if price is None:
            return
        order = self._order(token_id, side, price, size, OrderType.FAK, now)
        with contextlib.suppress(OrderRejected):  # nothing left at that price: it shrugs
            self.exchange.place(order, now)

    def _order(
        self, token_id: str, side: Side, price: int, size: int, order_type: OrderType, now: float
    ) -> Order:
        self._seq += 1
        return Order(
            id=f"0xc0{self._seq:062x}",
            owner=CROWD_OWNER,
            maker=CROWD_ADDRESS,
            token_id=token_id,
            side=side,
            price=price,
            size=size,
            order_type=order_type,
            created_at=now,
        )


def _limits(book: Book, complement: Book) -> tuple[int, int]:
    """(bids must stay below, asks above) so a quote crosses nothing resting: not the book's
    other side, nor the complement's orders it would mint (BUYs) or merge (SELLs) with."""
    ceiling, floor = PRICE_SCALE, 0
    best_ask, best_bid = book.best_ask(), book.best_bid()
    other_bid, other_ask = complement.best_bid(), complement.best_ask()
    if best_ask is not None:
        ceiling = min(ceiling, best_ask)
    if other_bid is not None:
        ceiling = min(ceiling, PRICE_SCALE - other_bid)  # bid + other_bid < 1
    if best_bid is not None:
        floor = max(floor, best_bid)
    if other_ask is not None:
        floor = max(floor, PRICE_SCALE - other_ask)  # ask + other_ask > 1
    return ceiling, floor
