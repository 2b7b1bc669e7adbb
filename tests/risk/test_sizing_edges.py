"""Sizing at its edges, without a database: the clamp to max_order_notional at the max and one
unit over, shares within a budget that the fee fills exactly, the limit price at the ends of
the price range, sizing inside a decision (equity, mids, fees); and the plain values the
sizing and the decision compute with (drawdown on a small peak, a book's empty side)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ltproject.domain import Side, TradingMode
from ltproject.fees import FeeSchedule
from ltproject.money import quantize_pusd
from risk.books import Book, MarketInfo
from risk.decision import Snapshot, StateView, decide
from risk.models import RiskRules
from risk.portfolio import Holding, Mark, Portfolio, drawdown_pct
from risk.reasons import ReasonCode
from risk.sizing import (
    limit_price,
    shares_for,
    shares_within,
    target_notional,
    volatility_of,
)
from risk.vocabulary import SizingMode
from tests.risk.plain import Sig, sizing_inputs, sizing_rules

D = Decimal
UNIT = D("0.000001")
HALF = D("0.50")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
YES = "1001"

# --- the clamp to max_order_notional ----------------------------------------------------------


@pytest.mark.parametrize(
    ("high", "target"),
    [("10", "10"), ("10.000001", "10.000000"), ("9.999999", "9.999999"), (None, "10.000000")],
)
def test_each_varying_mode_is_clamped_at_the_max_and_not_a_unit_before(high, target) -> None:
    """Each mode's own target is exactly 10 pUSD here."""
    high = None if high is None else D(high)
    cases = [
        (sizing_rules(SizingMode.PERCENT_EQUITY, sizing_percent=D(1)), sizing_inputs()),
        (
            sizing_rules(SizingMode.FT_PROPORTIONAL, sizing_multiplier=D(2)),
            sizing_inputs(ft_size=D(10)),
        ),
        (
            sizing_rules(
                SizingMode.VOLATILITY_TARGET, sizing_notional=D(5), sizing_target_vol=D("0.02")
            ),
            sizing_inputs(realised_vol=D("0.01")),
        ),
    ]
    for rules, inputs in cases:
        rules.max_order_notional = high
        assert target_notional(rules, inputs) == D(target)


def test_a_percent_target_is_rounded_to_the_pusd_unit() -> None:
    rules = sizing_rules(SizingMode.PERCENT_EQUITY, sizing_percent=D("33.3333"))
    # 33.3333 % of 0.000010 is 0.00000333333: 0.000003 pUSD.
    assert target_notional(rules, sizing_inputs(equity=D("0.000010"))) == D("0.000003")


@pytest.mark.parametrize(("vol", "target"), [("0.04", "5.000000"), ("0.000003", "66666.666667")])
def test_volatility_target_sizes_inversely_to_the_realised_volatility(vol, target) -> None:
    rules = sizing_rules(
        SizingMode.VOLATILITY_TARGET, sizing_notional=D(10), sizing_target_vol=D("0.02")
    )
    assert target_notional(rules, sizing_inputs(realised_vol=D(vol))) == D(target)


# --- shares within a budget -------------------------------------------------------------------


def test_shares_within_a_budget_that_their_cost_and_fee_bound_fill_exactly() -> None:
    fees = FeeSchedule(rate=D("0.02"))  # 0.005 a share at 0.50; the bound adds 0.001
    assert fees.fee_bound(D(20), HALF) == D("0.101")
    assert shares_within(D("10.101"), HALF, fees) == D("20.00")
    assert shares_within(D("10.101") - UNIT, HALF, fees) == D("19.99")


def test_under_one_share_the_fee_bound_still_stays_within_the_budget() -> None:
    fees = FeeSchedule(rate=D("0.02"))
    # 0.99 shares would cost 0.495 + a bound of 0.00595: over 0.50, so 0.98 (0.4959).
    assert shares_within(D("0.5"), HALF, fees) == D("0.98")


def test_shares_for_a_notional_that_buys_whole_hundredths_exactly() -> None:
    assert shares_for(D("0.01"), D("0.01")) == D("1.00")
    assert shares_for(D("0.01") - UNIT, D("0.01")) == D("0.99")


# --- the limit price at the ends of the range -------------------------------------------------


@pytest.mark.parametrize(
    ("side", "reference", "bps", "limit"),
    [
        (Side.BUY, "0.98", 100, "0.98"),  # 0.9898 floors to 0.98
        (Side.BUY, "0.98", 103, "0.99"),  # 0.990094: 0.99, the highest price there is
        (Side.BUY, "0.99", 200, "0.99"),  # 1.0098 is no price: 0.99
        (Side.BUY, "0.50", 0, "0.50"),
        (Side.SELL, "0.02", 5000, "0.01"),  # 0.01 exactly
        (Side.SELL, "0.02", 5001, "0.01"),  # 0.009998 ceils to 0.01
        (Side.SELL, "0.01", 10000, "0.01"),  # 0 is no price: the lowest there is
        (Side.SELL, "0.50", 0, "0.50"),
        # Inside the range a price is never past the slippage, however the tick falls:
        (Side.SELL, "0.50", 130, "0.50"),  # 0.4935 ceils to 0.50, not 0.49
        (Side.BUY, "0.50", 170, "0.50"),  # 0.5085 floors to 0.50, not 0.51
    ],
)
def test_the_limit_price_stays_within_one_tick_of_each_end(side, reference, bps, limit) -> None:
    price = limit_price(side=side, reference=D(reference), slippage_bps=bps, tick=D("0.01"))
    assert price == D(limit)


# --- volatility -------------------------------------------------------------------------------


def test_volatility_of_exactly_three_mids_and_of_prices_that_do_not_move() -> None:
    assert volatility_of([HALF, HALF]) is None
    assert volatility_of([HALF, HALF, HALF]) == D(0)
    assert volatility_of([D("0.4"), HALF, D("0.4")]) == D("0.1")


# --- sizing inside a decision -----------------------------------------------------------------

BOOK = Book(
    token_id=YES,
    bids=((D("0.49"), D(10_000)),),
    asks=((HALF, D(10_000)),),
)
MARKET = MarketInfo(
    token_id=YES,
    market_id=7,
    condition_id="0xc",
    event_id="",
    neg_risk=False,
    tick_size=D("0.01"),
    min_order_size=D(1),
    accepting_orders=True,
    sibling_token_ids=(),
)


def _decide(
    rules: RiskRules, signal: Sig | None = None, keep_budget: bool = False, **values: object
):
    fields: dict[str, object] = {
        "strategy": "s1",
        "mode": TradingMode.PAPER,
        "global_state": StateView(),
        "state": StateView(),
        "market": MARKET,
        "portfolio": Portfolio(capital=D(1000), realised=D(0), unrealised=D(0), holdings={}),
        "book": BOOK,
        "last_mid": (D("0.495"), NOW),  # this book's mid, recorded just now
    }
    rules.order_max_slippage_bps = 0
    if not keep_budget:
        rules.budget_daily = None
    rules.max_drawdown_pct = None
    snapshot = Snapshot(**{**fields, **values})  # type: ignore[arg-type]
    return decide(snapshot, signal or Sig(), rules, NOW)


def _size(decision) -> Decimal | None:
    return decision.order.size if decision.order is not None else None


def test_percent_of_equity_sizes_on_capital_plus_realised_plus_the_marks() -> None:
    rules = sizing_rules(SizingMode.PERCENT_EQUITY, sizing_percent=D(1))
    portfolio = Portfolio(
        capital=D(1000),
        realised=D(-200),
        unrealised=D(0),
        holdings={"2001": Holding(token_id="2001", shares=D(100), cost=D(50))},
        marks={"2001": Mark(shares=D(100), paid=D(50), price=HALF)},
    )
    decision = _decide(rules, portfolio=portfolio)
    assert decision.checks["sizing"]["target"] == "8.000000"  # 1 % of 800
    assert _size(decision) == D(16)


def test_percent_of_equity_counts_a_held_position_at_the_new_mid() -> None:
    rules = sizing_rules(SizingMode.PERCENT_EQUITY, sizing_percent=D(10))
    held = Portfolio(
        capital=D(100),
        realised=D(0),
        unrealised=D(0),
        holdings={YES: Holding(token_id=YES, shares=D(100), cost=D(50))},
        marks={YES: Mark(shares=D(100), paid=D(50), price=HALF)},
    )
    # The book's mid is 0.495 and none was recorded: the position is worth 49.5, equity 99.5.
    decision = _decide(rules, portfolio=held, last_mid=None)
    assert decision.checks["sizing"]["target"] == "9.950000"


def test_volatility_target_sizes_on_the_recorded_mids_and_the_new_one() -> None:
    rules = sizing_rules(
        SizingMode.VOLATILITY_TARGET,
        sizing_notional=D(10),
        sizing_target_vol=D("0.01"),
        sizing_lookback_minutes=60,
    )
    # Recorded 0.485, 0.495, then the book's 0.495 (not recorded again): changes 0.01, 0.
    decision = _decide(rules, mids=(D("0.485"), D("0.495"), D("0.495")))
    assert decision.checks["sizing"]["realised_vol"] == "0.005"
    assert decision.checks["sizing"]["target"] == "20.000000"
    assert _size(decision) == D(40)
    # A new mid joins the series before volatility is measured: 0.485, 0.495, 0.495.
    fresh = _decide(rules, mids=(D("0.485"), D("0.495")), last_mid=None)
    assert fresh.checks["sizing"]["realised_vol"] == "0.005000"


def test_volatility_target_without_a_lookback_has_no_volatility_to_size_on() -> None:
    rules = sizing_rules(
        SizingMode.VOLATILITY_TARGET, sizing_notional=D(10), sizing_target_vol=D("0.01")
    )
    decision = _decide(rules, mids=(D("0.485"), D("0.495"), D("0.495")))
    assert (decision.reason_code, decision.message) == (
        ReasonCode.SIZING_UNAVAILABLE,
        "fewer than 3 recorded mid prices in the lookback window",
    )


def test_an_entry_spends_its_target_fee_included() -> None:
    fees = FeeSchedule(rate=D("0.02"))
    rules = sizing_rules(SizingMode.FIXED_NOTIONAL, sizing_notional=D("10.101"))
    decision = _decide(rules, market=dataclasses.replace(MARKET, fees=fees))
    assert decision.order is not None
    assert (decision.order.size, decision.order.notional, decision.order.fee) == (
        D(20),
        D(10),
        D("0.101"),
    )


@pytest.mark.parametrize(
    ("budget", "code"), [("10.101", "ACCEPTED"), ("10.100999", "BUDGET_DAILY_EXCEEDED")]
)
def test_the_budget_holds_the_notional_and_the_most_the_fee_can_be(budget, code) -> None:
    fees = FeeSchedule(rate=D("0.02"))
    rules = sizing_rules(
        SizingMode.FIXED_NOTIONAL, sizing_notional=D("10.101"), budget_daily=D(budget)
    )
    market = dataclasses.replace(MARKET, fees=fees)
    decision = _decide(rules, keep_budget=True, market=market)
    assert decision.reason_code == code
    if decision.budget is not None:
        assert decision.budget.amount == D("10.101")


def test_ft_proportional_sizes_an_entry_on_ft_s_size_at_the_limit_price() -> None:
    rules = sizing_rules(SizingMode.FT_PROPORTIONAL, sizing_multiplier=D("0.5"))
    decision = _decide(rules, Sig(size=D(30)))
    assert _size(decision) == D(15)  # 30 × 0.5 shares' worth at 0.50


# --- the values the sizing and the decision compute with -------------------------------------


@pytest.mark.parametrize(
    ("peak", "equity", "pct"),
    [("1", "0.5", "50.0000"), ("0.000001", "0", "100.0000"), ("0.5", "0.6", "-20.0000")],
)
def test_drawdown_is_measured_below_any_positive_peak_however_small(peak, equity, pct) -> None:
    assert drawdown_pct(peak=D(peak), equity=D(equity)) == D(pct)


def test_an_empty_side_of_the_book_has_no_depth_in_pusd() -> None:
    empty = Book(token_id=YES)
    assert quantize_pusd(empty.bid_depth_within(HALF)) == D(0)
    assert quantize_pusd(empty.ask_depth_within(HALF)) == D(0)
    assert empty.bid_shares() == D(0)
    beyond = Book(token_id=YES, bids=((D("0.40"), D(10)),), asks=((D("0.60"), D(10)),))
    assert quantize_pusd(beyond.bid_depth_within(HALF)) == D(0)
    assert quantize_pusd(beyond.ask_depth_within(HALF)) == D(0)
    assert beyond.bid_depth_within(D("0.40")) == D(4)
    assert beyond.ask_depth_within(D("0.60")) == D(6)
