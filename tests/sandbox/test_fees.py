"""Taker fees per market: the formula, who pays, the balance check and what is reported."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from py_clob_client_v2.clob_types import TradeParams

from sandbox.engine import BALANCE_ERROR, Exchange, OrderRejected
from sandbox.fees import FEE_COLLECTOR, FeeSchedule, taker_fee
from sandbox.scenario import parse_scenario
from sandbox.units import UNIT
from tests.sandbox.helpers import api_error, engine_order, post_limit

YES, NO = "201", "202"
TWO_PERCENT = FeeSchedule(Decimal("0.02"), Decimal(1))


def test_the_fee_is_shares_times_rate_times_p_one_minus_p_to_the_exponent():
    assert taker_fee(100 * UNIT, 5000, Decimal("0.02"), Decimal(1)) == 500_000  # 0.50 pUSD
    assert taker_fee(10 * UNIT, 5000, Decimal("0.02"), Decimal(2)) == 12_500
    assert taker_fee(100 * UNIT, 5000, Decimal(0), Decimal(1)) == 0
    exact = 7 * UNIT * Fraction(2, 100) * Fraction(3333 * 6667, 10_000**2)
    assert exact == Fraction(311095554, 10_000)  # 31,109.5554 base units
    assert taker_fee(7 * UNIT, 3333, Decimal("0.02"), Decimal(1)) == 31_100  # 5 places, down


def test_the_fee_rounds_down_to_five_places_and_less_than_the_smallest_fee_is_nothing():
    # 2,000 units x 0.02 x 0.25 = 10 base units = 0.00001 pUSD, the smallest fee charged;
    # one unit fewer owes 9.995 base units, which rounds to nothing.
    assert taker_fee(2_000, 5000, Decimal("0.02"), Decimal(1)) == 10
    assert taker_fee(1_999, 5000, Decimal("0.02"), Decimal(1)) == 0


def test_bps_reads_the_rate_in_basis_points():
    assert TWO_PERCENT.bps == "200"
    assert FeeSchedule(Decimal("0.0125"), Decimal(1)).bps == "125"
    assert FeeSchedule().bps == "0"


@pytest.fixture
def exchange() -> Exchange:
    ex = Exchange()
    ex.pair(YES, NO)
    ex.fees = {YES: TWO_PERCENT, NO: TWO_PERCENT}
    for who in ("maker", "taker"):
        ex.credit(who, pusd=1_000 * UNIT)
        ex.credit(who, token_id=YES, shares=1_000 * UNIT)
        ex.credit(who, token_id=NO, shares=1_000 * UNIT)
    return ex


def test_a_buying_taker_pays_notional_plus_fee_and_the_maker_nothing(exchange):
    exchange.place(engine_order("maker", YES, "SELL", "0.40", 100), now=0)

    (trade,) = exchange.place(engine_order("taker", YES, "BUY", "0.50", 100), now=0)

    fee = 100 * UNIT * 2 * 40 * 60 // (100 * 100 * 100)  # 100 x 0.02 x 0.4 x 0.6 = 0.48
    assert trade.fee == fee == 480_000 and trade.fee_rate_bps == "200"
    assert exchange.account("taker").pusd == 1_000 * UNIT - 40 * UNIT - fee
    assert exchange.account("maker").pusd == 1_000 * UNIT + 40 * UNIT
    assert exchange.account(FEE_COLLECTOR).pusd == fee


def test_a_selling_taker_receives_notional_minus_fee(exchange):
    exchange.place(engine_order("maker", YES, "BUY", "0.50", 100), now=0)

    (trade,) = exchange.place(engine_order("taker", YES, "SELL", "0.50", 100), now=0)

    assert trade.fee == 500_000
    assert exchange.account("taker").pusd == 1_000 * UNIT + 50 * UNIT - 500_000
    assert exchange.account("maker").pusd == 1_000 * UNIT - 50 * UNIT


def test_a_complement_leg_is_charged_at_the_takers_price(exchange):
    exchange.place(engine_order("maker", NO, "BUY", "0.30", 100), now=0)

    (trade,) = exchange.place(engine_order("taker", YES, "BUY", "0.80", 100), now=0)

    (leg,) = trade.legs
    assert leg.taker_price == 7000 and leg.fee == 420_000  # 100 x 0.02 x 0.7 x 0.3
    assert exchange.account("taker").pusd == 1_000 * UNIT - 70 * UNIT - 420_000
    assert exchange.account("maker").pusd == 1_000 * UNIT - 30 * UNIT


def test_a_buy_needs_its_notional_plus_fee_at_the_limit():
    exchange = Exchange()
    exchange.fees[YES] = TWO_PERCENT
    exchange.credit("exact", pusd=50_500_000)  # 100 at 0.50: 50 pUSD + 0.50 fee
    exchange.credit("short", pusd=50_499_999)  # the notional fits, the fee does not

    with pytest.raises(OrderRejected, match=BALANCE_ERROR):
        exchange.place(engine_order("short", YES, "BUY", "0.50", 100), now=0)
    resting = engine_order("exact", YES, "BUY", "0.50", 100)
    exchange.place(resting, now=0)

    assert resting.reserved == exchange.account("exact").reserved_pusd == 50_500_000
    assert exchange.cancel(resting) and exchange.account("exact").reserved_pusd == 0


def test_a_resting_buy_releases_notional_and_fee_as_it_fills(exchange):
    resting = engine_order("maker", YES, "BUY", "0.50", 100)
    exchange.place(resting, now=0)
    exchange.place(engine_order("taker", YES, "SELL", "0.50", 40), now=0)

    assert resting.reserved == 30 * UNIT + 300_000  # 60 left: 30 pUSD + its 0.30 fee
    assert exchange.account("maker").reserved_pusd == resting.reserved


def test_a_failed_trade_gives_the_fee_back(exchange):
    exchange.place(engine_order("maker", YES, "SELL", "0.40", 100), now=0)
    exchange.fail_next_trades = 1
    exchange.place(engine_order("taker", YES, "BUY", "0.50", 100), now=0)
    for now in (1, 2):
        exchange.settle(now)
    assert exchange.account("taker").pusd == 1_000 * UNIT
    assert exchange.account(FEE_COLLECTOR).pusd == 0


def test_scenario_fee_reads_rate_exponent_and_taker_only():
    raw = {
        "markets": [
            {"slug": "a", "fee": {"r": 0.02, "e": 1}},
            {"slug": "b", "fee": {"r": 0.0175, "e": 2, "to": False}},
            {"slug": "c"},
        ]
    }
    a, b, c = parse_scenario(raw).markets
    assert a.fees == FeeSchedule(Decimal("0.02"), Decimal(1), taker_only=True)
    assert b.fees == FeeSchedule(Decimal("0.0175"), Decimal(2), taker_only=False)
    assert c.fees == FeeSchedule()


def test_over_http_the_fee_market_reports_and_charges_its_fee(sandbox_venue, clob):
    market = sandbox_venue.market("fee-market")
    token = market.yes.token_id
    assert clob.get_clob_market_info(market.condition_id)["fd"] == {"r": 0.02, "e": 1, "to": True}
    assert clob.get_fee_rate_bps(token) == 200
    venue = sandbox_venue.venue
    before = venue.balance(sandbox_venue.account.address)
    ask = venue.exchange.book(token).best_ask()

    answer = post_limit(clob, token, ask / 10_000, 10, order_type="FAK")

    (trade,) = clob.get_trades(TradeParams(id=answer["tradeIDs"][0]))
    assert trade["fee_rate_bps"] == "200"
    assert {leg["fee_rate_bps"] for leg in trade["maker_orders"]} == {"0"}
    fee = sum(leg.fee for leg in venue.exchange.trades[trade["id"]].legs)
    assert fee == taker_fee(10 * UNIT, ask, Decimal("0.02"), Decimal(1))
    spent = int(Decimal(answer["makingAmount"]) * UNIT)
    assert before - venue.balance(sandbox_venue.account.address) == spent + fee


def test_over_http_a_buy_short_of_its_fee_is_refused(sandbox_venue):
    market = sandbox_venue.market("fee-market")
    poor = sandbox_venue.client(sandbox_venue.other_account.private_key)
    # 10 at 0.50: 5 pUSD and a 0.05 fee (10 x 0.02 x 0.25); one base unit short of that.
    sandbox_venue.fund(sandbox_venue.other_account.address, pusd="5.049999")

    with api_error(400, "not enough balance / allowance"):
        post_limit(poor, market.yes.token_id, 0.50, 10)
    sandbox_venue.fund(sandbox_venue.other_account.address, pusd="0.000001")
    assert post_limit(poor, market.yes.token_id, 0.50, 10)["status"] == "live"
