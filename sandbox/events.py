"""The venue's WebSocket feed: who listens to what, and the messages the venue sends them.

No sockets here (ws.py carries the frames). The venue calls the feed inside its lock as things
happen; the feed builds Polymarket's messages (tests/venue/recorded.py WS_*) only when someone
listens and puts them on each listener's bounded queue, which that connection's writer drains.

Market channel (per token): a `book` snapshot on subscribe, then `price_change` for levels that
changed, `tick_size_change`, `last_trade_price`, and with custom features `best_bid_ask` and
`market_resolved`. Book changes are found by diffing: the exchange marks the tokens it touched,
and at the end of each venue mutation (`flush`) only the touched tokens someone watches are
compared with the levels last published for them, so idle subscriptions cost nothing.

User channel (per API key, optionally per market): `order` PLACEMENT (accepted, before it
matches), UPDATE (it matched), CANCELLATION (cancelled, expired, market resolved), and `trade`
on the match and on every settlement step, seen from the key's side.

A listener whose queue overflows is hung up on, as the venue does with a slow consumer: the
client must reconnect and subscribe again.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from queue import SimpleQueue
from typing import TYPE_CHECKING, Any

from sandbox import views
from sandbox.engine import Order, Trade
from sandbox.scenario import Market
from sandbox.units import PRICE_SCALE, fmt_price, fmt_units

if TYPE_CHECKING:
    from sandbox.venue import Venue

# Messages a connection may have waiting before it is hung up on: 40 steps of a 1,000-token
# subscription (a few KB each), so a reader must be far behind, not merely busy.
QUEUE_LIMIT = 20_000
Message = dict[str, Any]
# A frame's content: JSON, or text as it is ("PONG"); None stops the writer.
Outgoing = Message | list[Message] | str | None
Levels = dict[int, int]  # price → the level's total size, base units

# Every step re-quotes every book, so formatting numbers is most of the feed's work: prices
# take at most 10,001 values (formatted once), sizes repeat a lot (cached).
_PRICES = [fmt_price(p) for p in range(PRICE_SCALE + 1)]
_size_text = functools.lru_cache(maxsize=1 << 16)(fmt_units)


@dataclass(slots=True)
class FeedStats:
    connections: int = 0  # accepted over the venue's life
    drops: int = 0  # connections dropped on purpose (POST /_sandbox/ws, the ws_drop fault)
    overflows: int = 0  # connections hung up on because their queue overflowed
    refused: int = 0  # user-channel subscriptions with wrong credentials
    messages_sent: int = 0
    frames_sent: int = 0


class Subscriber:
    """One connection's subscriptions and outgoing queue. `hang_up` ends the connection
    abruptly (no close frame), from any thread."""

    def __init__(self, hang_up: Callable[[], None], limit: int = QUEUE_LIMIT) -> None:
        self.queue: SimpleQueue[Outgoing] = SimpleQueue()
        self.limit = limit
        self.hang_up = hang_up
        self.alive = True
        self.overflowed = False
        # Market channel.
        self.tokens: set[str] = set()
        self.custom = False  # custom_feature_enabled: best_bid_ask, market_resolved
        self.every_market = False  # subscribed with no token: market-wide custom events
        # User channel.
        self.owner = ""
        self.markets: set[str] | None = None  # None: every market

    def offer(self, message: Message | list[Message] | str) -> None:
        if not self.alive:
            return
        if self.queue.qsize() >= self.limit:
            self.alive, self.overflowed = False, True
            self.hang_up()
            return
        self.queue.put(message)

    def close(self) -> None:
        self.alive = False
        self.queue.put(None)

    def wants_market(self, condition_id: str) -> bool:
        return self.markets is None or condition_id in self.markets


class Feed:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.lock = venue.lock  # every subscription change is ordered with the venue's life
        self.subscribers: set[Subscriber] = set()  # every open connection
        self.by_token: dict[str, set[Subscriber]] = {}
        self.by_owner: dict[str, set[Subscriber]] = {}
        self.published: dict[str, tuple[Levels, Levels]] = {}  # watched tokens: bids, asks
        self.counters = FeedStats()
        self.queue_limit = QUEUE_LIMIT  # for connections opened from now on
        self._count_lock = threading.Lock()  # writers count without the venue's lock

    # -- connections ----------------------------------------------------------------------
    def attach(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.add(subscriber)
            self.counters.connections += 1

    def detach(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.discard(subscriber)
            self._unwatch(subscriber, list(subscriber.tokens))
            followers = self.by_owner.get(subscriber.owner)
            if followers is not None:
                followers.discard(subscriber)
                if not followers:
                    del self.by_owner[subscriber.owner]
            if subscriber.overflowed:
                self.counters.overflows += 1

    def drop_all(self) -> int:
        """Hang up on every connection at once (as a venue restart does); how many."""
        with self.lock:
            dropped = list(self.subscribers)
            for subscriber in dropped:
                subscriber.alive = False
            self.counters.drops += len(dropped)
        for subscriber in dropped:
            subscriber.hang_up()
        return len(dropped)

    def refused(self) -> None:
        with self.lock:
            self.counters.refused += 1

    def sent(self, messages: int, frames: int) -> None:
        with self._count_lock:
            self.counters.messages_sent += messages
            self.counters.frames_sent += frames

    def stats(self) -> dict[str, int]:
        with self.lock, self._count_lock:
            return asdict(self.counters) | {"open": len(self.subscribers)}

    # -- market channel: subscriptions ----------------------------------------------------
    def watch(self, subscriber: Subscriber, tokens: Iterable[str], dump: bool = True) -> None:
        """Subscribe to tokens the venue lists (others are ignored) and send each new one's
        book, in one frame; under the lock, so no change slips between book and stream."""
        with self.lock:
            self.flush()
            books = [self._watch_token(subscriber, t) for t in _unique(tokens)]
            snapshots = [book for book in books if book is not None]
            if snapshots and dump:
                subscriber.offer(snapshots)

    def unwatch(self, subscriber: Subscriber, tokens: Iterable[str]) -> None:
        with self.lock:
            self._unwatch(subscriber, tokens)

    def _watch_token(self, subscriber: Subscriber, token_id: str) -> Message | None:
        if token_id not in self.venue.tokens or token_id in subscriber.tokens:
            return None
        watchers = self.by_token.get(token_id)
        if watchers is None:
            watchers = self.by_token[token_id] = set()
            self.published[token_id] = self._levels(token_id)
        watchers.add(subscriber)
        subscriber.tokens.add(token_id)
        return self._book(token_id)

    def _unwatch(self, subscriber: Subscriber, tokens: Iterable[str]) -> None:
        for token_id in tokens:
            subscriber.tokens.discard(token_id)
            watchers = self.by_token.get(token_id)
            if watchers is None:
                continue
            watchers.discard(subscriber)
            if not watchers:  # nobody left: stop diffing it
                del self.by_token[token_id]
                del self.published[token_id]

    # -- market channel: messages ---------------------------------------------------------
    def flush(self) -> None:
        """Publish what the last mutation did to the books people watch (price_change)."""
        touched = self.venue.exchange.touched
        if not touched or not self.by_token:
            touched.clear()
            return
        watched = sorted(t for t in touched if t in self.by_token)
        touched.clear()
        if not watched:
            return
        timestamp = self._timestamp()
        by_market: dict[str, list[Message]] = {}
        new_best: list[Message] = []
        for token_id in watched:
            changes = self._diff(token_id, timestamp, new_best)
            if changes:
                by_market.setdefault(self._condition(token_id), []).extend(changes)
        for condition_id, changes in by_market.items():
            self._send_price_change(condition_id, changes, timestamp)
        for message in new_best:
            for subscriber in self.by_token[message["asset_id"]]:
                if subscriber.custom:
                    subscriber.offer(message)

    def market_event(self, message: Message) -> None:
        """A tick_size_change or last_trade_price, after the book changes that led to it."""
        self.flush()
        for subscriber in self.by_token.get(message["asset_id"], ()):
            subscriber.offer(message)

    def market_resolved(self, market: Market, index: int) -> None:
        self.flush()
        listeners = {s for s in self.subscribers if s.custom and s.every_market}
        for token in market.tokens:
            listeners.update(s for s in self.by_token.get(token.token_id, ()) if s.custom)
        if not listeners:
            return
        winner = next((t for t in market.tokens if t.token_id == market.winner_token), None)
        message = {
            "event_type": "market_resolved",
            "id": str(index),
            "question": market.question,
            "market": market.condition_id,
            "slug": market.slug,
            "description": market.question,
            "assets_ids": [t.token_id for t in market.tokens],
            "outcomes": [t.outcome for t in market.tokens],
            "winning_asset_id": market.winner_token or "",
            "winning_outcome": winner.outcome if winner else "",
            "timestamp": self._timestamp(),
        }
        for subscriber in listeners:
            subscriber.offer(message)

    def _levels(self, token_id: str) -> tuple[Levels, Levels]:
        book = self.venue.exchange.book(token_id)
        return dict(book.bids.depth()), dict(book.asks.depth())

    def _book(self, token_id: str) -> Message:
        bids, asks = self.published[token_id]
        return {
            "event_type": "book",
            "asset_id": token_id,
            "market": self._condition(token_id),
            # As the venue lists them: bids ascending, asks descending (best of each last).
            "bids": [_level(p, bids[p]) for p in sorted(bids)],
            "asks": [_level(p, asks[p]) for p in sorted(asks, reverse=True)],
            "timestamp": self._timestamp(),
            "hash": _book_hash(token_id, bids, asks),
        }

    def _diff(self, token_id: str, timestamp: str, new_best: list[Message]) -> list[Message]:
        """The levels of a token that changed since last published; a best_bid_ask goes to
        `new_best` when the top of the book moved and someone wants custom features."""
        old_bids, old_asks = self.published[token_id]
        bids, asks = self._levels(token_id)
        if bids == old_bids and asks == old_asks:
            return []  # touched but back as it was (a quote replaced by the same size)
        self.published[token_id] = (bids, asks)
        # An empty side reads "0" (bids) and "1" (asks), as the venue writes it.
        best_bid = _PRICES[max(bids, default=0)]
        best_ask = _PRICES[min(asks, default=PRICE_SCALE)]
        digest = _book_hash(token_id, bids, asks)
        changes = [
            {
                "asset_id": token_id,
                "price": _PRICES[price],
                "size": _size_text(size),  # the level's new total; "0" removes it
                "side": side,
                "hash": digest,
                "best_bid": best_bid,
                "best_ask": best_ask,
            }
            for side, old, new in (("BUY", old_bids, bids), ("SELL", old_asks, asks))
            for price, size in _changed(old, new)
        ]
        moved = _best(old_bids, old_asks) != _best(bids, asks)
        if moved and any(s.custom for s in self.by_token[token_id]):
            new_best.append(self._best_bid_ask(token_id, bids, asks, timestamp))
        return changes

    def _send_price_change(self, condition_id: str, changes: list[Message], ts: str) -> None:
        tokens = {c["asset_id"] for c in changes}
        listeners: set[Subscriber] = set()
        for token_id in tokens:
            listeners |= self.by_token[token_id]
        shared = _price_change(condition_id, changes, ts)
        for subscriber in listeners:
            if tokens <= subscriber.tokens:
                subscriber.offer(shared)
            else:  # one message a market, each listener seeing only the tokens it follows
                mine = [c for c in changes if c["asset_id"] in subscriber.tokens]
                subscriber.offer(_price_change(condition_id, mine, ts))

    def _best_bid_ask(self, token_id: str, bids: Levels, asks: Levels, ts: str) -> Message:
        bid, ask = max(bids, default=0), min(asks, default=PRICE_SCALE)
        return {
            "event_type": "best_bid_ask",
            "market": self._condition(token_id),
            "asset_id": token_id,
            "best_bid": fmt_price(bid),
            "best_ask": fmt_price(ask),
            "spread": fmt_price(ask - bid),
            "timestamp": ts,
        }

    # -- user channel ---------------------------------------------------------------------
    def authorize(self, auth: Any) -> str | None:
        """The API key that `{"apiKey", "secret", "passphrase"}` proves, or None."""
        if not isinstance(auth, dict):
            return None
        with self.lock:
            key = self.venue.keys.get(str(auth.get("apiKey") or ""))
        if key is None:
            return None
        secret_ok = hmac.compare_digest(str(auth.get("secret") or ""), key.secret)
        passphrase_ok = hmac.compare_digest(str(auth.get("passphrase") or ""), key.passphrase)
        return key.key if secret_ok and passphrase_ok else None

    def follow(self, subscriber: Subscriber, owner: str, markets: list[str]) -> None:
        with self.lock:
            subscriber.owner = owner
            subscriber.markets = set(markets) or None
            self.by_owner.setdefault(owner, set()).add(subscriber)

    def follow_markets(self, subscriber: Subscriber, markets: list[str], add: bool) -> None:
        """A subscription update: more markets, or fewer (a key following every market
        keeps doing so: there is no list to take from)."""
        with self.lock:
            if add and subscriber.markets is not None:
                subscriber.markets.update(markets)
            elif not add and subscriber.markets is not None:
                subscriber.markets.difference_update(markets)

    def order_placed(self, order: Order) -> None:
        self._order_message(order, "PLACEMENT")

    def order_canceled(self, order: Order) -> None:
        self._order_message(order, "CANCELLATION")

    def trade_matched(self, trade: Trade) -> None:
        """The trade to each key in it, then each of that key's orders it filled (UPDATE)."""
        for owner in self._owners(trade):
            listeners = self._listeners(owner, self._condition(trade.token_id))
            if not listeners:
                continue
            messages = [self._trade(trade, owner)]
            orders = [trade.taker, *trade.makers]
            messages += [self._order(o, "UPDATE") for o in orders if o.owner == owner]
            for subscriber in listeners:
                for message in messages:
                    subscriber.offer(message)

    def trade_settled(self, trade: Trade) -> None:
        for owner in self._owners(trade):
            listeners = self._listeners(owner, self._condition(trade.token_id))
            if listeners:
                message = self._trade(trade, owner)
                for subscriber in listeners:
                    subscriber.offer(message)

    def _order_message(self, order: Order, kind: str) -> None:
        listeners = self._listeners(order.owner, self._condition(order.token_id))
        if listeners:
            message = self._order(order, kind)
            for subscriber in listeners:
                subscriber.offer(message)

    def _listeners(self, owner: str, condition_id: str) -> list[Subscriber]:
        followers = self.by_owner.get(owner)
        if not followers:
            return []
        return [s for s in followers if s.wants_market(condition_id)]

    def _owners(self, trade: Trade) -> list[str]:
        """The keys in a trade, taker first, each once; the crowd has no channel."""
        owners = [trade.taker.owner, *(leg.maker.owner for leg in trade.legs)]
        transient = self.venue.exchange.transient_owners
        return [o for o in dict.fromkeys(owners) if o not in transient]

    def _order(self, order: Order, kind: str) -> Message:
        row = views.order_json(self.venue, order)
        return {
            "event_type": "order",
            "id": row["id"],
            "owner": row["owner"],
            "market": row["market"],
            "asset_id": row["asset_id"],
            "side": row["side"],
            "order_owner": row["owner"],
            "original_size": row["original_size"],
            "size_matched": row["size_matched"],
            "price": row["price"],
            "associate_trades": row["associate_trades"] or None,  # null until it trades
            "outcome": row["outcome"],
            "type": kind,
            "created_at": str(row["created_at"]),  # seconds, a string on this channel
            "expiration": row["expiration"],
            "order_type": row["order_type"],
            "status": row["status"],
            "maker_address": row["maker_address"],
            "timestamp": self._timestamp(),
        }

    def _trade(self, trade: Trade, owner: str) -> Message:
        row = views.trade_json(self.venue, trade, owner)
        return {
            "event_type": "trade",
            "type": "TRADE",
            **row,
            "trade_owner": owner,
            "timestamp": self._timestamp(),
        }

    # -- shared ---------------------------------------------------------------------------
    def _condition(self, token_id: str) -> str:
        market = self.venue.market_of(token_id)
        return market.condition_id if market else ""

    def _timestamp(self) -> str:
        return str(int(self.venue.now() * 1000))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(item) for item in items))


def _level(price: int, size: int) -> dict[str, str]:
    return {"price": _PRICES[price], "size": _size_text(size)}


def _changed(old: Levels, new: Levels) -> list[tuple[int, int]]:
    """(price, new total) for every level that differs; 0 for one that is gone."""
    return [(p, new.get(p, 0)) for p in sorted(old.keys() | new.keys()) if old.get(p) != new.get(p)]


def _best(bids: Levels, asks: Levels) -> tuple[int | None, int | None]:
    return (max(bids) if bids else None, min(asks) if asks else None)


def _book_hash(token_id: str, bids: Levels, asks: Levels) -> str:
    """Identifies a token's book state (the same levels, the same hash). Not the REST /book
    hash, which also covers the timestamp and the market's settings."""
    text = f"{token_id}|{sorted(bids.items())}|{sorted(asks.items())}"
    return hashlib.sha1(text.encode()).hexdigest()


def _price_change(condition_id: str, changes: list[Message], timestamp: str) -> Message:
    return {
        "event_type": "price_change",
        "market": condition_id,
        "price_changes": changes,
        "timestamp": timestamp,
    }
