"""Answer shapes: a trade with its maker legs, a closed market still accepting orders, and the
crowd never crossing user orders through the complement."""

from __future__ import annotations

import json
from decimal import Decimal

from py_clob_client_v2.clob_types import TradeParams

from sandbox.crowd import CROWD_OWNER
from sandbox.engine import MatchType, OrderType, Side
from sandbox.scenario import DEFAULT_SCENARIO, parse_scenario
from sandbox.units import PRICE_SCALE
from tests.sandbox.helpers import api_error, post_limit

TRADE_KEYS = {
    "id",
    "taker_order_id",
    "market",
    "asset_id",
    "side",
    "size",
    "fee_rate_bps",
    "price",
    "status",
    "match_time",
    "last_update",
    "outcome",
    "bucket_index",
    "owner",
    "maker_address",
    "transaction_hash",
    "trader_side",
    "maker_orders",
}
LEG_KEYS = {
    "order_id",
    "owner",
    "maker_address",
    "matched_amount",
    "price",
    "fee_rate_bps",
    "asset_id",
    "outcome",
    "outcome_index",
    "side",
}


def test_a_sweep_is_one_trade_listing_every_maker_leg_on_both_tokens(sandbox_venue, clob, btc):
    venue = sandbox_venue.venue
    yes_asks = venue.exchange.book(btc.yes.token_id).asks.prices
    limit = yes_asks[1]  # two YES ask levels, and the NO bids mirroring them

    answer = post_limit(clob, btc.yes.token_id, limit / PRICE_SCALE, 2_000, order_type="FAK")

    assert len(answer["tradeIDs"]) == len(answer["transactionsHashes"]) == 1
    (trade,) = clob.get_trades(TradeParams(id=answer["tradeIDs"][0]))
    assert set(trade) == TRADE_KEYS and trade["bucket_index"] == 0
    assert (trade["asset_id"], trade["side"], trade["outcome"]) == (btc.yes.token_id, "BUY", "Yes")
    assert Decimal(trade["price"]) == Decimal(limit) / PRICE_SCALE  # the taker's limit
    assert trade["trader_side"] == "TAKER" and trade["fee_rate_bps"] == "0"
    assert trade["match_time"].isdigit() and trade["last_update"].isdigit()
    legs = trade["maker_orders"]
    assert all(set(leg) == LEG_KEYS for leg in legs) and len(legs) >= 4
    by_token = {leg["asset_id"]: (leg["outcome"], leg["side"]) for leg in legs}
    assert by_token == {btc.yes.token_id: ("Yes", "SELL"), btc.no.token_id: ("No", "BUY")}
    assert sum(Decimal(leg["matched_amount"]) for leg in legs) == Decimal(trade["size"])
    assert Decimal(answer["takingAmount"]) == Decimal(trade["size"])
    paid = sum(
        Decimal(leg["matched_amount"])
        * (Decimal(leg["price"]) if leg["side"] == "SELL" else 1 - Decimal(leg["price"]))
        for leg in legs
    )
    assert Decimal(answer["makingAmount"]) == paid


def test_a_complement_maker_sees_its_leg_on_its_own_token(sandbox_venue, clob, btc):
    venue = sandbox_venue.venue
    other = sandbox_venue.other_account
    sandbox_venue.fund(other.address, pusd=100)
    maker = sandbox_venue.client(other.private_key)
    no_bid = venue.exchange.book(btc.no.token_id).best_bid() + btc.tick  # inside the spread
    resting = post_limit(maker, btc.no.token_id, no_bid / PRICE_SCALE, 10)["orderID"]

    taker = post_limit(clob, btc.yes.token_id, 1 - no_bid / PRICE_SCALE, 10, order_type="FOK")

    seen = maker.get_trades(TradeParams(asset_id=btc.no.token_id))
    assert [t["id"] for t in seen] == taker["tradeIDs"]
    (trade,) = seen
    assert trade["trader_side"] == "MAKER" and trade["asset_id"] == btc.yes.token_id
    (leg,) = trade["maker_orders"]
    assert (leg["order_id"], leg["asset_id"], leg["side"], leg["outcome"]) == (
        resting,
        btc.no.token_id,
        "BUY",
        "No",
    )
    assert maker.get_order(resting)["status"] == "MATCHED"


def test_a_closed_market_may_still_say_it_accepts_orders(sandbox_factory):
    raw = json.loads(DEFAULT_SCENARIO.read_text())
    raw["markets"][0]["accepting_orders_when_closed"] = True
    sandbox = sandbox_factory(scenario=parse_scenario(raw))
    client = sandbox.client()
    shown, plain = sandbox.venue.scenario.markets[:2]
    for market in (shown, plain):
        sandbox.resolve(market.condition_id, market.yes.token_id)

    assert client.get_market(shown.condition_id)["accepting_orders"] is True
    assert client.get_market(plain.condition_id)["accepting_orders"] is False
    listed = {m["condition_id"]: m for m in client.get_markets()["data"]}
    assert listed[shown.condition_id]["closed"] is True
    assert listed[shown.condition_id]["accepting_orders"] is True
    with api_error(400, "closed"):  # saying so does not make it trade
        post_limit(client, shown.yes.token_id, 0.10, 10)


def test_the_crowd_never_crosses_user_orders_through_the_complement(sandbox_venue, btc):
    venue = sandbox_venue.venue
    me = sandbox_venue.account.address
    sandbox_venue.fund(me, token_id=btc.yes.token_id, shares=500)
    tick = btc.tick
    # Inside both spreads: a NO bid a crowd YES buyer mints against, a YES ask a crowd NO
    # seller merges with (the two sum to exactly 1 and never meet each other).
    no_bid = venue.exchange.book(btc.no.token_id).best_bid() + tick
    yes_ask = venue.exchange.book(btc.yes.token_id).best_ask() - tick
    assert no_bid + yes_ask == PRICE_SCALE
    client = sandbox_venue.client()
    post_limit(client, btc.no.token_id, no_bid / PRICE_SCALE, 300)
    post_limit(client, btc.yes.token_id, yes_ask / PRICE_SCALE, 300, side="SELL")

    for _ in range(150):
        sandbox_venue.step()
        quotes = venue.crowd.quotes
        yes_bids = [o.price for o in quotes[btc.yes.token_id] if o.side is Side.BUY]
        no_asks = [o.price for o in quotes[btc.no.token_id] if o.side is Side.SELL]
        assert all(b + no_bid < PRICE_SCALE for b in yes_bids)  # no mint with my NO bid
        assert all(q + yes_ask > PRICE_SCALE for q in no_asks)  # no merge with my YES ask

    trades = venue.exchange.trade_log
    assert trades, "the crowd's taker flow should have met the resting orders"
    assert all(t.taker.owner == CROWD_OWNER and t.taker.order_type is OrderType.FAK for t in trades)
    mine = {leg.kind for t in trades for leg in t.legs if leg.maker.owner != CROWD_OWNER}
    assert MatchType.MINT in mine
