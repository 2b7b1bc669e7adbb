"""The venue's WebSocket channels (/ws/market, /ws/user), read with a real WebSocket client and
every frame parsed with LT's own parser (execution.venue.messages)."""

from __future__ import annotations

import contextlib
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from py_clob_client_v2.clob_types import OrderPayload
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from execution.venue.messages import (
    BookMessage,
    LastTradePriceMessage,
    Message,
    OrderMessage,
    OtherMarketMessage,
    PriceChangeMessage,
    TickSizeChangeMessage,
    TradeMessage,
    messages_parse,
)
from sandbox.events import Subscriber
from sandbox.testing import start_sandbox
from sandbox.ws import Dropper
from tests.sandbox.helpers import engine_order, post_limit

WAIT = 5.0
PARSED_AS: dict[str, type[Message]] = {
    "book": BookMessage,
    "price_change": PriceChangeMessage,
    "tick_size_change": TickSizeChangeMessage,
    "last_trade_price": LastTradePriceMessage,
    "order": OrderMessage,
    "trade": TradeMessage,
    "best_bid_ask": OtherMarketMessage,
    "market_resolved": OtherMarketMessage,
}


class Stream:
    """One channel's connection: every frame is checked against LT's parser as it comes."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    def send(self, body: dict[str, Any] | str) -> None:
        self.socket.send(body if isinstance(body, str) else json.dumps(body))

    def frame(self, timeout: float = WAIT) -> Any:
        text = self.socket.recv(timeout=timeout)
        if text in ("PONG", "INVALID OPERATION"):
            return text
        decoded = json.loads(text)
        items = decoded if isinstance(decoded, list) else [decoded]
        parsed = messages_parse(text)
        assert [type(m) for m in parsed] == [PARSED_AS[i["event_type"]] for i in items]
        return decoded

    def drain(self) -> list[dict[str, Any]]:
        """Every message the venue had for us: the answer to a PING follows them all."""
        self.send("PING")
        found: list[dict[str, Any]] = []
        while (frame := self.frame()) != "PONG":
            found.extend(frame if isinstance(frame, list) else [frame])
        return found

    def until(self, wanted: Any, timeout: float = WAIT) -> list[dict[str, Any]]:
        """Messages up to and including the first one `wanted` accepts."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            frame = self.frame(timeout=max(0.01, deadline - time.monotonic()))
            for message in frame if isinstance(frame, list) else [frame]:
                found.append(message)
                if wanted(message):
                    return found


@pytest.fixture
def open_stream(sandbox_venue):
    with contextlib.ExitStack() as opened:

        def open_(channel: str, first: dict[str, Any] | str | None = None) -> Stream:
            url = f"{sandbox_venue.ws_url}/ws/{channel}"
            stream = Stream(opened.enter_context(connect(url, open_timeout=WAIT)))
            if first is not None:
                stream.send(first)
            return stream

        yield open_


def market_stream(open_stream, tokens: list[str], custom: bool = False) -> Stream:
    stream = open_stream(
        "market", {"type": "market", "assets_ids": tokens, "custom_feature_enabled": custom}
    )
    if tokens:
        stream.frame()  # the books
    return stream


def user_stream(open_stream, clob, markets: list[str] | None = None) -> Stream:
    creds = clob.creds
    auth = {
        "apiKey": creds.api_key,
        "secret": creds.api_secret,
        "passphrase": creds.api_passphrase,
    }
    stream = open_stream("user", {"type": "user", "auth": auth, "markets": markets or []})
    assert stream.drain() == []  # the subscription is in place
    return stream


def best_prices(clob, token_id: str) -> tuple[Decimal, Decimal]:
    book = clob.get_order_book(token_id)
    return Decimal(book["bids"][-1]["price"]), Decimal(book["asks"][-1]["price"])


def of_type(event_type: str, kind: str = "") -> Any:
    return lambda m: m["event_type"] == event_type and (not kind or m.get("type") == kind)


# -- market channel -----------------------------------------------------------------------
def test_subscribing_sends_every_book_in_one_frame_as_rest_shows_it(
    sandbox_venue, open_stream, btc
):
    stream = open_stream(
        "market", {"type": "market", "assets_ids": [btc.yes.token_id, "404", btc.no.token_id]}
    )

    frame = stream.frame()

    assert [m["asset_id"] for m in frame] == [btc.yes.token_id, btc.no.token_id]
    for message in frame:
        rest = httpx.get(f"{sandbox_venue.url}/book", params={"token_id": message["asset_id"]})
        assert set(message) == {
            "event_type",
            "asset_id",
            "market",
            "bids",
            "asks",
            "timestamp",
            "hash",
        }
        assert message["bids"] == rest.json()["bids"] and message["asks"] == rest.json()["asks"]
        assert message["market"] == btc.condition_id
        assert message["timestamp"] == str(int(sandbox_venue.venue.now() * 1000))
    assert stream.drain() == []  # a frozen clock: nothing happens


def test_a_placed_then_cancelled_order_is_a_price_change_of_its_level(
    sandbox_venue, open_stream, clob, btc
):
    stream = market_stream(open_stream, [btc.yes.token_id])
    bid, ask = best_prices(clob, btc.yes.token_id)
    price = bid + Decimal("0.01")  # inside the spread: a level of its own

    answer = post_limit(clob, btc.yes.token_id, float(price), 10)

    [change] = stream.until(of_type("price_change"))
    assert change["market"] == btc.condition_id
    assert change["price_changes"] == [
        {
            "asset_id": btc.yes.token_id,
            "price": str(price),
            "size": "10",
            "side": "BUY",
            "hash": change["price_changes"][0]["hash"],
            "best_bid": str(price),
            "best_ask": str(ask),
        }
    ]

    clob.cancel_order(OrderPayload(orderID=answer["orderID"]))

    [gone] = stream.until(of_type("price_change"))
    [level] = gone["price_changes"]
    assert (level["price"], level["size"], level["best_bid"]) == (str(price), "0", str(bid))
    assert level["hash"] != change["price_changes"][0]["hash"]


def test_crowd_steps_stream_the_book_rest_shows(sandbox_venue, open_stream, clob, btc):
    tokens = [btc.yes.token_id, btc.no.token_id]
    stream = open_stream("market", {"type": "market", "assets_ids": tokens})
    books = {
        m["asset_id"]: {
            side: {level["price"]: level["size"] for level in m[f"{side}s"]}
            for side in ("bid", "ask")
        }
        for m in stream.frame()
    }

    sandbox_venue.step(3)

    for message in stream.drain():
        if message["event_type"] != "price_change":
            continue
        for change in message["price_changes"]:
            levels = books[change["asset_id"]]["bid" if change["side"] == "BUY" else "ask"]
            levels[change["price"]] = change["size"]
            if change["size"] == "0":
                del levels[change["price"]]
    for token_id in tokens:
        rest = clob.get_order_book(token_id)
        assert books[token_id]["bid"] == {x["price"]: x["size"] for x in rest["bids"]}
        assert books[token_id]["ask"] == {x["price"]: x["size"] for x in rest["asks"]}


def test_a_tick_change_reaches_the_subscribed_token_only(sandbox_venue, open_stream, btc):
    stream = market_stream(open_stream, [btc.yes.token_id])

    sandbox_venue.venue.set_tick(btc.condition_id, 10)

    assert stream.drain() == [
        {
            "event_type": "tick_size_change",
            "asset_id": btc.yes.token_id,
            "market": btc.condition_id,
            "old_tick_size": "0.01",
            "new_tick_size": "0.001",
            "timestamp": str(int(sandbox_venue.venue.now() * 1000)),
        }
    ]


def test_a_trade_is_a_last_trade_price_after_the_level_it_took(open_stream, clob, btc):
    stream = market_stream(open_stream, [btc.yes.token_id, btc.no.token_id])
    _, ask = best_prices(clob, btc.yes.token_id)

    post_limit(clob, btc.yes.token_id, float(ask), 5)

    messages = stream.until(of_type("last_trade_price"))
    assert [m["event_type"] for m in messages] == ["price_change", "last_trade_price"]
    last = messages[-1]
    assert (last["asset_id"], last["price"], last["size"], last["side"]) == (
        btc.yes.token_id,
        str(ask),
        "5",
        "BUY",
    )


def test_custom_features_add_best_bid_ask_and_market_resolved(
    sandbox_venue, open_stream, clob, btc
):
    plain = market_stream(open_stream, [btc.yes.token_id])
    custom = market_stream(open_stream, [btc.yes.token_id], custom=True)
    bid, ask = best_prices(clob, btc.yes.token_id)

    post_limit(clob, btc.yes.token_id, float(bid + Decimal("0.01")), 10)
    sandbox_venue.resolve(btc.condition_id, btc.yes.token_id)

    seen = custom.until(of_type("market_resolved"))
    best = next(m for m in seen if m["event_type"] == "best_bid_ask")
    assert (best["best_bid"], best["best_ask"], best["spread"]) == (
        str(bid + Decimal("0.01")),
        str(ask),
        str(ask - bid - Decimal("0.01")),
    )
    resolved = seen[-1]
    assert resolved["market"] == btc.condition_id
    assert resolved["assets_ids"] == [btc.yes.token_id, btc.no.token_id]
    assert (resolved["winning_asset_id"], resolved["winning_outcome"]) == (
        btc.yes.token_id,
        "Yes",
    )
    kinds = {m["event_type"] for m in plain.drain()}
    assert kinds == {"price_change"}  # the resolution cancelled every quote, nothing more


def test_unsubscribe_stops_the_token_and_subscribe_sends_its_book(sandbox_venue, open_stream, btc):
    stream = market_stream(open_stream, [btc.yes.token_id])

    stream.send({"operation": "unsubscribe", "assets_ids": [btc.yes.token_id]})
    assert stream.drain() == []  # the unsubscribe is done
    sandbox_venue.step(2)

    assert stream.drain() == []
    assert sandbox_venue.venue.feed.by_token == {}  # nobody watches: nothing is diffed

    stream.send({"operation": "subscribe", "assets_ids": [btc.no.token_id]})
    [book] = stream.frame()
    assert (book["event_type"], book["asset_id"]) == ("book", btc.no.token_id)


def test_messages_the_channel_cannot_take_are_invalid_operations(open_stream, btc):
    stream = open_stream("market", "not json")
    assert stream.frame() == "INVALID OPERATION"
    stream.send({"type": "market", "assets_ids": [btc.yes.token_id]})
    stream.frame()

    stream.send({"type": "market", "assets_ids": [btc.no.token_id]})  # a second first message

    assert stream.frame() == "INVALID OPERATION"


def test_ping_is_answered_with_pong_on_both_channels(open_stream, clob):
    market = open_stream("market")
    market.send("PING")
    assert market.frame() == "PONG"
    user_stream(open_stream, clob)  # answers PING too


# -- user channel -------------------------------------------------------------------------
@pytest.mark.parametrize("wrong", ["apiKey", "secret", "passphrase"])
def test_wrong_credentials_close_the_user_channel_with_policy_violation(
    sandbox_venue, open_stream, clob, wrong
):
    creds = clob.creds
    auth = {
        "apiKey": creds.api_key,
        "secret": creds.api_secret,
        "passphrase": creds.api_passphrase,
    } | {wrong: "nope"}
    stream = open_stream("user", {"type": "user", "auth": auth, "markets": []})

    with pytest.raises(ConnectionClosedError) as closed:
        stream.frame()  # no data comes first

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert sandbox_venue.venue.ws_stats["refused"] == 1


def test_own_resting_order_is_placed_filled_settled_and_cancelled(
    sandbox_venue, open_stream, clob, btc
):
    venue = sandbox_venue.venue
    stream = user_stream(open_stream, clob)
    bid, _ = best_prices(clob, btc.yes.token_id)
    price = bid + Decimal("0.01")  # the best bid: a seller meets it first

    order_id = post_limit(clob, btc.yes.token_id, float(price), 100)["orderID"]

    [placed] = stream.until(of_type("order"))
    assert placed == {
        "event_type": "order",
        "id": order_id,
        "owner": clob.creds.api_key,
        "market": btc.condition_id,
        "asset_id": btc.yes.token_id,
        "side": "BUY",
        "order_owner": clob.creds.api_key,
        "original_size": "100",
        "size_matched": "0",
        "price": str(price),
        "associate_trades": None,
        "outcome": "Yes",
        "type": "PLACEMENT",
        "created_at": str(int(venue.now())),
        "expiration": "0",
        "order_type": "GTC",
        "status": "LIVE",
        "maker_address": sandbox_venue.account.address,
        "timestamp": str(int(venue.now() * 1000)),
    }

    sandbox_venue.fund("0x5e11e5", token_id=btc.yes.token_id, shares=4)
    venue.submit(
        engine_order("seller", btc.yes.token_id, "SELL", str(price), 4, "FAK", maker="0x5e11e5")
    )

    trade, update = stream.until(of_type("order"))
    assert (trade["event_type"], trade["type"], trade["status"]) == ("trade", "TRADE", "MATCHED")
    assert trade["trader_side"] == "MAKER" and trade["trade_owner"] == clob.creds.api_key
    assert [(m["order_id"], m["matched_amount"]) for m in trade["maker_orders"]] == [
        (order_id, "4")
    ]
    assert (update["type"], update["size_matched"], update["status"]) == ("UPDATE", "4", "LIVE")
    assert update["associate_trades"] == [trade["id"]]

    statuses = []
    for _ in range(2):
        sandbox_venue.step()
        mine = [m for m in stream.drain() if m.get("id") == trade["id"]]
        statuses += [m["status"] for m in mine]
    assert statuses == ["MINED", "CONFIRMED"]

    clob.cancel_order(OrderPayload(orderID=order_id))

    [cancelled] = stream.until(of_type("order", "CANCELLATION"))
    assert (cancelled["id"], cancelled["status"]) == (order_id, "CANCELED")
    assert Decimal(cancelled["size_matched"]) >= 4


def test_a_taking_order_is_placed_traded_and_a_failed_settlement_reported(
    sandbox_venue, open_stream, clob, btc
):
    sandbox_venue.faults.trade_failed()
    stream = user_stream(open_stream, clob)
    _, ask = best_prices(clob, btc.yes.token_id)

    order_id = post_limit(clob, btc.yes.token_id, float(ask), 5)["orderID"]

    placed, trade, update = stream.until(of_type("order", "UPDATE"))
    assert (placed["type"], placed["size_matched"], placed["status"]) == ("PLACEMENT", "0", "LIVE")
    assert (trade["status"], trade["trader_side"], trade["taker_order_id"]) == (
        "MATCHED",
        "TAKER",
        order_id,
    )
    assert (update["size_matched"], update["status"]) == ("5", "MATCHED")

    sandbox_venue.step(2)

    assert [m["status"] for m in stream.drain()] == ["RETRYING", "FAILED"]


def test_the_user_channel_follows_only_the_markets_asked_for(sandbox_venue, open_stream, clob, btc):
    fed = sandbox_venue.market("fed-cut-december")
    stream = user_stream(open_stream, clob, markets=[fed.condition_id])
    bid, _ = best_prices(clob, btc.yes.token_id)
    order_id = post_limit(clob, btc.yes.token_id, float(bid), 10)["orderID"]
    assert stream.drain() == []

    stream.send({"operation": "subscribe", "markets": [btc.condition_id]})
    assert stream.drain() == []
    clob.cancel_order(OrderPayload(orderID=order_id))

    [cancelled] = stream.until(of_type("order"))
    assert (cancelled["type"], cancelled["id"]) == ("CANCELLATION", order_id)


def test_http_on_the_same_port_is_unaffected(sandbox_venue, open_stream, clob):
    stream = user_stream(open_stream, clob)
    url = sandbox_venue.url

    assert httpx.get(f"{url}/ws/market").status_code == 404  # no upgrade: a plain route
    half_upgrade = httpx.get(f"{url}/ws/user", headers={"Upgrade": "websocket"})
    assert half_upgrade.status_code == 426  # no `Connection: Upgrade`, no key: refused
    assert clob.get_ok() == "OK" and httpx.get(f"{url}/ok").json() == "OK"
    stream.send("PING")
    assert stream.frame() == "PONG"


# -- faults, limits and the server's life -------------------------------------------------
def test_drop_ends_every_connection_without_a_close_frame(sandbox_venue, open_stream, clob):
    market = market_stream(open_stream, [sandbox_venue.market("fed-cut-december").yes.token_id])
    user = user_stream(open_stream, clob)

    answer = httpx.post(f"{sandbox_venue.url}/_sandbox/ws", json={"drop": True}).json()

    assert answer["dropped"] == 2
    for stream in (market, user):
        with pytest.raises(ConnectionClosedError) as closed:
            stream.frame()
        assert closed.value.rcvd is None  # the TCP connection just ended
    deadline = time.monotonic() + WAIT
    while httpx.get(f"{sandbox_venue.url}/_sandbox/ws").json()["open"] and (
        time.monotonic() < deadline
    ):
        time.sleep(0.02)
    stats = httpx.get(f"{sandbox_venue.url}/_sandbox/ws").json()
    assert (stats["connections"], stats["open"], stats["drops"]) == (2, 0, 2)
    assert stats["messages_sent"] >= 1 and stats["frames_sent"] >= 1


def test_the_ws_drop_fault_drops_connections_every_period(sandbox_venue, open_stream):
    url = sandbox_venue.url
    rule = {"kind": "ws_drop", "every_seconds": 0.3}
    [added] = httpx.post(f"{url}/_sandbox/faults", json=rule).json()
    assert (added["count"], added["every_seconds"]) == (None, 0.3)

    for _ in range(2):  # dropped, back, dropped again
        stream = open_stream("market")
        with pytest.raises(ConnectionClosed):
            stream.frame(timeout=WAIT)
    httpx.delete(f"{url}/_sandbox/faults")
    stream = open_stream("market")
    time.sleep(0.5)
    stream.send("PING")
    assert stream.frame() == "PONG"
    assert sandbox_venue.venue.ws_stats["drops"] == 2


def test_a_counted_ws_drop_is_used_only_by_drops_that_found_someone(sandbox_venue):
    venue = sandbox_venue.venue
    dropper = Dropper(venue)
    venue.faults.ws_drop(every_seconds=10, count=1)
    hung: list[int] = []
    listener = Subscriber(hang_up=lambda: hung.append(1))

    dropper.check(0.0)  # the period starts
    dropper.check(10.0)  # nobody connected: the use stays
    venue.feed.attach(listener)
    dropper.check(15.0)
    dropper.check(20.0)

    assert hung == [1] and venue.faults.snapshot() == []


def test_a_listener_that_falls_behind_is_hung_up_on(sandbox_venue, btc):
    feed = sandbox_venue.venue.feed
    hung: list[int] = []
    listener = Subscriber(hang_up=lambda: hung.append(1), limit=3)
    feed.attach(listener)
    feed.watch(listener, [btc.yes.token_id, btc.no.token_id])  # the books: one message

    sandbox_venue.step(3)  # more price changes than it may hold

    assert hung == [1] and listener.overflowed and not listener.alive
    assert listener.queue.qsize() == 3
    feed.detach(listener)
    assert feed.stats()["overflows"] == 1 and feed.by_token == {}


def test_stopping_the_server_ends_its_websockets():
    handle = start_sandbox()
    token_id = handle.market("btc-above-150k-2026").yes.token_id
    with connect(f"{handle.ws_url}/ws/market", open_timeout=WAIT) as socket:
        socket.send(json.dumps({"type": "market", "assets_ids": [token_id]}))
        socket.recv(timeout=WAIT)

        started = time.monotonic()
        handle.stop()

        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=WAIT)
        assert time.monotonic() - started < 2


def test_only_watched_tokens_are_diffed(sandbox_venue, open_stream, btc):
    market_stream(open_stream, [btc.yes.token_id])
    feed = sandbox_venue.venue.feed

    sandbox_venue.step()  # the crowd re-quotes every book

    assert set(feed.published) == {btc.yes.token_id}
    assert sandbox_venue.venue.exchange.touched == set()  # looked at, then forgotten
