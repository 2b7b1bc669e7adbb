"""Order books, price-time-priority matching, accounts and trades. Pure: no I/O, no clock.

Everything is an integer: sizes in share base units (1e-6), prices in 1/10,000 (units.py).
Each token has its own book; a trade is one taker/maker pair filled at the maker's price.
"""

from __future__ import annotations

import bisect
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from sandbox.units import cost


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

    @property
    def remaining(self) -> int:
        return self.size - self.size_matched


@dataclass(slots=True, eq=False)
class Trade:
    id: str
    seq: int
    token_id: str
    taker: Order
    maker: Order
    price: int
    size: int
    match_time: float
    transaction_hash: str
    status: TradeStatus = TradeStatus.MATCHED
    last_update: float = 0.0
    will_fail: bool = False

    @property
    def side(self) -> Side:
        return self.taker.side


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

    def crossing(self, taker: Order) -> Iterator[tuple[int, deque[Order]]]:
        """Opposite levels a taker may trade with, best first (read-only walk)."""
        if taker.side is Side.BUY:
            for price in self.asks.prices:
                if price > taker.price:
                    return
                yield price, self.asks.levels[price]
        else:
            for price in reversed(self.bids.prices):
                if price < taker.price:
                    return
                yield price, self.bids.levels[price]


class Exchange:
    """Books, accounts, orders and trades of one venue."""

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.accounts: dict[str, Account] = {}
        self.orders: dict[str, Order] = {}
        self.trades: dict[str, Trade] = {}
        self.trade_log: list[Trade] = []
        self.unsettled: list[Trade] = []
        self.transient_owners: frozenset[str] = frozenset()
        self._trade_seq = 0
        self.fail_next_trades = 0

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
        """Match `order` and rest what GTC/GTD leave; raises OrderRejected."""
        book = self.book(order.token_id)
        self.check_funds(order)
        if order.post_only and next(book.crossing(order), None) is not None:
            raise OrderRejected(POST_ONLY_ERROR)
        if order.order_type is OrderType.FOK and self._fillable(book, order) < order.size:
            self._record_killed(order)
            raise OrderRejected(FOK_ERROR, killed=True)
        trades = self._match(book, order, now)
        if order.order_type in (OrderType.FOK, OrderType.FAK):
            if not trades:
                self._record_killed(order)
                raise OrderRejected(FAK_ERROR, killed=True)
            order.status = OrderStatus.MATCHED
        elif order.remaining == 0:
            order.status = OrderStatus.MATCHED
        else:
            order.status = OrderStatus.LIVE
            self._rest(book, order)
        self._record(order)
        return trades

    def check_funds(self, order: Order) -> None:
        acct = self.account(order.maker)
        if order.side is Side.BUY:
            ok = acct.available_pusd() >= cost(order.size, order.price)
        else:
            ok = acct.available_shares(order.token_id) >= order.size
        if not ok:
            raise OrderRejected(BALANCE_ERROR)

    @staticmethod
    def _fillable(book: Book, order: Order) -> int:
        total = 0
        for _, queue in book.crossing(order):
            total += sum(o.remaining for o in queue)
            if total >= order.size:
                break
        return total

    def _record(self, order: Order) -> None:
        if order.owner not in self.transient_owners:
            self.orders[order.id] = order

    def _record_killed(self, order: Order) -> None:
        order.status = OrderStatus.UNMATCHED
        self._record(order)

    def _rest(self, book: Book, order: Order) -> None:
        acct = self.account(order.maker)
        if order.side is Side.BUY:
            order.reserved = cost(order.remaining, order.price)
            acct.reserved_pusd += order.reserved
        else:
            order.reserved = order.remaining
            acct.reserved_shares[order.token_id] = (
                acct.reserved_shares.get(order.token_id, 0) + order.reserved
            )
        book.ladder(order.side).add(order)

    def _match(self, book: Book, taker: Order, now: float) -> list[Trade]:
        trades: list[Trade] = []
        ladder = book.asks if taker.side is Side.BUY else book.bids
        while taker.remaining > 0 and ladder.prices:
            price = ladder.prices[0] if taker.side is Side.BUY else ladder.prices[-1]
            if (taker.side is Side.BUY and price > taker.price) or (
                taker.side is Side.SELL and price < taker.price
            ):
                break
            queue = ladder.levels[price]
            maker = queue[0]
            trades.append(
                self._fill(book, taker, maker, min(taker.remaining, maker.remaining), now)
            )
            if maker.remaining == 0:
                queue.popleft()
                maker.status = OrderStatus.MATCHED
                if not queue:
                    ladder.drop(price)
        return trades

    def _fill(self, book: Book, taker: Order, maker: Order, size: int, now: float) -> Trade:
        price = maker.price
        buyer, seller = (taker, maker) if taker.side is Side.BUY else (maker, taker)
        self._transfer(buyer.maker, seller.maker, book.token_id, size, cost(size, price))
        self._release(maker, size)
        taker.size_matched += size
        maker.size_matched += size
        book.last_trade_price, book.last_trade_side = price, taker.side
        return self._new_trade(book.token_id, taker, maker, price, size, now)

    def _transfer(self, buyer: str, seller: str, token_id: str, size: int, amount: int) -> None:
        b, s = self.account(buyer), self.account(seller)
        b.pusd -= amount
        s.pusd += amount
        b.shares[token_id] = b.shares.get(token_id, 0) + size
        s.shares[token_id] = s.shares.get(token_id, 0) - size

    def _release(self, maker: Order, size: int) -> None:
        """Shrink a resting order's reservation as it fills (or is cancelled)."""
        acct = self.account(maker.maker)
        if maker.side is Side.BUY:
            left = cost(maker.remaining - size, maker.price)
            acct.reserved_pusd -= maker.reserved - left
            maker.reserved = left
        else:
            acct.reserved_shares[maker.token_id] -= size
            maker.reserved -= size

    def _new_trade(
        self, token_id: str, taker: Order, maker: Order, price: int, size: int, now: float
    ) -> Trade:
        self._trade_seq += 1
        seq = self._trade_seq
        trade = Trade(
            id=str(uuid.UUID(int=(_TRADE_ID_PREFIX << 64) | seq)),
            seq=seq,
            token_id=token_id,
            taker=taker,
            maker=maker,
            price=price,
            size=size,
            match_time=now,
            last_update=now,
            transaction_hash=f"0x{seq:064x}",
        )
        if taker.owner in self.transient_owners and maker.owner in self.transient_owners:
            return trade  # crowd-vs-crowd: moves the last price only, never reported
        if self.fail_next_trades > 0:
            self.fail_next_trades -= 1
            trade.will_fail = True
        taker.trade_ids.append(trade.id)
        maker.trade_ids.append(trade.id)
        self.trades[trade.id] = trade
        self.trade_log.append(trade)
        self.unsettled.append(trade)
        return trade

    # -- cancellation -------------------------------------------------------------------
    def cancel(self, order: Order, status: OrderStatus = OrderStatus.CANCELED) -> bool:
        if order.status not in OPEN_STATUSES:
            return False
        if order.status is OrderStatus.LIVE:
            self.book(order.token_id).ladder(order.side).remove(order)
            self._release(order, order.remaining)
        order.status = status
        if order.owner in self.transient_owners:
            self.orders.pop(order.id, None)
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
        self.unsettled = still

    def _void(self, trade: Trade) -> None:
        """A failed settlement never moved funds on chain: undo the transfer."""
        buyer, seller = (
            (trade.taker, trade.maker) if trade.side is Side.BUY else (trade.maker, trade.taker)
        )
        amount = cost(trade.size, trade.price)
        self._transfer(buyer.maker, seller.maker, trade.token_id, -trade.size, -amount)


_NEXT_STATUS: dict[tuple[TradeStatus, bool], TradeStatus] = {
    (TradeStatus.MATCHED, False): TradeStatus.MINED,
    (TradeStatus.MINED, False): TradeStatus.CONFIRMED,
    (TradeStatus.CONFIRMED, False): TradeStatus.CONFIRMED,
    (TradeStatus.MATCHED, True): TradeStatus.RETRYING,
    (TradeStatus.RETRYING, True): TradeStatus.FAILED,
    (TradeStatus.FAILED, True): TradeStatus.FAILED,
}
