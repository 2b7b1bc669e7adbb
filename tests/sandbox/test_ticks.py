"""Tick size changes during a market's life, and the market-channel events the venue keeps."""

from __future__ import annotations

import httpx
import pytest
from py_clob_client_v2.clob_types import CreateOrderOptions, OrderArgsV2, OrderType

from sandbox.crowd import extreme_tick
from sandbox.engine import Order, Side
from sandbox.scenario import parse_scenario
from sandbox.units import UNIT
from sandbox.venue import EVENT_LIMIT, Venue
from tests.sandbox.helpers import api_error, post_limit

START = 1_800_000_000.0


@pytest.mark.parametrize(
    ("base", "fair", "tick"),
    [
        (100, 9_600, 100),  # exactly 0.96: still inside
        (100, 9_601, 10),  # one unit above
        (100, 400, 100),  # exactly 0.04
        (100, 399, 10),  # one unit below
        (10, 9_700, 10),  # a 0.001 market stays as it is
        (1_000, 9_900, 1_000),  # so does a 0.1 market
    ],
)
def test_extreme_prices_turn_a_cent_market_to_a_tenth_of_a_cent(base, fair, tick):
    assert extreme_tick(base, fair) == tick


def _still_venue() -> Venue:
    """One 0.01 market whose fair price only moves when the test moves it."""
    raw = {"markets": [{"slug": "still", "mid": "0.5", "volatility": 0}], "accounts": []}
    return Venue(parse_scenario(raw), start=START)


def test_the_crowd_fines_the_tick_past_096_and_restores_it_at_096():
    venue = _still_venue()
    market = venue.scenario.markets[0]
    fair = venue.crowd.fair

    fair[market.condition_id] = 0.96
    venue.step()
    assert market.tick == 100 and list(venue.events) == []

    fair[market.condition_id] = 0.9601
    venue.step()
    assert market.tick == 10
    changes = [e for e in venue.events if e["event_type"] == "tick_size_change"]
    assert changes == [
        {
            "event_type": "tick_size_change",
            "asset_id": token.token_id,
            "market": market.condition_id,
            "old_tick_size": "0.01",
            "new_tick_size": "0.001",
            "timestamp": str(int(START + 2) * 1000),
        }
        for token in market.tokens
    ]
    assert venue.exchange.book(market.yes.token_id).best_ask() == 9_610  # quoted on 0.001

    fair[market.condition_id] = 0.96
    venue.step()
    assert market.tick == 100
    assert [(e["old_tick_size"], e["new_tick_size"]) for e in venue.events][-2:] == [
        ("0.001", "0.01"),
        ("0.001", "0.01"),
    ]


def test_the_crowd_fines_the_tick_below_004():
    venue = _still_venue()
    market = venue.scenario.markets[0]
    venue.crowd.fair[market.condition_id] = 0.04
    venue.step()
    assert market.tick == 100
    venue.crowd.fair[market.condition_id] = 0.0399
    venue.step()
    assert market.tick == 10


def test_a_tick_set_by_hand_stays_whatever_the_price():
    venue = _still_venue()
    market = venue.scenario.markets[0]
    venue.set_tick(market.condition_id, 10)
    venue.step(3)
    assert market.tick == 10 and len(venue.events) == 2
    with pytest.raises(ValueError, match="invalid tick size"):
        venue.set_tick(market.condition_id, 50)


def test_tick_route_changes_every_answer_and_new_orders_must_follow(sandbox_venue, clob, btc):
    url = sandbox_venue.url
    resting = post_limit(clob, btc.yes.token_id, 0.23, 10)["orderID"]

    answer = httpx.post(
        f"{url}/_sandbox/tick", json={"condition_id": btc.condition_id, "tick_size": "0.1"}
    )

    assert answer.status_code == 200 and answer.json()["minimum_tick_size"] == 0.1
    assert clob.get_order_book(btc.yes.token_id)["tick_size"] == "0.1"
    assert httpx.get(f"{url}/tick-size", params={"token_id": btc.no.token_id}).json() == {
        "minimum_tick_size": 0.1
    }
    assert clob.get_clob_market_info(btc.condition_id)["mts"] == 0.1
    assert clob.get_market(btc.condition_id)["minimum_tick_size"] == 0.1
    listed = {m["condition_id"]: m for m in clob.get_markets()["data"]}
    assert listed[btc.condition_id]["minimum_tick_size"] == 0.1
    stale = clob.builder.build_order(  # priced on the old tick, as a client that missed it
        OrderArgsV2(token_id=btc.yes.token_id, price=0.23, size=10, side="BUY"),
        CreateOrderOptions(tick_size="0.01", neg_risk=False),
    )
    with api_error(400, "order price breaks minimum tick size rule: 0.1"):
        clob.post_order(stale, OrderType.GTC)
    assert clob.get_order(resting)["status"] == "LIVE"


def test_a_finer_tick_admits_finer_prices(sandbox_venue, clob, btc):
    sandbox_venue.venue.set_tick(btc.condition_id, 10)
    order = clob.builder.build_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.205, size=10, side="BUY"),
        CreateOrderOptions(tick_size="0.001", neg_risk=False),
    )
    assert clob.post_order(order, OrderType.GTC)["status"] == "live"


def test_tick_route_refuses_bad_ticks_and_unknown_markets(sandbox_venue, btc):
    url = f"{sandbox_venue.url}/_sandbox/tick"
    bad = httpx.post(url, json={"condition_id": btc.condition_id, "tick_size": "0.02"})
    assert bad.status_code == 400
    assert httpx.post(url, json={"condition_id": "0x00", "tick_size": "0.01"}).status_code == 404


def test_each_reported_trade_is_a_last_trade_price_event(sandbox_venue, btc):
    venue = sandbox_venue.venue
    token = btc.yes.token_id
    ask = venue.exchange.book(token).best_ask()
    venue.fund("0xbuyer", pusd=100 * UNIT)
    order = Order("0x" + "b1" * 32, "buyer", "0xbuyer", token, Side.BUY, ask, 5 * UNIT)

    (trade,) = venue.submit(order).trades

    assert list(venue.events) == [
        {
            "event_type": "last_trade_price",
            "asset_id": token,
            "market": btc.condition_id,
            "price": f"{ask / 10_000:g}",
            "side": "BUY",
            "size": "5",
            "fee_rate_bps": "0",
            "timestamp": str(int(venue.now() * 1000)),
        }
    ]
    assert trade.id in venue.exchange.trades
    assert venue.events.maxlen == EVENT_LIMIT


def test_events_keep_only_the_latest():
    venue = _still_venue()
    market = venue.scenario.markets[0]
    ticks = [10, 100] * (EVENT_LIMIT // 4)  # two events (one per token) a change
    for tick in ticks:
        venue.set_tick(market.condition_id, tick)
    assert len(venue.events) == EVENT_LIMIT
    first = venue.events[0]

    venue.set_tick(market.condition_id, 10)

    assert len(venue.events) == EVENT_LIMIT
    assert venue.events[0] is not first and venue.events[-1]["new_tick_size"] == "0.001"
