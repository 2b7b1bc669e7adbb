"""The crowd, the clock, determinism and the resolution driver."""

from __future__ import annotations

import json

import httpx
import pytest

from sandbox.engine import Order, Side
from sandbox.scenario import DEFAULT_SCENARIO, parse_scenario
from sandbox.units import UNIT
from sandbox.venue import Venue
from tests.sandbox.helpers import api_error, post_limit

START = 1_800_000_000.0


def test_default_scenario_has_six_markets_and_a_three_way_neg_risk_event(sandbox_venue):
    markets = list(sandbox_venue.venue.markets.values())
    events = {m.event for m in markets if m.neg_risk}
    assert len(markets) >= 6
    assert len(events) == 1 and sum(m.neg_risk for m in markets) == 3
    for market in markets:
        for token in market.tokens:
            book = sandbox_venue.venue.exchange.book(token.token_id)
            assert book.best_bid() is not None and book.best_ask() is not None


def test_a_resting_gtc_fills_partially_when_the_crowd_trades_into_it(sandbox_venue, clob, btc):
    book = clob.get_order_book(btc.yes.token_id)
    inside = round(float(book["bids"][-1]["price"]) + 0.01, 2)  # best bid, not crossing
    assert inside < float(book["asks"][-1]["price"])
    answer = post_limit(clob, btc.yes.token_id, inside, 200)
    assert answer["status"] == "live"

    for _ in range(300):
        sandbox_venue.step()
        order = clob.get_order(answer["orderID"])
        if float(order["size_matched"]) > 0:
            break

    assert 0 < float(order["size_matched"]) < 200
    assert order["status"] == "LIVE"
    trades = clob.get_trades()
    assert trades and all(t["trader_side"] == "MAKER" for t in trades)
    mine = [leg for t in trades for leg in t["maker_orders"] if leg["order_id"] == order["id"]]
    assert sum(float(leg["matched_amount"]) for leg in mine) == float(order["size_matched"])


def _fingerprint(venue: Venue) -> tuple:
    books = {
        token: (book.bids.depth(), book.asks.depth(), book.last_trade_price)
        for token, book in venue.exchange.books.items()
    }
    trades = [
        (
            t.id,
            t.token_id,
            t.price,
            t.size,
            t.taker.owner,
            [(m.maker.owner, m.size) for m in t.legs],
        )
        for t in venue.exchange.trade_log
    ]
    return books, trades


def _run(seed: int) -> tuple:
    venue = Venue(seed=seed, start=START)
    market = venue.scenario.markets[0]
    bid = venue.exchange.book(market.yes.token_id).best_bid()
    assert bid is not None
    venue.submit(
        Order(
            id="0x" + "ab" * 32,
            owner="tester",
            maker="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            token_id=market.yes.token_id,
            side=Side.BUY,
            price=bid + market.tick,
            size=500 * UNIT,
        )
    )
    venue.step(120)
    return _fingerprint(venue)


def test_same_seed_and_steps_give_the_same_books_and_trades():
    first, second = _run(seed=7), _run(seed=7)
    assert first == second
    assert first[1], "the crowd should have traded with the resting order"
    assert _run(seed=8)[0] != first[0]


def _scenario_resolving_first_market(after: float, winner: str):
    raw = json.loads(DEFAULT_SCENARIO.read_text())
    raw["markets"][0].update(resolve_after=after, winner=winner)
    return parse_scenario(raw)


def test_resolution_driver_closes_the_market_at_its_time(sandbox_factory):
    sandbox = sandbox_factory(scenario=_scenario_resolving_first_market(5, "No"))
    client = sandbox.client()
    market = sandbox.venue.scenario.markets[0]
    resting = post_limit(client, market.yes.token_id, 0.10, 10)["orderID"]

    sandbox.step(4)
    assert client.get_market(market.condition_id)["closed"] is False
    sandbox.step(1)

    answer = client.get_market(market.condition_id)
    assert answer["closed"] is True and answer["accepting_orders"] is False
    assert [t["winner"] for t in answer["tokens"]] == [False, True]
    assert client.get_order(resting)["status"] == "CANCELED_MARKET_RESOLVED"
    gamma = httpx.get(
        f"{sandbox.url}/gamma/markets", params={"condition_ids": market.condition_id}
    ).json()
    assert len(gamma) == 1
    assert gamma[0]["closed"] is True and gamma[0]["umaResolutionStatus"] == "resolved"
    assert json.loads(gamma[0]["outcomePrices"]) == ["0", "1"]
    with api_error(400, "closed"):
        post_limit(client, market.yes.token_id, 0.10, 10)


def test_gamma_shows_open_markets_with_their_prices(sandbox_venue, btc):
    gamma = httpx.get(
        f"{sandbox_venue.url}/gamma/markets", params={"condition_ids": btc.condition_id}
    ).json()
    assert gamma[0]["closed"] is False and gamma[0]["umaResolutionStatus"] == ""
    yes, no = (float(p) for p in json.loads(gamma[0]["outcomePrices"]))
    assert 0 < yes < 1 and 0 < no < 1


def test_a_neg_risk_winner_resolves_its_siblings_as_no(sandbox_venue):
    alice = sandbox_venue.market("mayor-election-alice")
    bob = sandbox_venue.market("mayor-election-bob")
    carol = sandbox_venue.market("mayor-election-carol")

    sandbox_venue.resolve(alice.condition_id, alice.yes.token_id)

    assert alice.winner_token == alice.yes.token_id
    assert bob.closed and bob.winner_token == bob.no.token_id
    assert carol.closed and carol.winner_token == carol.no.token_id
    assert sandbox_venue.venue.exchange.book(bob.yes.token_id).best_bid() is None
    assert not sandbox_venue.market("btc-above-150k-2026").closed


def test_resolve_refuses_a_token_of_another_market(sandbox_venue, btc):
    other = sandbox_venue.market("fed-cut-december")
    with pytest.raises(KeyError):
        sandbox_venue.resolve(btc.condition_id, other.yes.token_id)


def test_crowd_prices_wander_but_stay_inside_the_unit_interval():
    venue = Venue(seed=3, start=START)
    before = dict(venue.crowd.fair)
    venue.step(200)
    assert venue.crowd.fair != before
    assert all(0.0 < p < 1.0 for p in venue.crowd.fair.values())
    events = [m for m in venue.scenario.markets if m.event]
    assert sum(venue.crowd.fair[m.condition_id] for m in events) == pytest.approx(1.0, abs=0.05)
