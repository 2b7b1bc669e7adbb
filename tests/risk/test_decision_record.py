"""What a decision records (lt_risk_decisions.checks, message): every check it made with the
values it saw, and why it refused, in the words the sender and the operator read. No
database: `risk.decision.decide` on plain snapshots (helpers from test_decision.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from ltproject.domain import Side, TradingMode
from risk.books import Book
from risk.decision import (
    BreakerNormal,
    BreakerResumed,
    BreakerTripped,
    BreakerView,
    Paused,
    PositionView,
    StateView,
    decide,
)
from risk.reasons import ReasonCode
from risk.vocabulary import BreakerKind, BudgetPeriod, TradingState
from tests.risk.test_decision import MARKET as MARKET_INFO
from tests.risk.test_decision import NOW, Sig, rules, snapshot

D = Decimal
GLOBAL = {"state": "ACTIVE", "reconciled_at": None}
STATE = {"state": "ACTIVE", "reason": "", "until": None}
MARKET = {"condition_id": "0xc", "tick": "0.01", "min_size": "5", "event_id": "", "neg_risk": False}
PRICE = {"reference": "0.50", "slippage_bps": 0, "limit": "0.50"}
BOOK = {"best_bid": "0.49", "best_ask": "0.50", "mid": "0.495000"}


def test_an_accepted_entry_records_every_check_with_what_it_saw() -> None:
    decision = decide(
        snapshot(budget_used={BudgetPeriod.DAILY: D(5)}),
        Sig(),
        rules(
            budget_daily=D(100),
            budget_weekly=D(500),
            max_drawdown_pct=D(20),
            max_orders_per_minute=5,
            breaker_max_spread=D("0.05"),
            breaker_min_depth=D(10),
        ),
        NOW,
    )
    assert decision.message == "BUY 20.00 at 0.50 (10.000000 pUSD)"
    assert decision.checks == {
        "global": GLOBAL,
        "state": STATE,
        "market": MARKET,
        "price": PRICE,
        "book": BOOK,
        "breakers": {"spread": "0.01", "liquidity": "500.000000"},
        "drawdown": {"equity": "1000.000000", "peak": "1000.000000", "pct": "0.0000",
                     "limit": "20"},
        "order_rate": {"last_minute": 0, "limit": 5},
        "sizing": {
            "mode": "fixed_notional",
            "target": "10",
            "realised_vol": None,
            "size": "20.00",
            "notional": "10.000000",
            "fee": "0",
        },
        "exit": {"position_shares": "20.00", "bid_shares": "2000"},
        "exposure": {"market": "10.000000", "event": "10.000000", "positions": 1,
                     "positions_in_market": 1},
        "budget": {"reserved": "10.000000", "windows": 2},
    }  # fmt: skip


def test_an_accepted_exit_records_what_it_reduces() -> None:
    decision = decide(
        snapshot(position=PositionView(id=3, size=D(30))),
        Sig(side=Side.SELL, price=D("0.49")),
        rules(),
        NOW,
    )
    assert decision.message == "SELL 30.00 at 0.49 (14.700000 pUSD)"
    assert decision.checks == {
        "global": GLOBAL,
        "state": STATE,
        "market": MARKET,
        "price": {"reference": "0.49", "slippage_bps": 0, "limit": "0.49"},
        "book": BOOK,
        "reduce": {"held": "30", "pending_sells": "0"},
    }


PAUSED_UNTIL = NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("changes", "side", "code", "message", "checked"),
    [
        ({"mode": TradingMode.OFF}, Side.BUY, "STRATEGY_OFF", "strategy s1 is off", []),
        ({"global_state": StateView(trading_state=TradingState.HALTED)}, Side.BUY,
         "GLOBAL_KILL_SWITCH", "globally, only reducing orders are allowed", ["global"]),
        ({"global_state": StateView(trading_state=TradingState.HALTED, message="stop all")},
         Side.BUY, "GLOBAL_KILL_SWITCH", "stop all", ["global"]),
        ({"global_state": StateView(trading_state=TradingState.REDUCING)}, Side.BUY,
         "TRADING_REDUCING", "globally, only reducing orders are allowed", ["global"]),
        ({"mode": TradingMode.LIVE}, Side.BUY, "NOT_RECONCILED",
         "live entries wait for a successful reconciliation with the venue", ["global"]),
        ({"state": StateView(trading_state=TradingState.HALTED)}, Side.BUY, "TRADING_HALTED",
         "trading is halted", ["global", "state"]),
        ({"state": StateView(trading_state=TradingState.HALTED, reason_code="DRAWDOWN_PAUSED",
                             message="down 20 %", paused_until=PAUSED_UNTIL)},
         Side.BUY, "DRAWDOWN_PAUSED", "down 20 % (until 2026-12-07T12:05:00+00:00)",
         ["global", "state"]),
        ({"state": StateView(trading_state=TradingState.REDUCING)}, Side.BUY, "TRADING_REDUCING",
         "only orders that reduce a position", ["global", "state"]),
        ({"market": None}, Side.BUY, "MARKET_UNKNOWN", "token 1001 is not a known market",
         ["global", "state"]),
        ({"book": None}, Side.BUY, "BOOK_UNAVAILABLE", "no order book for this token",
         ["global", "state", "market", "price"]),
        ({}, Side.SELL, "NOTHING_TO_REDUCE", "no open position left to sell in this token",
         ["global", "state", "market", "price", "book", "reduce"]),
    ],
)  # fmt: skip
def test_a_refusal_says_why_and_records_the_checks_it_made(
    changes, side, code, message, checked
) -> None:
    decision = decide(snapshot(**changes), Sig(side=side), rules(), NOW)
    assert (decision.reason_code, decision.message) == (code, message)
    assert list(decision.checks) == checked
    assert decision.order is None and decision.budget is None


THIN = Book(token_id="1001", bids=((D("0.49"), D(5)),), asks=((D("0.50"), D(1000)),))
SIZING = {"mode": "fixed_notional", "target": "10", "realised_vol": None, "size": "20.00",
          "notional": "10.000000", "fee": "0"}  # fmt: skip
EXPOSURE = {"market": "10.000000", "event": "10.000000", "positions": 1, "positions_in_market": 1}
SINCE = "since 2026-12-07T12:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "rule", "code", "message", "last"),
    [
        ({}, {"breaker_max_spread": D("0.005")}, "BREAKER_SPREAD_OPEN",
         f"strategy spread breaker open {SINCE} (input 0.010000, threshold 0.005)",
         ("breakers", {"spread": "0.01", "liquidity": "500.000000"})),
        ({}, {"breaker_min_depth": D(100000)}, "BREAKER_LIQUIDITY_OPEN",
         f"strategy liquidity breaker open {SINCE} (input 500.000000, threshold 100000)",
         ("breakers", {"spread": "0.01", "liquidity": "500.000000"})),
        ({"state": StateView(equity_peak=D(2000))}, {"max_drawdown_pct": D(20)},
         "DRAWDOWN_PAUSED", "drawdown 50.0000% from peak 2000 is over 20%",
         ("drawdown", {"equity": "1000.000000", "peak": "2000", "pct": "50.0000", "limit": "20"})),
        ({"entries_last_minute": 2}, {"max_orders_per_minute": 2}, "ORDER_RATE_EXCEEDED",
         "entries in a minute would be 3, over the limit of 2",
         ("order_rate", {"last_minute": 2, "limit": 2})),
        ({}, {"sizing_notional": D(1)}, "SIZE_BELOW_MARKET_MIN",
         "2.00 shares is under the market minimum of 5",
         ("sizing", {**SIZING, "target": "1", "size": "2.00", "notional": "1.000000"})),
        ({}, {"max_order_notional": D(5)}, "ORDER_NOTIONAL_ABOVE_MAX", "10.000000 pUSD is over 5",
         ("sizing", SIZING)),
        ({}, {"min_order_notional": D(20)}, "ORDER_NOTIONAL_BELOW_MIN",
         "10.000000 pUSD is under 20", ("sizing", SIZING)),
        ({"book": THIN}, {}, "EXIT_LIQUIDITY_INSUFFICIENT",
         "bids for 5 shares could not absorb a position of 20.00",
         ("exit", {"position_shares": "20.00", "bid_shares": "5"})),
        ({}, {"max_exposure_per_market": D(5)}, "EXPOSURE_MARKET_EXCEEDED",
         "exposure in this market would be 10.000000, over the limit of 5", ("exposure", EXPOSURE)),
        ({}, {"max_exposure_per_event": D(5)}, "EXPOSURE_EVENT_EXCEEDED",
         "exposure in this event would be 10.000000, over the limit of 5", ("exposure", EXPOSURE)),
        ({}, {"max_concurrent_positions": 0}, "MAX_CONCURRENT_POSITIONS",
         "open positions would be 1, over the limit of 0", ("exposure", EXPOSURE)),
        ({}, {"max_positions_per_market": 0}, "MAX_POSITIONS_PER_MARKET",
         "positions in this market would be 1, over the limit of 0", ("exposure", EXPOSURE)),
        ({"budget_used": {BudgetPeriod.DAILY: D(95)}}, {"budget_daily": D(100)},
         "BUDGET_DAILY_EXCEEDED",
         "daily budget 100 pUSD: 95 already reserved or spent, this order needs 10.000000",
         ("budget", {"period": "daily", "limit": "100", "used": "95", "amount": "10.000000"})),
        ({}, {"budget_monthly": D(5)}, "BUDGET_MONTHLY_EXCEEDED",
         "monthly budget 5 pUSD: 0 already reserved or spent, this order needs 10.000000",
         ("budget", {"period": "monthly", "limit": "5", "used": "0", "amount": "10.000000"})),
        ({"market": dataclasses.replace(MARKET_INFO, accepting_orders=False)}, {},
         "MARKET_NOT_ACCEPTING_ORDERS", "the market is not accepting orders", ("market", MARKET)),
    ],
)  # fmt: skip
def test_an_entry_refused_at_a_rule_says_why_and_what_it_measured(
    changes, rule, code, message, last
) -> None:
    decision = decide(snapshot(**changes), Sig(), rules(**rule), NOW)
    assert (decision.reason_code, decision.message) == (code, message)
    name, values = last
    assert list(decision.checks)[-1] == name and decision.checks[name] == values
    assert decision.order is None and decision.budget is None


def test_an_exit_under_the_market_minimum_says_so() -> None:
    decision = decide(
        snapshot(position=PositionView(id=3, size=D(3))),
        Sig(side=Side.SELL, price=D("0.49")),
        rules(),
        NOW,
    )
    assert (decision.reason_code, decision.message) == (
        "SIZE_BELOW_MARKET_MIN",
        "3.00 shares is under the market minimum of 5",
    )
    assert decision.checks["reduce"] == {"held": "3", "pending_sells": "0"}


def test_the_effects_of_a_trip_and_of_a_drawdown_pause_in_full() -> None:
    trip = decide(
        snapshot(),
        Sig(),
        rules(breaker_max_spread=D("0.005"), breaker_resume_after_minutes=15),
        NOW,
    )
    assert trip.effects == (
        BreakerTripped(
            kind=BreakerKind.SPREAD,
            value=D("0.01"),
            threshold=D("0.005"),
            resume_after_minutes=15,
            resume_when_normal=False,
        ),
    )
    pause = decide(
        snapshot(state=StateView(equity_peak=D(2000))),
        Sig(),
        rules(max_drawdown_pct=D(20), drawdown_pause_minutes=30),
        NOW,
    )
    assert pause.effects == (
        Paused(
            reason_code=ReasonCode.DRAWDOWN_PAUSED,
            minutes=30,
            message="drawdown 50.0000% from peak 2000 (equity 1000.000000) is over 20%",
        ),
    )


def test_an_open_breaker_that_resumes_when_normal_starts_its_hold_then_closes() -> None:
    open_since = NOW - timedelta(minutes=20)

    def spread_breaker(**fields) -> BreakerView:
        values = {
            "kind": BreakerKind.SPREAD,
            "is_global": False,
            "state": "open",
            "tripped_at": open_since,
            "resume_after_minutes": 10,
            "resume_when_normal": True,
            "threshold": D("0.05"),
            "last_value": D("0.2"),
        }
        return BreakerView(**{**values, **fields})  # fmt: skip

    calm = rules(breaker_max_spread=D("0.05"), breaker_resume_when_normal=True)
    started = decide(snapshot(breakers=(spread_breaker(),)), Sig(), calm, NOW)
    assert started.effects == (
        BreakerNormal(kind=BreakerKind.SPREAD, normal=True, value=D("0.01")),
    )
    assert started.reason_code == ReasonCode.BREAKER_SPREAD_OPEN  # the hold has just begun
    held = spread_breaker(normal_since=NOW - timedelta(minutes=10))
    resumed = decide(snapshot(breakers=(held,)), Sig(), calm, NOW)
    assert resumed.effects == (
        BreakerResumed(kind=BreakerKind.SPREAD, is_global=False, how="back under threshold"),
    )
    assert resumed.accepted
    wide = rules(breaker_max_spread=D("0.005"), breaker_resume_when_normal=True)
    broken = decide(snapshot(breakers=(held,)), Sig(), wide, NOW)
    assert broken.effects == (
        BreakerNormal(kind=BreakerKind.SPREAD, normal=False, value=D("0.01")),
    )
    timed = spread_breaker(resume_when_normal=False, resume_at=NOW)
    over = decide(snapshot(breakers=(timed,)), Sig(), rules(), NOW)
    assert over.effects == (
        BreakerResumed(kind=BreakerKind.SPREAD, is_global=False, how="resume period over"),
    )
