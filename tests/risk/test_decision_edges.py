"""`risk.decision.decide` at the edges of its rules, on plain snapshots (no database, no
clock): a breaker's trip and resume within one decision, the order it sends (entry and exit),
how much an exit sells, what counts as a position and as exposure, the states and the market
checks before the book."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ltproject.domain import OrderType, Side, TradingMode
from risk.books import Book
from risk.decision import (
    BreakerNormal,
    BreakerResumed,
    BreakerTripped,
    BreakerView,
    OrderIntent,
    PauseLifted,
    PeakRaised,
    PositionView,
    Snapshot,
    StateView,
    book_wanted,
    decide,
    window_starts,
)
from risk.models import RiskRules
from risk.portfolio import Holding, Portfolio
from risk.reasons import ReasonCode
from risk.vocabulary import BreakerKind, BudgetPeriod, SizingMode, TradingState
from tests.risk.plain import BOOK, MARKET, NO, NOW, TICK, UNIT, YES, D, Sig

HALF = D("0.50")
ZERO = D(0)
HELD = D(20)


def rules(**values: object) -> RiskRules:
    """Rules under which a 0.50 BUY is a clean 20 shares / 10.00 pUSD (an unsaved row)."""
    base: dict[str, object] = {
        "order_max_slippage_bps": 0,
        "max_drawdown_pct": None,
        "max_order_notional": None,
        "budget_daily": None,
        "sizing_notional": D(10),
        "breaker_resume_after_minutes": 15,
    }
    return RiskRules(**{**base, **values})


def snapshot(holdings: dict[str, Holding] | None = None, **values: object) -> Snapshot:
    fields: dict[str, object] = {
        "strategy": "s1",
        "mode": TradingMode.PAPER,
        "global_state": StateView(),
        "state": StateView(),
        "market": MARKET,
        "portfolio": Portfolio(
            capital=D(1000), realised=D(0), unrealised=D(0), holdings=holdings or {}
        ),
        "book": BOOK,
        "last_mid": (D("0.495"), NOW),  # recorded just now: no new mid to record
    }
    return Snapshot(**{**fields, **values})  # type: ignore[arg-type]


def spread_breaker(**values: object) -> BreakerView:
    """The strategy's spread breaker, open since an hour ago."""
    fields: dict[str, object] = {
        "kind": BreakerKind.SPREAD,
        "is_global": False,
        "state": "open",
        "tripped_at": NOW - timedelta(hours=1),
        "last_value": D("0.02"),
        "threshold": D("0.015"),
    }
    return BreakerView(**{**fields, **values})  # type: ignore[arg-type]


# --- a breaker trips, holds, resumes ----------------------------------------------------------


def test_a_breaker_with_a_zero_resume_period_trips_and_closes_in_the_same_decision() -> None:
    decision = decide(
        snapshot(),
        Sig(),
        rules(breaker_max_spread=D("0.009999"), breaker_resume_after_minutes=0),
        NOW,
    )
    assert decision.reason_code == ReasonCode.ACCEPTED
    assert decision.effects == (
        BreakerTripped(
            kind=BreakerKind.SPREAD,
            value=D("0.01"),
            threshold=D("0.009999"),
            resume_after_minutes=0,
            resume_when_normal=False,
        ),
        BreakerResumed(kind=BreakerKind.SPREAD, is_global=False, how="resume period over"),
    )


def test_a_breaker_that_trips_now_refuses_the_entry_and_says_why() -> None:
    decision = decide(
        snapshot(),
        Sig(),
        rules(breaker_max_spread=D("0.009999"), breaker_resume_after_minutes=1),
        NOW,
    )
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    assert decision.message == (
        f"strategy spread breaker open since {NOW.isoformat()} (input 0.010000, threshold 0.009999)"
    )
    assert [type(e) for e in decision.effects] == [BreakerTripped]


def test_a_breaker_that_resumes_when_normal_does_not_close_on_the_abnormal_input_it_trips_on() -> (
    None
):
    limits = rules(
        breaker_max_spread=D("0.009999"),
        breaker_resume_after_minutes=0,
        breaker_resume_when_normal=True,
    )
    decision = decide(snapshot(), Sig(), limits, NOW)
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    assert [type(e) for e in decision.effects] == [BreakerTripped]


def test_back_under_threshold_with_no_hold_period_the_breaker_closes_at_once() -> None:
    breaker = spread_breaker(resume_when_normal=True, resume_after_minutes=0)
    decision = decide(
        snapshot(breakers=(breaker,)), Sig(), rules(breaker_max_spread=D("0.015")), NOW
    )
    assert decision.reason_code == ReasonCode.ACCEPTED
    assert decision.effects == (
        BreakerNormal(kind=BreakerKind.SPREAD, normal=True, value=D("0.01")),
        BreakerResumed(kind=BreakerKind.SPREAD, is_global=False, how="back under threshold"),
    )


def test_an_abnormal_input_breaks_the_hold_of_a_breaker_that_resumes_when_normal() -> None:
    breaker = spread_breaker(
        resume_when_normal=True, resume_after_minutes=0, normal_since=NOW - timedelta(minutes=1)
    )
    decision = decide(
        snapshot(breakers=(breaker,)), Sig(), rules(breaker_max_spread=D("0.005")), NOW
    )
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    assert decision.effects == (
        BreakerNormal(kind=BreakerKind.SPREAD, normal=False, value=D("0.01")),
    )


@pytest.mark.parametrize(
    ("normal_for", "code"),
    [(timedelta(minutes=5), "ACCEPTED"), (timedelta(minutes=5) - TICK, "BREAKER_SPREAD_OPEN")],
)
def test_a_breaker_resumes_once_normal_for_its_whole_hold_and_not_a_microsecond_less(
    normal_for: timedelta, code: str
) -> None:
    breaker = spread_breaker(
        resume_when_normal=True, resume_after_minutes=5, normal_since=NOW - normal_for
    )
    decision = decide(
        snapshot(breakers=(breaker,)), Sig(), rules(breaker_max_spread=D("0.015")), NOW
    )
    assert decision.reason_code == code
    resumed = [e for e in decision.effects if isinstance(e, BreakerResumed)]
    assert len(resumed) == (code == "ACCEPTED")


def test_a_breaker_that_resumes_by_hand_stays_open_however_long_the_input_is_normal() -> None:
    breaker = spread_breaker(
        resume_when_normal=True, resume_after_minutes=None, normal_since=NOW - timedelta(days=30)
    )
    decision = decide(
        snapshot(breakers=(breaker,)), Sig(), rules(breaker_max_spread=D("0.015")), NOW
    )
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    assert decision.effects == ()
    timed = spread_breaker(resume_after_minutes=None, resume_at=NOW - timedelta(days=30))
    decision = decide(snapshot(breakers=(timed,)), Sig(), rules(), NOW)
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN


def test_a_closed_breaker_is_not_resumed_again() -> None:
    closed = BreakerView(
        kind=BreakerKind.LATENCY,
        is_global=True,
        state="closed",
        resume_at=NOW - timedelta(hours=1),
        normal_since=NOW - timedelta(hours=1),
        resume_after_minutes=15,
    )
    decision = decide(snapshot(breakers=(closed,)), Sig(), rules(), NOW)
    assert decision.reason_code == ReasonCode.ACCEPTED
    assert decision.effects == ()


@pytest.mark.parametrize(("due", "code"), [(NOW, "ACCEPTED"), (NOW + TICK, "BREAKER_LATENCY_OPEN")])
def test_a_timed_breaker_resumes_exactly_at_its_resume_time(due: datetime, code: str) -> None:
    breaker = BreakerView(
        kind=BreakerKind.LATENCY,
        is_global=True,
        state="open",
        resume_at=due,
        resume_after_minutes=15,
    )
    decision = decide(snapshot(breakers=(breaker,)), Sig(), rules(), NOW)
    assert decision.reason_code == code
    if code == "ACCEPTED":
        assert decision.effects == (
            BreakerResumed(kind=BreakerKind.LATENCY, is_global=True, how="resume period over"),
        )


def test_a_breaker_that_resumes_by_hand_trips_with_no_resume_time() -> None:
    limits = rules(breaker_max_spread=D("0.009999"), breaker_resume_after_minutes=None)
    decision = decide(snapshot(), Sig(), limits, NOW)
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    assert decision.effects == (
        BreakerTripped(
            kind=BreakerKind.SPREAD,
            value=D("0.01"),
            threshold=D("0.009999"),
            resume_after_minutes=None,
            resume_when_normal=False,
        ),
    )


def test_a_global_breaker_open_with_the_strategy_s_own_of_its_kind_is_the_one_named() -> None:
    glob = BreakerView(
        kind=BreakerKind.SPREAD, is_global=True, state="open", tripped_at=NOW, threshold=D("0.1")
    )
    limits = rules(breaker_max_spread=D("0.009999"), breaker_resume_after_minutes=0)
    decision = decide(snapshot(breakers=(glob,)), Sig(), limits, NOW)
    # The strategy's own trips and, with no resume period, closes; the global one still refuses.
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    assert decision.message == (
        f"global spread breaker open since {NOW.isoformat()} (input None, threshold 0.1)"
    )
    assert BreakerResumed(kind=BreakerKind.SPREAD, is_global=False, how="resume period over") in (
        decision.effects
    )


def test_global_breakers_refuse_before_the_strategy_s_own_then_by_kind() -> None:
    own = spread_breaker()
    glob_latency = BreakerView(kind=BreakerKind.LATENCY, is_global=True, state="open")
    glob_error = BreakerView(kind=BreakerKind.ERROR_RATE, is_global=True, state="open")
    snap = snapshot(breakers=(own, glob_error, glob_latency))
    decision = decide(snap, Sig(), rules(breaker_max_spread=D("0.015")), NOW)
    assert decision.reason_code == ReasonCode.BREAKER_LATENCY_OPEN
    assert decision.message == "global latency breaker open since ? (input None, threshold None)"
    only_own = decide(snapshot(breakers=(own,)), Sig(), rules(breaker_max_spread=D("0.015")), NOW)
    assert only_own.reason_code == ReasonCode.BREAKER_SPREAD_OPEN


def test_liquidity_is_the_ask_depth_within_the_limit_price() -> None:
    # Asks within 0.50: 1000 × 0.50 = 500 pUSD; the 0.51 level is past the limit.
    at_min = decide(snapshot(), Sig(), rules(breaker_min_depth=D(500)), NOW)
    assert at_min.reason_code == ReasonCode.ACCEPTED
    assert at_min.checks["breakers"] == {"spread": "0.01", "liquidity": "500.000000"}
    under = decide(snapshot(), Sig(), rules(breaker_min_depth=D(500) + UNIT), NOW)
    assert under.reason_code == ReasonCode.BREAKER_LIQUIDITY_OPEN


def test_an_empty_ask_side_trips_the_spread_breaker() -> None:
    bids_only = dataclasses.replace(BOOK, asks=())
    decision = decide(snapshot(book=bids_only), Sig(), rules(breaker_max_spread=D("0.5")), NOW)
    assert decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN


# --- the order sent -------------------------------------------------------------------------


def _entry(**values: object) -> OrderIntent:
    fields: dict[str, object] = {
        "side": Side.BUY,
        "token_id": YES,
        "market_id": 7,
        "price": D("0.50"),
        "size": D(20),
        "notional": D("10.00"),
        "fee": D(0),
        "entry": True,
        "order_type": OrderType.FAK,
        "expires_at": None,
        "reference_price": D("0.50"),
        "position_id": None,
    }
    return OrderIntent(**{**fields, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("order_type", "ttl", "expires_at"),
    [
        (OrderType.GTC, 600, NOW + timedelta(seconds=600)),
        (OrderType.GTD, 120, NOW + timedelta(seconds=120)),
        (OrderType.GTC, None, None),
        (OrderType.FAK, 600, None),
        (OrderType.FOK, 600, None),
    ],
)
def test_a_resting_order_expires_its_ttl_after_the_decision_and_a_fill_or_kill_never(
    order_type: str, ttl: int | None, expires_at: datetime | None
) -> None:
    decision = decide(snapshot(), Sig(), rules(order_type=order_type, order_ttl_seconds=ttl), NOW)
    assert decision.order == _entry(order_type=order_type, expires_at=expires_at)


def test_the_entry_names_its_market_and_the_price_ft_asked_for() -> None:
    signal = Sig(price=D("0.4950"))
    decision = decide(snapshot(), signal, rules(order_max_slippage_bps=200), NOW)
    # 0.495 × 1.02 = 0.5049, floored to the tick: 0.50; 10 pUSD buys 20 shares there.
    assert decision.order == _entry(reference_price=D("0.4950"))
    assert decision.message == "BUY 20.00 at 0.50 (10.000000 pUSD)"


def test_the_signal_s_own_slippage_narrows_the_rules_and_never_widens_them() -> None:
    tighter = decide(
        snapshot(),
        Sig(price=D("0.48"), max_slippage_bps=100),
        rules(order_max_slippage_bps=500),
        NOW,
    )
    assert tighter.limit_price == D("0.48")  # 0.4848 floored
    wider = decide(
        snapshot(),
        Sig(price=D("0.48"), max_slippage_bps=900),
        rules(order_max_slippage_bps=500),
        NOW,
    )
    assert wider.limit_price == D("0.50")  # 0.504 floored, not 0.5232


# --- what an exit sells ---------------------------------------------------------------------


def _exit_snapshot(held: Decimal = HELD, pending: Decimal = ZERO, **market: Any) -> Snapshot:
    holding = Holding(token_id=YES, shares=held, cost=held / 2, pending_sell_shares=pending)
    return snapshot(
        holdings={YES: holding},
        position=PositionView(id=3, size=held),
        market=dataclasses.replace(MARKET, **market),
    )


def _sold(decision) -> Decimal | None:
    return decision.order.size if decision.order is not None else None


def test_an_exit_sells_the_whole_position_at_no_fee_bound() -> None:
    decision = decide(_exit_snapshot(), Sig(side=Side.SELL), rules(), NOW)
    assert decision.order == _entry(
        side=Side.SELL, entry=False, size=D(20), notional=D("10.00"), fee=D(0), position_id=3
    )
    assert decision.budget is None


@pytest.mark.parametrize(
    ("pending", "code", "size"),
    [
        (D(20), "NOTHING_TO_REDUCE", None),
        (D("19.99"), "SIZE_BELOW_MARKET_MIN", None),  # 0.01 left, under the market's 1
        (D(19), "ACCEPTED", D(1)),
        (D("18.5"), "ACCEPTED", D("1.5")),
    ],
)
def test_an_exit_sells_only_what_pending_sells_leave(pending, code, size) -> None:
    decision = decide(
        _exit_snapshot(pending=pending, min_order_size=D(1)), Sig(side=Side.SELL), rules(), NOW
    )
    assert (decision.reason_code, _sold(decision)) == (code, size)


def test_an_exit_without_a_position_has_nothing_to_reduce() -> None:
    held = {YES: Holding(token_id=YES, shares=D(20), cost=D(10))}
    decision = decide(snapshot(holdings=held), Sig(side=Side.SELL), rules(), NOW)
    assert decision.reason_code == ReasonCode.NOTHING_TO_REDUCE
    assert decision.checks["reduce"] == {"held": "0", "pending_sells": "0"}


@pytest.mark.parametrize("ft_size", [D(5), None])
def test_outside_ft_proportional_an_exit_sells_everything_whatever_ft_s_size(ft_size) -> None:
    decision = decide(_exit_snapshot(), Sig(side=Side.SELL, size=ft_size), rules(), NOW)
    assert _sold(decision) == D(20)


@pytest.mark.parametrize(
    ("multiplier", "ft_size", "size"),
    [
        (D(2), D(4), D(8)),  # FT's size times the multiplier
        (D("0.5"), D(30), D(15)),
        (D(2), D(15), D(20)),  # never more than is held
        (None, D(4), D(4)),  # no multiplier: FT's size as is
        (D(1), D("7.777"), D("7.77")),  # whole hundredths, rounded down
        (D(2), None, D(20)),  # FT sent no size: everything
    ],
)
def test_in_ft_proportional_an_exit_sells_ft_s_size_times_the_multiplier(
    multiplier, ft_size, size
) -> None:
    limits = rules(sizing_mode=SizingMode.FT_PROPORTIONAL, sizing_multiplier=multiplier)
    snap = _exit_snapshot(min_order_size=D(1))
    decision = decide(snap, Sig(side=Side.SELL, size=ft_size), limits, NOW)
    assert (decision.reason_code, _sold(decision)) == ("ACCEPTED", size)


# --- what counts as a position and as exposure ----------------------------------------------


def test_a_token_with_no_shares_left_is_not_an_open_position() -> None:
    # Only a pending sell left in 2001: no position there, so this is the first of one.
    selling = {"2001": Holding(token_id="2001", pending_sell_shares=D(5))}
    decision = decide(snapshot(holdings=selling), Sig(), rules(max_concurrent_positions=1), NOW)
    assert decision.reason_code == ReasonCode.ACCEPTED
    assert decision.checks["exposure"]["positions"] == 1


def test_a_hundredth_of_a_share_is_an_open_position() -> None:
    tiny = {"2001": Holding(token_id="2001", shares=D("0.01"), cost=D("0.005"))}
    decision = decide(snapshot(holdings=tiny), Sig(), rules(max_concurrent_positions=1), NOW)
    assert decision.reason_code == ReasonCode.MAX_CONCURRENT_POSITIONS


def test_adding_to_a_held_position_is_not_a_new_position() -> None:
    held = {YES: Holding(token_id=YES, shares=D(1), cost=D("0.5"))}
    decision = decide(snapshot(holdings=held), Sig(), rules(max_concurrent_positions=0), NOW)
    assert decision.reason_code == ReasonCode.ACCEPTED


@pytest.mark.parametrize(
    ("limit", "code"), [(D("10.5"), "ACCEPTED"), (D("10.5") - UNIT, "EXPOSURE_MARKET_EXCEEDED")]
)
def test_a_small_held_position_adds_its_cost_to_the_market_exposure(limit, code) -> None:
    held = {YES: Holding(token_id=YES, shares=D(1), cost=D("0.5"))}
    decision = decide(snapshot(holdings=held), Sig(), rules(max_exposure_per_market=limit), NOW)
    assert decision.reason_code == code
    assert decision.checks["exposure"]["market"] == "10.500000"


def test_yes_bought_up_to_the_no_already_held_nets_to_no_exposure() -> None:
    held = {
        YES: Holding(token_id=YES, shares=D(10), cost=D(5)),
        NO: Holding(token_id=NO, shares=D(30), cost=D(15)),
    }
    # YES 10 + 20 = 30 against NO 30: 30 pUSD paid for pairs that pay 30 back.
    decision = decide(snapshot(holdings=held), Sig(), rules(max_exposure_per_market=D(0)), NOW)
    assert decision.reason_code == ReasonCode.ACCEPTED
    assert decision.checks["exposure"]["market"] == "0.000000"
    assert decision.checks["exposure"]["positions_in_market"] == 2


def test_more_pairs_than_cost_is_no_exposure_rather_than_a_negative_one() -> None:
    held = {NO: Holding(token_id=NO, shares=D(100), cost=D(5))}
    decision = decide(snapshot(holdings=held), Sig(), rules(max_exposure_per_market=D(0)), NOW)
    # 5 + 10 paid, 20 pairs: 15 − 20 is floored at 0.
    assert decision.checks["exposure"]["market"] == "0.000000"


def test_event_exposure_nets_each_market_s_pairs_before_summing() -> None:
    market = dataclasses.replace(MARKET, event_id="ev")
    held = {
        NO: Holding(token_id=NO, shares=D(20), cost=D(10)),  # pairs with the 20 YES bought
        "2001": Holding(token_id="2001", shares=D(10), cost=D(5)),  # another market of ev
    }
    events = {YES: (7, "ev"), NO: (7, "ev"), "2001": (8, "ev")}
    snap = snapshot(holdings=held, market=market, token_events=events)
    at_limit = decide(snap, Sig(), rules(max_exposure_per_event=D(5)), NOW)
    assert at_limit.reason_code == ReasonCode.ACCEPTED
    assert at_limit.checks["exposure"]["event"] == "5.000000"
    over = decide(snap, Sig(), rules(max_exposure_per_event=D(5) - UNIT), NOW)
    assert over.reason_code == ReasonCode.EXPOSURE_EVENT_EXCEEDED


@pytest.mark.parametrize(("limit", "code"), [(2, "ACCEPTED"), (1, "MAX_POSITIONS_PER_MARKET")])
def test_positions_per_market_count_both_outcomes(limit: int, code: str) -> None:
    held = {NO: Holding(token_id=NO, shares=D(1), cost=D("0.5"))}
    decision = decide(snapshot(holdings=held), Sig(), rules(max_positions_per_market=limit), NOW)
    assert decision.reason_code == code


@pytest.mark.parametrize(
    ("bids", "code"), [(D(20), "ACCEPTED"), (D("19.99"), "EXIT_LIQUIDITY_INSUFFICIENT")]
)
def test_an_entry_needs_bids_that_could_take_the_whole_position_back(bids, code) -> None:
    book = dataclasses.replace(BOOK, bids=((D("0.49"), bids),))
    assert decide(snapshot(book=book), Sig(), rules(), NOW).reason_code == code
    held = {YES: Holding(token_id=YES, shares=D(5), cost=D("2.5"))}
    thin = dataclasses.replace(BOOK, bids=((D("0.49"), D(24)),))  # 25 would be held
    assert decide(snapshot(holdings=held, book=thin), Sig(), rules(), NOW).reason_code == (
        ReasonCode.EXIT_LIQUIDITY_INSUFFICIENT
    )


def test_a_book_without_bids_refuses_every_entry_nothing_could_take_it_back() -> None:
    no_bids = dataclasses.replace(BOOK, bids=())
    decision = decide(snapshot(book=no_bids), Sig(), rules(), NOW)
    assert (decision.reason_code, decision.message) == (
        ReasonCode.EXIT_LIQUIDITY_INSUFFICIENT,
        "bids for 0 shares could not absorb a position of 20.00",
    )
    assert decision.checks["exit"] == {"position_shares": "20.00", "bid_shares": "0"}


# --- sizes and the market's minimum ---------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "code"), [(D(20), "ACCEPTED"), (D("20.01"), "SIZE_BELOW_MARKET_MIN")]
)
def test_an_entry_at_the_market_minimum_and_one_hundredth_under(minimum, code) -> None:
    snap = snapshot(market=dataclasses.replace(MARKET, min_order_size=minimum))
    assert decide(snap, Sig(), rules(), NOW).reason_code == code


def test_an_entry_of_no_shares_is_refused_even_with_no_market_minimum() -> None:
    snap = snapshot(market=dataclasses.replace(MARKET, min_order_size=D(0)))
    decision = decide(snap, Sig(), rules(sizing_notional=D("0.004")), NOW)
    assert decision.reason_code == ReasonCode.SIZE_BELOW_MARKET_MIN


# --- states and the market, before the book -------------------------------------------------


def test_a_global_reduce_only_refuses_entries_with_its_own_message() -> None:
    reducing = StateView(trading_state=TradingState.REDUCING)
    decision = decide(snapshot(global_state=reducing), Sig(), rules(), NOW)
    assert (decision.reason_code, decision.message) == (
        ReasonCode.TRADING_REDUCING,
        "globally, only reducing orders are allowed",
    )
    assert decide(_exit_snapshot(), Sig(side=Side.SELL), rules(), NOW).accepted


def test_a_strategy_paused_by_its_rules_is_refused_with_the_pause_s_code_and_end() -> None:
    until = NOW + timedelta(minutes=5)
    paused = StateView(
        trading_state=TradingState.HALTED,
        reason_code=ReasonCode.LOSS_STREAK_PAUSED,
        message="3 losing closes",
        paused_until=until,
    )
    decision = decide(snapshot(state=paused), Sig(), rules(), NOW)
    assert (decision.reason_code, decision.message) == (
        ReasonCode.LOSS_STREAK_PAUSED,
        f"3 losing closes (until {until.isoformat()})",
    )
    by_hand = StateView(trading_state=TradingState.HALTED, reason_code=ReasonCode.MANUAL_HALT)
    decision = decide(snapshot(state=by_hand), Sig(), rules(), NOW)
    assert (decision.reason_code, decision.message) == (
        ReasonCode.TRADING_HALTED,
        "trading is halted",
    )


def test_a_strategy_that_reduces_only_refuses_entries() -> None:
    reducing = StateView(trading_state=TradingState.REDUCING)
    assert decide(snapshot(state=reducing), Sig(), rules(), NOW).reason_code == (
        ReasonCode.TRADING_REDUCING
    )


def test_a_global_pause_that_ended_is_lifted_keeping_the_strategy_s_peak() -> None:
    glob = StateView(
        trading_state=TradingState.HALTED,
        reason_code=ReasonCode.DRAWDOWN_PAUSED,
        paused_until=NOW,
        equity_peak=D(5),
    )
    state = StateView(equity_peak=D(1000))
    decision = decide(
        snapshot(global_state=glob, state=state), Sig(), rules(max_drawdown_pct=D(10)), NOW
    )
    assert decision.reason_code == ReasonCode.ACCEPTED
    assert decision.effects == (PauseLifted(scope_global=True),)  # no new peak: still 1000
    assert decision.checks["global"]["state"] == "ACTIVE"


def test_live_entries_need_a_reconciliation_and_paper_ones_do_not() -> None:
    never = decide(snapshot(mode=TradingMode.LIVE), Sig(), rules(), NOW)
    assert never.reason_code == ReasonCode.NOT_RECONCILED
    recent = StateView(reconciled_at=NOW - timedelta(minutes=1))
    assert decide(
        snapshot(mode=TradingMode.LIVE, global_state=recent), Sig(), rules(), NOW
    ).accepted
    assert decide(snapshot(mode=TradingMode.PAPER), Sig(), rules(), NOW).accepted
    exit_snap = dataclasses.replace(_exit_snapshot(), mode=TradingMode.LIVE)
    assert decide(exit_snap, Sig(side=Side.SELL), rules(), NOW).accepted


@pytest.mark.parametrize(
    ("snap", "signal", "code"),
    [
        (snapshot(market=None), Sig(), "MARKET_UNKNOWN"),
        (snapshot(), Sig(condition_id="0xother"), "MARKET_UNKNOWN"),
        (snapshot(), Sig(condition_id="0xc"), "ACCEPTED"),
        (
            snapshot(market=dataclasses.replace(MARKET, accepting_orders=False)),
            Sig(),
            "MARKET_NOT_ACCEPTING_ORDERS",
        ),
        (snapshot(book=None), Sig(), "BOOK_UNAVAILABLE"),
        (snapshot(), Sig(price=D("0.005")), "PRICE_OFF_TICK"),  # floored to 0: no price
    ],
)
def test_the_market_and_its_price_before_anything_is_sized(snap, signal, code) -> None:
    assert decide(snap, signal, rules(), NOW).reason_code == code


# --- mids and the drawdown peak -------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_mid", "recorded"),
    [
        (None, True),
        ((D("0.495"), NOW), False),
        ((D("0.495"), NOW - timedelta(seconds=1)), True),
        ((D("0.495"), NOW + timedelta(seconds=1)), True),  # a clock that went back
        ((D("0.5"), NOW), True),  # another price
    ],
)
def test_a_mid_is_recorded_unless_it_was_just_recorded(last_mid, recorded: bool) -> None:
    decision = decide(snapshot(last_mid=last_mid), Sig(), rules(), NOW)
    assert (decision.mid is not None) == recorded


@pytest.mark.parametrize(
    ("bid", "ask", "recorded"),
    [("0", "0", False), ("1", "1", False), ("0.99", "1", True), ("0", "0.01", True)],
)
def test_a_mid_is_recorded_only_strictly_between_0_and_1(bid, ask, recorded) -> None:
    book = Book(token_id=YES, bids=((D(bid), D(10)),), asks=((D(ask), D(10)),))
    decision = decide(snapshot(book=book, last_mid=None), Sig(), rules(), NOW)
    assert (decision.mid is not None) == recorded


def test_a_new_tick_is_recorded_with_the_checks() -> None:
    snap = snapshot(book=dataclasses.replace(BOOK, tick_size=D("0.001")))
    decision = decide(snap, Sig(), rules(), NOW)
    assert decision.checks["tick_change"] == {"tick": "0.001"}
    assert list(decision.checks)[:5] == ["global", "state", "market", "price", "tick_change"]
    assert "tick_change" not in decide(snapshot(), Sig(), rules(), NOW).checks


def test_a_one_sided_book_records_no_mid() -> None:
    asks_only = dataclasses.replace(BOOK, bids=())
    decision = decide(snapshot(book=asks_only, last_mid=None), Sig(), rules(), NOW)
    assert decision.mid is None


def test_without_a_drawdown_limit_the_peak_is_not_tracked() -> None:
    decision = decide(snapshot(state=StateView(equity_peak=D(10))), Sig(), rules(), NOW)
    assert decision.accepted and decision.effects == ()
    assert "drawdown" not in decision.checks
    tracked = decide(
        snapshot(state=StateView(equity_peak=D(10))), Sig(), rules(max_drawdown_pct=D(10)), NOW
    )
    assert tracked.effects == (PeakRaised(peak=D(1000)),)


# --- budget windows ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "tz", "day", "monday", "first"),
    [
        # Thursday 10 December 2026, noon UTC.
        (datetime(2026, 12, 10, 12, tzinfo=UTC), "UTC", date(2026, 12, 10), date(2026, 12, 7),
         date(2026, 12, 1)),
        # Tuesday 1 December, 03:00 UTC, is still Monday 30 November in New York.
        (datetime(2026, 12, 1, 3, tzinfo=UTC), "America/New_York", date(2026, 11, 30),
         date(2026, 11, 30), date(2026, 11, 1)),
        # Sunday 6 December, 23:30 UTC, is already Monday 7 December in Paris.
        (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), "Europe/Paris", date(2026, 12, 7),
         date(2026, 12, 7), date(2026, 12, 1)),
    ],
)  # fmt: skip
def test_budget_windows_start_on_the_zone_s_day_its_monday_and_its_first(
    at: datetime, tz: str, day: date, monday: date, first: date
) -> None:
    assert window_starts(tz=tz, at=at) == {
        BudgetPeriod.DAILY: day,
        BudgetPeriod.WEEKLY: monday,
        BudgetPeriod.MONTHLY: first,
    }


# --- what the states' checks record, and when the book is wanted -----------------------------


def test_a_lifted_pause_is_recorded_as_the_state_the_decision_went_on() -> None:
    paused = StateView(
        trading_state=TradingState.HALTED,
        reason_code=ReasonCode.LOSS_STREAK_PAUSED,
        message="3 losing closes",
        paused_until=NOW,
    )
    decision = decide(snapshot(state=paused), Sig(), rules(), NOW)
    assert decision.accepted
    assert decision.checks["state"] == {"state": "ACTIVE", "reason": "PAUSE_EXPIRED", "until": None}


def test_a_refusal_records_the_pause_s_end_and_the_last_reconciliation() -> None:
    until = NOW + timedelta(minutes=5)
    reconciled = NOW - timedelta(minutes=1)
    paused = StateView(
        trading_state=TradingState.HALTED,
        reason_code=ReasonCode.DRAWDOWN_PAUSED,
        paused_until=until,
    )
    snap = snapshot(
        mode=TradingMode.LIVE, global_state=StateView(reconciled_at=reconciled), state=paused
    )
    decision = decide(snap, Sig(), rules(), NOW)
    assert decision.reason_code == ReasonCode.DRAWDOWN_PAUSED
    assert decision.checks["global"] == {"state": "ACTIVE", "reconciled_at": reconciled.isoformat()}
    assert decision.checks["state"] == {
        "state": "HALTED",
        "reason": "DRAWDOWN_PAUSED",
        "until": until.isoformat(),
    }


@pytest.mark.parametrize(
    ("age", "wanted"), [(timedelta(minutes=5), True), (timedelta(minutes=5) + TICK, False)]
)
def test_a_live_entry_wants_the_book_only_while_the_reconciliation_vouches(
    age: timedelta, wanted: bool
) -> None:
    snap = snapshot(mode=TradingMode.LIVE, global_state=StateView(reconciled_at=NOW - age))
    assert book_wanted(snap, Sig(), rules(), NOW) is wanted
    assert decide(snap, Sig(), rules(), NOW).accepted is wanted


@pytest.mark.parametrize(("ends", "wanted"), [(NOW, True), (NOW + TICK, False)])
def test_a_paused_strategy_wants_the_book_once_its_pause_has_ended(
    ends: datetime, wanted: bool
) -> None:
    paused = StateView(
        trading_state=TradingState.HALTED,
        reason_code=ReasonCode.DRAWDOWN_PAUSED,
        paused_until=ends,
    )
    assert book_wanted(snapshot(state=paused), Sig(), rules(), NOW) is wanted


# --- the order notional bounds ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "code"),
    [
        ({"min_order_notional": D(10)}, "ACCEPTED"),
        ({"min_order_notional": D(10) + UNIT}, "ORDER_NOTIONAL_BELOW_MIN"),
        ({"max_order_notional": D(10)}, "ACCEPTED"),
        ({"max_order_notional": D(10) - UNIT}, "ORDER_NOTIONAL_ABOVE_MAX"),
    ],
)
def test_a_10_pusd_entry_at_each_notional_bound_and_one_unit_past_it(bounds, code) -> None:
    assert decide(snapshot(), Sig(), rules(**bounds), NOW).reason_code == code


def test_a_price_that_floors_to_no_price_says_so() -> None:
    decision = decide(snapshot(), Sig(price=D("0.005")), rules(), NOW)
    assert (decision.reason_code, decision.message) == (
        ReasonCode.PRICE_OFF_TICK,
        "limit 0.00 is not a valid price on tick 0.01",
    )
    assert decision.limit_price is None and decision.checks["price"] == {
        "reference": "0.005",
        "slippage_bps": 0,
        "limit": "0.00",
    }
