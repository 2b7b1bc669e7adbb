"""Order books, price-time-priority matching, accounts and trades. Pure: no I/O, no clock.

Everything is an integer: sizes in share base units (1e-6), prices in 1/10,000 (units.py).
Each token has its own book. As on Polymarket, a taker order's match is ONE trade holding a
leg per maker order it met, each filled at that maker's price. A market's two tokens are
complements, so a taker also meets orders of the other token (the exchange's three match
types, as in Polymarket's CTF exchange):

- COMPLEMENTARY: a BUY meets a SELL of the same token; shares and pUSD change hands;
- MINT: a BUY of A at p meets a resting BUY of B at q when p + q >= 1: the pair is minted, the
  maker pays q, the taker 1 - q (price improvement) and each gets its own token;
- MERGE: a SELL of A at p meets a resting SELL of B at q when p + q <= 1: the pair is merged,
  the maker receives q, the taker 1 - q.

Candidates are walked best-first by the price the taker gets (an ask's price, or 1 - q for a
complement order); equal prices go by time priority: the order that came to rest first.
Takers pay the market's fee per leg (fees.py); makers pay nothing.

Listeners (the venue's WebSocket feed) hear of every user order accepted, cancelled and
traded and of each settlement step; `touched` collects the tokens whose book changed since the
venue last looked, so a feed diffs only those.
"""

from __future__ import annotations

import bisect
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from sandbox.fees import FEE_COLLECTOR, NO_FEES, FeeSchedule
from sandbox.units import PRICE_SCALE, cost


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    GTC = "GTC"
    GTD = "GTD"
    FOK = "FOK"
    FAK = "FAK"


class OrderStatus(StrEnum):
    LIVE = "LIVE"
    MATCHED = "MATCHED"
    DELAYED = "DELAYED"
    UNMATCHED = "UNMATCHED"
    CANCELED = "CANCELED"
    CANCELED_MARKET_RESOLVED = "CANCELED_MARKET_RESOLVED"
    CANCELED_EXPIRED_ORDER = "CANCELED_EXPIRED_ORDER"


OPEN_STATUSES = frozenset({OrderStatus.LIVE, OrderStatus.DELAYED})


class MatchType(StrEnum):
    COMPLEMENTARY = "COMPLEMENTARY"  # BUY against SELL of one token
    MINT = "MINT"  # BUY against BUY of the complement
    MERGE = "MERGE"  # SELL against SELL of the complement


class TradeStatus(StrEnum):
    MATCHED = "MATCHED"
    MINED = "MINED"
    CONFIRMED = "CONFIRMED"
    RETRYING = "RETRYING"
    FAILED = "FAILED"


BALANCE_ERROR = "not enough balance / allowance"
FOK_ERROR = "order couldn't be fully filled. FOK orders are fully filled or killed."
FAK_ERROR = (
    "no orders found to match with FAK order. FAK orders are partially filled or killed if no "
    "match is found."
)
POST_ONLY_ERROR = "invalid post-only order: order crosses book"
_TRADE_ID_PREFIX = 0x5A4D_B0C5_0000_4000


class OrderRejected(Exception):
    """The venue refuses the order (HTTP 400). `killed` orders are still recorded as UNMATCHED."""

    def __init__(self, message: str, *, killed: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.killed = killed


@dataclass(slots=True, eq=False)
class Order:
    id: str
    owner: str
    maker: str
    token_id: str
    side: Side
    price: int
    size: int
    order_type: OrderType = OrderType.GTC
    post_only: bool = False
    expiration: int = 0
    created_at: float = 0.0
    signer: str = ""
    size_matched: int = 0
    status: OrderStatus = OrderStatus.LIVE
    reserved: int = 0
    trade_ids: list[str] = field(default_factory=list)
    queue_seq: int = 0  # when it came to rest: time priority across both tokens' books

    @property
    def remaining(self) -> int:
        return self.size - self.size_matched


@dataclass(slots=True, eq=False)
class Leg:
    """One maker order's part of a trade, at the maker's own price on the maker's token."""

    maker: Order
    kind: MatchType
    price: int
    size: int
    taker_pusd: int  # what the taker pays (BUY) or receives (SELL), fee aside
    maker_pusd: int  # what the maker pays (BUY) or receives (SELL)
    fee: int = 0  # the taker's fee for this leg, pUSD base units

    @property
    def token_id(self) -> str:
        return self.maker.token_id

    @property
    def side(self) -> Side:
        return self.maker.side

    @property
    def taker_price(self) -> int:
        """The price the taker trades at: the maker's, or 1 - it across the complement."""
        if self.kind is MatchType.COMPLEMENTARY:
            return self.price
        return PRICE_SCALE - self.price


@dataclass(slots=True, eq=False)
class Trade:
    """One taker match: `price` is the taker order's limit price, `size` its total matched."""

    id: str
    seq: int
    token_id: str
    taker: Order
    legs: list[Leg]
    price: int
    size: int
    match_time: float
    transaction_hash: str
    fee_rate_bps: str = "0"
    status: TradeStatus = TradeStatus.MATCHED
    last_update: float = 0.0
    will_fail: bool = False
    reported: bool = False  # a venue trade (not the crowd trading with itself)

    @property
    def side(self) -> Side:
        return self.taker.side

    @property
    def fee(self) -> int:
        return sum(leg.fee for leg in self.legs)

    @property
    def makers(self) -> list[Order]:
        """The maker orders met, each once (a maker may fill more than one leg)."""
        return list({id(leg.maker): leg.maker for leg in self.legs}.values())

    def involves(self, owner: str) -> bool:
        return self.taker.owner == owner or any(leg.maker.owner == owner for leg in self.legs)


@dataclass(slots=True)
class Account:
    pusd: int = 0
    reserved_pusd: int = 0
    shares: dict[str, int] = field(default_factory=dict)
    reserved_shares: dict[str, int] = field(default_factory=dict)

    def available_pusd(self) -> int:
        return self.pusd - self.reserved_pusd

    def available_shares(self, token_id: str) -> int:
        return self.shares.get(token_id, 0) - self.reserved_shares.get(token_id, 0)


class _Ladder:
    """One side of a book: FIFO queues per price, prices kept sorted ascending."""

    __slots__ = ("levels", "prices")

    def __init__(self) -> None:
        self.levels: dict[int, deque[Order]] = {}
        self.prices: list[int] = []

    def add(self, order: Order) -> None:
        queue = self.levels.get(order.price)
        if queue is None:
            queue = self.levels[order.price] = deque()
            bisect.insort(self.prices, order.price)
        queue.append(order)

    def remove(self, order: Order) -> None:
        queue = self.levels.get(order.price)
        if queue is None:
            return
        try:
            queue.remove(order)
        except ValueError:
            return
        if not queue:
            self.drop(order.price)

    def drop(self, price: int) -> None:
        del self.levels[price]
        del self.prices[bisect.bisect_left(self.prices, price)]

    def depth(self) -> list[tuple[int, int]]:
        """(price, total remaining) per level, prices ascending."""
        return [(p, sum(o.remaining for o in self.levels[p])) for p in self.prices]


# A level a taker may trade with: (the price the taker gets, its queue, the match type).
_Level = tuple[int, deque[Order], MatchType]


class Book:
    __slots__ = ("asks", "bids", "last_trade_price", "last_trade_side", "token_id")

    def __init__(self, token_id: str) -> None:
        self.token_id = token_id
        self.bids = _Ladder()
        self.asks = _Ladder()
        self.last_trade_price: int | None = None
        self.last_trade_side: Side | None = None

    def best_bid(self) -> int | None:
        return self.bids.prices[-1] if self.bids.prices else None

    def best_ask(self) -> int | None:
        return self.asks.prices[0] if self.asks.prices else None

    def ladder(self, side: Side) -> _Ladder:
        return self.bids if side is Side.BUY else self.asks

    def crossing(self, taker: Order) -> Iterator[_Level]:
        """Opposite levels a taker of this token may trade with, best first (read-only)."""
        if taker.side is Side.BUY:
            for price in self.asks.prices:
                if price > taker.price:
                    return
                yield price, self.asks.levels[price], MatchType.COMPLEMENTARY
        else:
            for price in reversed(self.bids.prices):
                if price < taker.price:
                    return
                yield price, self.bids.levels[price], MatchType.COMPLEMENTARY

    def complement_crossing(self, taker: Order) -> Iterator[_Level]:
        """Same-side levels of this (the complement) token a taker of the other token may
        mint or merge with, best first: BUYs with q >= 1 - p, SELLs with q <= 1 - p."""
        if taker.side is Side.BUY:
            for price in reversed(self.bids.prices):
                if price + taker.price < PRICE_SCALE:
                    return
                yield PRICE_SCALE - price, self.bids.levels[price], MatchType.MINT
        else:
            for price in self.asks.prices:
                if price + taker.price > PRICE_SCALE:
                    return
                yield PRICE_SCALE - price, self.asks.levels[price], MatchType.MERGE


class Exchange:
    """Books, accounts, orders and trades of one venue.

    `complements` pairs each token with its market's other token (no pair: no mint/merge);
    `fees` holds each token's market fee schedule (none: no fees).
    """

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.trades: dict[str, Trade] = {}
        self.trade_log: list[Trade] = []
        self.unsettled: list[Trade] = []
        self.transient_owners: frozenset[str] = frozenset()
        self.complements: dict[str, str] = {}
        self.fees: dict[str, FeeSchedule] = {}
        self.fee_collector = FEE_COLLECTOR
        # Listeners, called for user (non-transient) orders and reported trades only.
        self.on_trade: Callable[[Trade], None] | None = None  # after its taker is placed
        self.on_accept: Callable[[Order], None] | None = None  # before it matches
        self.on_cancel: Callable[[Order], None] | None = None
        self.on_settle: Callable[[Trade], None] | None = None  # each status change
        self.touched: set[str] = set()  # tokens whose book changed since the venue looked
        self._trade_seq = 0
        self._queue_seq = 0
        self.fail_next_trades = 0
        self.split_next_trades = 0

    # -- markets ------------------------------------------------------------------------
    def pair(self, token_a: str, token_b: str) -> None:
        """Make two tokens complements (one market's outcomes): they mint and merge."""
        self.complements[token_a] = token_b
        self.complements[token_b] = token_a

    def fee_schedule(self, token_id: str) -> FeeSchedule:
        return self.fees.get(token_id, NO_FEES)

    # -- accounts -----------------------------------------------------------------------
    def account(self, address: str) -> Account:
        key = address.lower()
        acct = self.accounts.get(key)
        if acct is None:
            acct = self.accounts[key] = Account()
        return acct

    def credit(self, address: str, *, pusd: int = 0, token_id: str = "", shares: int = 0) -> None:
        acct = self.account(address)
        acct.pusd += pusd
        if token_id:
            acct.shares[token_id] = acct.shares.get(token_id, 0) + shares

    def book(self, token_id: str) -> Book:
        book = self.books.get(token_id)
        if book is None:
            book = self.books[token_id] = Book(token_id)
        return book

    # -- placement ----------------------------------------------------------------------
    def place(self, order: Order, now: float) -> list[Trade]:
        """Match `order` and rest what GTC/GTD leave; raises OrderRejected. Returns the one
        trade its match made (none when it met nothing)."""
        self.check_funds(order)
        if order.post_only and self._best(order) is not None:
            raise OrderRejected(POST_ONLY_ERROR)
        if order.order_type is OrderType.FOK and self._fillable(order) < order.size:
            self._record_killed(order)
            raise OrderRejected(FOK_ERROR, killed=True)
        # Known before matching, so an order is announced only once it is sure to be accepted.
        if order.order_type is OrderType.FAK and self._best(order) is None:
            self._record_killed(order)
            raise OrderRejected(FAK_ERROR, killed=True)
        if self.on_accept is not None and order.owner not in self.transient_owners:
            self.on_accept(order)
        trade = self._match(order, now)
        if order.order_type in (OrderType.FOK, OrderType.FAK) or order.remaining == 0:
            order.status = OrderStatus.MATCHED
        else:
            order.status = OrderStatus.LIVE
            self._rest(order)
        self._record(order)
        if trade is None:
            return []
        # Reported once the taker has its final status and rests: listeners see it as it is.
        if trade.reported and self.on_trade is not None:
            self.on_trade(trade)
        return [trade]

    def check_funds(self, order: Order) -> None:
        """A BUY needs its notional plus the taker fee at its limit; a SELL its shares."""
        acct = self.account(order.maker)
        if order.side is Side.BUY:
            ok = acct.available_pusd() >= self._reservation(order, order.size)
        else:
            ok = acct.available_shares(order.token_id) >= order.size
        if not ok:
            raise OrderRejected(BALANCE_ERROR)

    def _reservation(self, order: Order, size: int) -> int:
        """What `size` of the order holds back: pUSD (with the fee at the limit) or shares."""
        if order.side is Side.SELL:
            return size
        fee = self.fee_schedule(order.token_id).taker_fee(size, order.price)
        return cost(size, order.price) + fee

    def _levels(self, taker: Order) -> Iterator[Iterator[_Level]]:
        """The two walks a taker has: its own book's opposite side and the complement's."""
        yield self.book(taker.token_id).crossing(taker)
        complement = self.complements.get(taker.token_id)
        if complement is not None:
            yield self.book(complement).complement_crossing(taker)

    def _best(self, taker: Order) -> tuple[Order, MatchType] | None:
        """The next maker: best price for the taker, then the earliest to have rested."""
        best: tuple[int, Order, MatchType] | None = None
        for walk in self._levels(taker):
            level = next(walk, None)
            if level is None:
                continue
            price, queue, kind = level
            head = queue[0]
            if best is None or self._before(taker, (price, head), (best[0], best[1])):
                best = (price, head, kind)
        return (best[1], best[2]) if best is not None else None

    @staticmethod
    def _before(taker: Order, a: tuple[int, Order], b: tuple[int, Order]) -> bool:
        if a[0] != b[0]:
            return a[0] < b[0] if taker.side is Side.BUY else a[0] > b[0]
        return a[1].queue_seq < b[1].queue_seq

    def _fillable(self, order: Order) -> int:
        total = 0
        for walk in self._levels(order):
            for _, queue, _ in walk:
                total += sum(o.remaining for o in queue)
                if total >= order.size:
                    return total
        return total

    def _record(self, order: Order) -> None:
        if order.owner not in self.transient_owners:
            self.orders[order.id] = order

    def _record_killed(self, order: Order) -> None:
        order.status = OrderStatus.UNMATCHED
        self._record(order)

    def _rest(self, order: Order) -> None:
        acct = self.account(order.maker)
        order.reserved = self._reservation(order, order.remaining)
        if order.side is Side.BUY:
            acct.reserved_pusd += order.reserved
        else:
            acct.reserved_shares[order.token_id] = (
                acct.reserved_shares.get(order.token_id, 0) + order.reserved
            )
        self._queue_seq += 1
        order.queue_seq = self._queue_seq
        self.book(order.token_id).ladder(order.side).add(order)
        self.touched.add(order.token_id)

    # -- matching -----------------------------------------------------------------------
    def _match(self, taker: Order, now: float) -> Trade | None:
        legs: list[Leg] = []
        split = self.split_next_trades > 0 and taker.owner not in self.transient_owners
        while taker.remaining > 0:
            best = self._best(taker)
            if best is None:
                break
            maker, kind = best
            size = min(taker.remaining, maker.remaining)
            for part in _parts(size, split):
                legs.append(self._fill(taker, maker, kind, part))
            if maker.remaining == 0:
                self._unqueue(maker)
        if not legs:
            return None
        if split:
            self.split_next_trades -= 1
        return self._new_trade(taker, legs, now)

    def _unqueue(self, maker: Order) -> None:
        ladder = self.book(maker.token_id).ladder(maker.side)
        queue = ladder.levels[maker.price]
        queue.popleft()  # the filled maker is always its level's head
        maker.status = OrderStatus.MATCHED
        if not queue:
            ladder.drop(maker.price)

    def _fill(self, taker: Order, maker: Order, kind: MatchType, size: int) -> Leg:
        maker_pusd = cost(size, maker.price)
        # Minting or merging a pair is worth exactly one pUSD a share: the taker's side is the
        # rest, so the two amounts never round apart.
        taker_pusd = maker_pusd if kind is MatchType.COMPLEMENTARY else size - maker_pusd
        leg = Leg(maker, kind, maker.price, size, taker_pusd, maker_pusd)
        leg.fee = self._leg_fee(taker, leg)
        self._book_leg(taker, leg, 1)
        self._release(maker, size)
        taker.size_matched += size
        maker.size_matched += size
        self.touched.add(maker.token_id)
        self._mark_last(taker, leg)
        return leg

    def _leg_fee(self, taker: Order, leg: Leg) -> int:
        # The crowd trading with itself is no venue trade: it pays no fee to anyone.
        if {taker.owner, leg.maker.owner} <= self.transient_owners:
            return 0
        return self.fee_schedule(taker.token_id).taker_fee(leg.size, leg.taker_price)

    def _book_leg(self, taker: Order, leg: Leg, sign: int) -> None:
        """Apply what a leg moves on the ledger (sign -1 undoes it)."""
        self._move(taker.maker, taker.side, taker.token_id, leg.size, leg.taker_pusd, sign)
        maker = leg.maker
        self._move(maker.maker, maker.side, maker.token_id, leg.size, leg.maker_pusd, sign)
        if leg.fee:
            self.credit(taker.maker, pusd=-sign * leg.fee)
            self.credit(self.fee_collector, pusd=sign * leg.fee)

    def _move(
        self, address: str, side: Side, token_id: str, size: int, pusd: int, sign: int
    ) -> None:
        """A BUY gets shares and pays pUSD, a SELL the reverse (whatever the match type)."""
        direction = sign if side is Side.BUY else -sign
        acct = self.account(address)
        acct.shares[token_id] = acct.shares.get(token_id, 0) + direction * size
        acct.pusd -= direction * pusd

    def _mark_last(self, taker: Order, leg: Leg) -> None:
        book = self.book(taker.token_id)
        book.last_trade_price, book.last_trade_side = leg.taker_price, taker.side
        if leg.kind is not MatchType.COMPLEMENTARY:
            other = self.book(leg.token_id)
            other.last_trade_price, other.last_trade_side = leg.price, leg.side

    def _release(self, maker: Order, size: int) -> None:
        """Shrink a resting order's reservation as it fills (or is cancelled)."""
        acct = self.account(maker.maker)
        left = self._reservation(maker, maker.remaining - size)
        if maker.side is Side.BUY:
            acct.reserved_pusd -= maker.reserved - left
        else:
            acct.reserved_shares[maker.token_id] -= maker.reserved - left
        maker.reserved = left

    def _new_trade(self, taker: Order, legs: list[Leg], now: float) -> Trade:
        self._trade_seq += 1
        seq = self._trade_seq
        trade = Trade(
            id=str(uuid.UUID(int=(_TRADE_ID_PREFIX << 64) | seq)),
            seq=seq,
            token_id=taker.token_id,
            taker=taker,
            legs=legs,
            price=taker.price,
            size=sum(leg.size for leg in legs),
            match_time=now,
            last_update=now,
            transaction_hash=f"0x{seq:064x}",
            fee_rate_bps=self.fee_schedule(taker.token_id).bps,
        )
        owners = {taker.owner} | {leg.maker.owner for leg in legs}
        if owners <= self.transient_owners:
            return trade  # crowd-vs-crowd: moves the last price only, never reported
        if self.fail_next_trades > 0:
            self.fail_next_trades -= 1
            trade.will_fail = True
        taker.trade_ids.append(trade.id)
        for maker in trade.makers:
            maker.trade_ids.append(trade.id)
        self.trades[trade.id] = trade
        self.trade_log.append(trade)
        self.unsettled.append(trade)
        trade.reported = True
        return trade

    # -- cancellation -------------------------------------------------------------------
    def cancel(self, order: Order, status: OrderStatus = OrderStatus.CANCELED) -> bool:
        if order.status not in OPEN_STATUSES:
            return False
        if order.status is OrderStatus.LIVE:
            self.book(order.token_id).ladder(order.side).remove(order)
            self._release(order, order.remaining)
            self.touched.add(order.token_id)
        order.status = status
        if order.owner in self.transient_owners:
            self.orders.pop(order.id, None)
        elif self.on_cancel is not None:
            self.on_cancel(order)
        return True

    def cancel_where(
        self, orders: Iterable[Order], status: OrderStatus = OrderStatus.CANCELED
    ) -> list[str]:
        return [o.id for o in list(orders) if self.cancel(o, status)]

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.status in OPEN_STATUSES]

    def expire(self, now: float) -> list[str]:
        due = (
            o
            for o in self.open_orders()
            if o.order_type is OrderType.GTD and 0 < o.expiration <= now
        )
        return self.cancel_where(due, OrderStatus.CANCELED_EXPIRED_ORDER)

    # -- settlement ---------------------------------------------------------------------
    def settle(self, now: float) -> None:
        """One settlement round: MATCHED → MINED → CONFIRMED (or → RETRYING → FAILED)."""
        still: list[Trade] = []
        for trade in self.unsettled:
            trade.status = _NEXT_STATUS[(trade.status, trade.will_fail)]
            trade.last_update = now
            if trade.status is TradeStatus.FAILED:
                self._void(trade)
            if trade.status not in (TradeStatus.CONFIRMED, TradeStatus.FAILED):
                still.append(trade)
            if self.on_settle is not None:
                self.on_settle(trade)
        self.unsettled = still

    def _void(self, trade: Trade) -> None:
        """A failed settlement never moved funds on chain: undo every leg."""
        for leg in trade.legs:
            self._book_leg(trade.taker, leg, -1)


def _parts(size: int, split: bool) -> list[int]:
    """A fill as one leg, or as two legs of one maker order (as the venue sometimes reports)."""
    if not split or size < 2:
        return [size]
    return [size // 2, size - size // 2]


_NEXT_STATUS: dict[tuple[TradeStatus, bool], TradeStatus] = {
    (TradeStatus.MATCHED, False): TradeStatus.MINED,
    (TradeStatus.MINED, False): TradeStatus.CONFIRMED,
    (TradeStatus.CONFIRMED, False): TradeStatus.CONFIRMED,
    (TradeStatus.MATCHED, True): TradeStatus.RETRYING,
    (TradeStatus.RETRYING, True): TradeStatus.FAILED,
    (TradeStatus.FAILED, True): TradeStatus.FAILED,
}
