"""What a decision records (lt_risk_decisions.checks, message): every check it made with the
values it saw, and why it refused, in the words the sender and the operator read. No
database: `risk.decision.decide` on plain snapshots (helpers from test_decision.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ltproject.domain import Side, TradingMode
from risk.decision import PositionView, StateView, decide
from risk.vocabulary import BudgetPeriod, TradingState
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
