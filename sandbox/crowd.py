"""The background crowd: a seeded random walk that quotes both books and trades into them.

Every step the crowd moves each open market's fair YES price, re-quotes `depth` levels a side
around it on the YES and NO books (never crossing resting user orders, so a user order is only
filled by crowd *taker* flow, a few shares at a time), then sometimes sends a small FAK at the
best opposite price. All randomness comes from one `random.Random(seed)`, consumed in scenario
order, so the same seed and steps give the same books and trades.
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict

from sandbox.engine import Exchange, Order, OrderRejected, OrderType, Side
from sandbox.scenario import CROWD_ADDRESS, CrowdSpec, Market
from sandbox.units import PRICE_SCALE, UNIT

CROWD_OWNER = "sandbox-crowd"
_LOW, _HIGH = 0.02, 0.98


class Crowd:
    def __init__(
        self, exchange: Exchange, markets: list[Market], spec: CrowdSpec, rng: random.Random
    ) -> None:
        self.exchange = exchange
        self.markets = markets
        self.spec = spec
        self.rng = rng
        self.fair: dict[str, float] = {m.condition_id: m.mid / PRICE_SCALE for m in markets}
        self.quotes: dict[str, list[Order]] = defaultdict(list)
        self._seq = 0

    def quote_all(self, now: float) -> None:
        for market in self._open():
            self._quote_market(market, now)

    def tick(self, now: float) -> None:
        markets = self._open()
        for market in markets:
            self._walk(market)
        self._normalise_events(markets)
        for market in markets:
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

    def _quote_market(self, market: Market, now: float) -> None:
        fair = self.fair[market.condition_id]
        self._quote_token(market, market.yes.token_id, fair, now)
        self._quote_token(market, market.no.token_id, 1.0 - fair, now)

    def _quote_token(self, market: Market, token_id: str, fair: float, now: float) -> None:
        self.exchange.cancel_where(self.quotes.pop(token_id, []))
        book = self.exchange.book(token_id)
        best_bid, best_ask = book.best_bid(), book.best_ask()
        tick = market.tick
        center = round(fair * PRICE_SCALE / tick) * tick
        half = max(1, market.spread_ticks // 2)
        quotes = self.quotes[token_id]
        for level in range(market.depth):
            bid = center - (half + level) * tick
            ask = center + (half + level) * tick
            if bid >= tick and (best_ask is None or bid < best_ask):
                quotes.append(self._post(token_id, Side.BUY, bid, self._size(market), now))
            if ask <= PRICE_SCALE - tick and (best_bid is None or ask > best_bid):
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
