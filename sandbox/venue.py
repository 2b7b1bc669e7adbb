"""The venue's state and its clock-driven life: markets, the exchange, the crowd, heartbeats,
delayed orders, settlement, tick changes and resolutions. HTTP lives in api.py/server.py; this
is in-process.

Every public method takes `self.lock`, so the HTTP threads, a ClockDriver and a test may all
touch the venue at once. `events` keeps the latest market-channel messages (`tick_size_change`
per token of a market whose tick changed, `last_trade_price` per reported trade), shaped as
Polymarket's WebSocket sends them. `feed` (events.py) sends those and everything else the two
WebSocket channels carry to whoever is subscribed: each method that changes books or orders
ends by letting it publish what changed (`_changing`).
"""

from __future__ import annotations

import contextlib
import copy
import random
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.auth import ApiKeys
from sandbox.clock import SandboxClock
from sandbox.crowd import CROWD_OWNER, Crowd
from sandbox.engine import (
    BALANCE_ERROR,
    Exchange,
    Order,
    OrderRejected,
    OrderStatus,
    Trade,
    TradeStatus,
)
from sandbox.faults import Faults
from sandbox.scenario import CROWD_ADDRESS, Market, Scenario, Token, load_scenario
from sandbox.units import UNIT, fmt_price, fmt_units

if TYPE_CHECKING:  # web3 is imported only when a venue runs with a chain
    from sandbox.chain import SandboxChain
    from sandbox.chain.settlement import VenueChain
    from sandbox.events import Feed

CLOSED_MARKET_ERROR = "market is closed, orders are not accepted"
DUPLICATE_ERROR = "duplicate order: order already exists"
# The ticks Polymarket markets use (1/10,000): 0.1, 0.01, 0.001, 0.0001.
TICKS = frozenset({1_000, 100, 10, 1})
EVENT_LIMIT = 10_000  # market-channel messages kept; older ones fall off
_CROWD_FUNDS = 10**18


@dataclass(slots=True)
class Placement:
    order: Order
    trades: list[Trade] = field(default_factory=list)
    delayed: bool = False


class Venue:
    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        seed: int = 0,
        start: float | None = None,
        step_seconds: float = 1.0,
        heartbeat_timeout: float = 10.0,
        chain_id: int = 137,
        chain: SandboxChain | None = None,
    ) -> None:
        # Markets mutate (closed, winner): never share them with another venue.
        self.scenario = copy.deepcopy(scenario or load_scenario())
        self.chain: VenueChain | None = None
        if chain is not None:
            self._attach_chain(chain)
        self.seed = seed
        # What `/version` answers; a test sets 1 to see LT refuse a venue it cannot trade on.
        self.clob_version = 2
        self.chain_id = chain_id
        self.lock = threading.RLock()
        self.clock = SandboxClock(start or self.scenario.start or float(int(time.time())))
        self.started_at = self.clock.now()
        self.step_seconds = step_seconds
        self.heartbeat_timeout = heartbeat_timeout
        self.markets: dict[str, Market] = {m.condition_id: m for m in self.scenario.markets}
        self.tokens: dict[str, tuple[Market, Token]] = {
            t.token_id: (m, t) for m in self.scenario.markets for t in m.tokens
        }
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENT_LIMIT)
        self.exchange = Exchange()
        self.exchange.transient_owners = frozenset({CROWD_OWNER})
        for market in self.scenario.markets:
            self.exchange.pair(market.yes.token_id, market.no.token_id)
            for token in market.tokens:
                self.exchange.fees[token.token_id] = market.fees
        self.faults = Faults()
        self.keys = ApiKeys(f"lt-sandbox-{seed}")
        self.feed = self._attach_feed()
        # (EOA, signature type) → the wallet holding its funds (proxy, Safe, deposit wallet).
        self.funders: dict[tuple[str, int], str] = {}
        self.heartbeats: dict[str, float] = {}
        self.delayed: list[Order] = []
        self.steps = 0
        self.crowd = Crowd(
            self.exchange,
            self.scenario.markets,
            self.scenario.crowd,
            random.Random(seed),
            on_tick=self._change_tick,
        )
        self._fund_scenario()
        self.crowd.quote_all(self.clock.now())

    def _attach_feed(self) -> Feed:
        # Imported here: the feed renders orders and trades with views, which imports this.
        from sandbox.events import Feed

        feed = Feed(self)
        self.exchange.on_trade = self._trade_event
        self.exchange.on_accept = feed.order_placed
        self.exchange.on_cancel = feed.order_canceled
        self.exchange.on_settle = feed.trade_settled
        return feed

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """The lock, then the feed publishes what the books did meanwhile."""
        with self.lock:
            try:
                yield
            finally:
                self.feed.flush()

    @property
    def ws_stats(self) -> dict[str, int]:
        """WebSocket counters: connections, open, drops, overflows, refused, messages_sent,
        frames_sent."""
        return self.feed.stats()

    def _attach_chain(self, chain: SandboxChain) -> None:
        """Markets become real conditions (their ids the chain's); accounts' shares follow."""
        from sandbox.chain.settlement import VenueChain

        self.chain = VenueChain(chain, CROWD_ADDRESS)
        renamed = self.chain.register(self.scenario.markets)
        for spec in self.scenario.accounts:
            spec.shares = {renamed.get(t, t): n for t, n in spec.shares.items()}

    def _fund_scenario(self) -> None:
        # The crowd's own funds stay off-chain: what it sells is minted when a fill settles.
        for token_id in self.tokens:
            self.exchange.credit(CROWD_ADDRESS, token_id=token_id, shares=_CROWD_FUNDS)
        self.exchange.credit(CROWD_ADDRESS, pusd=_CROWD_FUNDS)
        for spec in self.scenario.accounts:
            self._credit(spec.address, pusd=spec.pusd)
            for token_id, shares in spec.shares.items():
                self._credit(spec.address, token_id=token_id, shares=shares)
            if spec.signer:
                self._link_all(spec.signer, spec.address)

    def _credit(self, address: str, *, pusd: int = 0, token_id: str = "", shares: int = 0) -> None:
        self.exchange.credit(address, pusd=pusd, token_id=token_id, shares=shares)
        if self.chain is not None:
            self.chain.fund(address, pusd=pusd, token_id=token_id, shares=shares)

    # -- clock ----------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def step(self, n: int = 1) -> None:
        """Advance the clock by `n` steps, running the venue's life once per step."""
        with self._changing():
            for _ in range(n):
                self.clock.advance(self.step_seconds)
                self._tick()
                self.feed.flush()  # each step's changes go out stamped with its time

    def advance(self, seconds: float) -> None:
        self.step(int(seconds // self.step_seconds))

    def advance_to(self, target: float) -> None:
        with self.lock:
            while self.clock.now() + self.step_seconds <= target:
                self.step(1)

    def _tick(self) -> None:
        now = self.clock.now()
        self.steps += 1
        self._resolve_due(now)
        self._release_delayed(now)
        self.crowd.tick(now)
        self.exchange.expire(now)
        self._settle(now)
        self._check_heartbeats(now)

    def _settle(self, now: float) -> None:
        # Fills go on-chain as they are mined (MATCHED → MINED), one batch per step; a trade
        # bound to fail never moves anything on-chain.
        mining = [
            t
            for t in self.exchange.unsettled
            if t.status is TradeStatus.MATCHED and not t.will_fail
        ]
        self.exchange.settle(now)
        if self.chain is not None and mining:
            self.chain.settle(mining)

    # -- accounts -------------------------------------------------------------------------
    def fund(
        self,
        address: str,
        *,
        pusd: int = 0,
        token_id: str = "",
        shares: int = 0,
        signer: str = "",
    ) -> None:
        """Credit `address` (amounts in base units) and optionally link it to a signer EOA."""
        with self.lock:
            if token_id and token_id not in self.tokens:
                raise KeyError(f"unknown token {token_id}")
            self._credit(address, pusd=pusd, token_id=token_id, shares=shares)
            if signer:
                self._link_all(signer, address)

    def _link_all(self, signer: str, funder: str) -> None:
        for signature_type in (1, 2, 3):
            self.funders[(signer.lower(), signature_type)] = funder

    def link_funder(self, signer: str, signature_type: int, funder: str) -> None:
        """Remember whose funds a key's orders spend, for /balance-allowance?signature_type=."""
        if signature_type:
            with self.lock:
                self.funders[(signer.lower(), signature_type)] = funder

    def funder_of(self, signer: str, signature_type: int) -> str:
        if signature_type == 0:
            return signer
        return self.funders.get((signer.lower(), signature_type), signer)

    def balance(self, address: str, token_id: str = "") -> int:
        with self.lock:
            acct = self.exchange.account(address)
            return acct.shares.get(token_id, 0) if token_id else acct.pusd

    # -- orders ---------------------------------------------------------------------------
    def market_of(self, token_id: str) -> Market | None:
        entry = self.tokens.get(token_id)
        return entry[0] if entry else None

    def submit(self, order: Order) -> Placement:
        """Place a validated, signed order; raises OrderRejected."""
        with self._changing():
            market = self.market_of(order.token_id)
            if market is None or market.closed:
                raise OrderRejected(CLOSED_MARKET_ERROR)
            if self.faults.take("balance"):
                raise OrderRejected(BALANCE_ERROR)
            existing = self.exchange.orders.get(order.id)
            if existing is not None and existing.status is not OrderStatus.UNMATCHED:
                raise OrderRejected(DUPLICATE_ERROR)
            order.created_at = self.clock.now()
            if self.faults.take("delayed"):
                return self._delay(order)
            self.exchange.fail_next_trades += self.faults.drain("trade_failed")
            self.exchange.split_next_trades += self.faults.drain("split_legs")
            return Placement(order, self.exchange.place(order, order.created_at))

    def _delay(self, order: Order) -> Placement:
        self.exchange.check_funds(order)
        order.status = OrderStatus.DELAYED
        self.exchange.orders[order.id] = order
        self.delayed.append(order)
        return Placement(order, delayed=True)

    def _release_delayed(self, now: float) -> None:
        pending, self.delayed = self.delayed, []
        for order in pending:
            if order.status is not OrderStatus.DELAYED:
                continue  # cancelled while waiting
            order.status = OrderStatus.LIVE
            try:
                self.exchange.place(order, now)
            except OrderRejected:
                order.status = OrderStatus.UNMATCHED

    def order(self, order_id: str) -> Order | None:
        with self.lock:
            return self.exchange.orders.get(order_id)

    def orders(self) -> list[Order]:
        """Every user order the venue accepted (resting, filled, cancelled, killed)."""
        with self.lock:
            return list(self.exchange.orders.values())

    def cancel(self, owner: str, order_ids: list[str]) -> tuple[list[str], dict[str, str]]:
        with self._changing():
            canceled: list[str] = []
            not_canceled: dict[str, str] = {}
            for order_id in order_ids:
                order = self.exchange.orders.get(order_id)
                if order is None or order.owner != owner:
                    not_canceled[order_id] = "order not found"
                elif self.exchange.cancel(order):
                    canceled.append(order_id)
                else:
                    not_canceled[order_id] = "order can't be canceled: already matched or canceled"
            return canceled, not_canceled

    def cancel_owner(self, owner: str, market: str = "", asset_id: str = "") -> list[str]:
        with self._changing():
            return self.exchange.cancel_where(
                o
                for o in self.exchange.open_orders()
                if o.owner == owner
                and (not asset_id or o.token_id == asset_id)
                and (not market or self._condition_of(o) == market)
            )

    def _condition_of(self, order: Order) -> str:
        market = self.market_of(order.token_id)
        return market.condition_id if market else ""

    # -- heartbeats -----------------------------------------------------------------------
    def heartbeat(self, owner: str) -> None:
        with self.lock:
            if not self.faults.active("heartbeat_loss"):
                self.heartbeats[owner] = self.clock.now()

    def _check_heartbeats(self, now: float) -> None:
        for owner, seen in list(self.heartbeats.items()):
            if now - seen > self.heartbeat_timeout:
                # The venue's dead-man switch: a silent client's orders are all cancelled.
                del self.heartbeats[owner]
                self.cancel_owner(owner)

    # -- resolution -----------------------------------------------------------------------
    def _resolve_due(self, now: float) -> None:
        for market in self.scenario.markets:
            due = market.resolve_after is not None and now >= self.started_at + market.resolve_after
            if due and not market.closed and market.winner:
                winner = next(t for t in market.tokens if t.outcome == market.winner)
                self.resolve(market.condition_id, winner.token_id)

    def resolve(self, condition_id: str, winner_token_id: str) -> None:
        """Close a market with a winner; a neg-risk YES winner closes its siblings as NO."""
        with self._changing():
            market = self.markets[condition_id]
            if winner_token_id not in {t.token_id for t in market.tokens}:
                raise KeyError(f"{winner_token_id} is not a token of {condition_id}")
            self._close(market, winner_token_id)
            if market.event and winner_token_id == market.yes.token_id:
                for sibling in self.scenario.markets:
                    if sibling.event == market.event and not sibling.closed:
                        self._close(sibling, sibling.no.token_id)

    def _close(self, market: Market, winner_token_id: str) -> None:
        if self.chain is not None and not market.closed:
            self.chain.resolve(market.condition_id, winner_token_id)  # reportPayouts on-chain
        market.closed = True
        market.winner_token = winner_token_id
        market.closed_time = self.clock.now()
        self.crowd.withdraw(market)
        tokens = {t.token_id for t in market.tokens}
        self.exchange.cancel_where(
            (o for o in self.exchange.open_orders() if o.token_id in tokens),
            OrderStatus.CANCELED_MARKET_RESOLVED,
        )
        # The gamma id, as /gamma/markets numbers the venue's markets.
        self.feed.market_resolved(market, self.scenario.markets.index(market) + 1)

    # -- ticks and events -----------------------------------------------------------------
    def set_tick(self, condition_id: str, tick: int) -> None:
        """Change a market's tick (1/10,000) as the venue does mid-life: new orders must sit on
        it, resting ones stay. The crowd's extreme-price rule leaves this market alone after."""
        if tick not in TICKS:
            raise ValueError(f"invalid tick size {fmt_price(tick)}")
        with self._changing():
            market = self.markets[condition_id]
            market.tick_pinned = True
            self._change_tick(market, tick)

    def _change_tick(self, market: Market, tick: int) -> None:
        old, market.tick = market.tick, tick
        if old == tick:
            return
        for token in market.tokens:
            self._market_event(
                {
                    "event_type": "tick_size_change",
                    "asset_id": token.token_id,
                    "market": market.condition_id,
                    "old_tick_size": fmt_price(old),
                    "new_tick_size": fmt_price(tick),
                    "timestamp": self._timestamp(),
                }
            )

    def _trade_event(self, trade: Trade) -> None:
        market = self.market_of(trade.token_id)
        self.feed.trade_matched(trade)
        self._market_event(
            {
                "event_type": "last_trade_price",
                "asset_id": trade.token_id,
                "market": market.condition_id if market else "",
                # The last (worst) price the taker traded at, as /last-trade-price answers.
                "price": fmt_price(trade.legs[-1].taker_price),
                "side": trade.side.value,
                "size": fmt_units(trade.size),
                "fee_rate_bps": trade.fee_rate_bps,
                "timestamp": self._timestamp(),
            }
        )

    def _market_event(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        self.feed.market_event(message)

    def _timestamp(self) -> str:
        return str(int(self.clock.now() * 1000))

    # -- prices ---------------------------------------------------------------------------
    def mid(self, token_id: str) -> int | None:
        book = self.exchange.book(token_id)
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return None
        return (bid + ask) // 2


def shares(n: float) -> int:
    """Whole or fractional shares in base units (a helper for tests and the fixture)."""
    return round(n * UNIT)
