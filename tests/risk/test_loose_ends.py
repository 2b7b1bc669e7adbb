"""Risk rules that act between signals: losses at resolution, drawdown on marks every
minute, breakers the venue probe closes (and the global ones it feeds)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from execution.markets import market_for_token
from execution.tasks import monitor_stops
from execution.venue import metrics
from execution.venue.session import get_venue, reset_venue
from ltproject.domain import TradingMode
from monitoring.probes import breakers_feed
from redemption.models import RedemptionRoute
from redemption.resolution import Resolution, Route, market_resolution_record
from risk.models import Breaker, BreakerKind, RiskState, TradingState
from risk.reasons import ReasonCode
from risk.selectors import strategy_portfolio
from risk.services import drawdowns_evaluate
from sandbox.chain.anvil import free_port
from sandbox.testing import SandboxHandle
from strategies.models import Strategy
from tests.factories import (
    MarketFactory,
    MarketTokenFactory,
    MidPriceFactory,
    OrderFactory,
    PositionFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
YES_LOST = Resolution(numerators=[0, 1], denominator=1)
YES_WON = Resolution(numerators=[1, 0], denominator=1)
NO_ROUTE = Route(RedemptionRoute.NONE, "")


def _state(strategy) -> RiskState:
    return RiskState.objects.get(strategy=strategy)


# --- losses at resolution -------------------------------------------------------------------


def _held_and_resolved(strategy, resolution: Resolution) -> None:
    market = MarketFactory()
    yes = MarketTokenFactory(market=market, outcome="Yes", outcome_index=0)
    MarketTokenFactory(market=market, outcome="No", outcome_index=1)
    PositionFactory(
        strategy=strategy,
        market=market,
        token_id=yes.token_id,
        mode=TradingMode.PAPER,
        size=D(10),
        avg_cost=D("0.4"),
        cost_basis=D(4),
    )
    assert market_resolution_record(market_id=market.pk, resolution=resolution, route=NO_ROUTE)


def test_losses_at_resolution_count_toward_the_loss_streak() -> None:
    strategy = StrategyFactory(
        mode=TradingMode.PAPER,
        risk_rules__max_consecutive_losses=2,
        risk_rules__loss_streak_pause_minutes=30,
    )
    _held_and_resolved(strategy, YES_LOST)
    state = _state(strategy)
    assert (state.consecutive_losses, state.trading_state) == (1, TradingState.ACTIVE)
    _held_and_resolved(strategy, YES_LOST)
    state = _state(strategy)
    assert (state.trading_state, state.reason_code) == (
        TradingState.HALTED,
        ReasonCode.LOSS_STREAK_PAUSED,
    )
    assert state.realised_pnl == D(-8)


def test_a_win_at_resolution_ends_the_streak() -> None:
    strategy = StrategyFactory(mode=TradingMode.PAPER, risk_rules__max_consecutive_losses=2)
    _held_and_resolved(strategy, YES_LOST)
    _held_and_resolved(strategy, YES_WON)
    _held_and_resolved(strategy, YES_LOST)
    state = _state(strategy)
    assert (state.consecutive_losses, state.trading_state) == (1, TradingState.ACTIVE)


# --- drawdown on marks, every minute --------------------------------------------------------


def _falling_book(equity_peak: str = "1000") -> Strategy:
    strategy = StrategyFactory(
        mode=TradingMode.PAPER, risk_rules__max_drawdown_pct=D(20), risk_rules__capital=D(1000)
    )
    RiskState.objects.filter(strategy=strategy).update(equity_peak=D(equity_peak))
    return strategy


@pytest.mark.parametrize(("mark", "paused"), [("0.50", False), ("0.4999", True)])
def test_drawdown_is_measured_on_marks_without_a_signal(mark: str, paused: bool) -> None:
    strategy = _falling_book()
    # 1000 shares bought at 0.70: marked at 0.50 the equity is 800, exactly 20 % down.
    PositionFactory(
        strategy=strategy,
        mode=TradingMode.PAPER,
        size=D(1000),
        avg_cost=D("0.7"),
        cost_basis=D(700),
        mark_price=D(mark),
        marked_at=timezone.now(),
    )
    assert [s.pk for s in drawdowns_evaluate()] == ([strategy.pk] if paused else [])
    state = _state(strategy)
    expected = TradingState.HALTED if paused else TradingState.ACTIVE
    assert state.trading_state == expected
    if paused:
        assert state.reason_code == ReasonCode.DRAWDOWN_PAUSED


def test_the_minute_job_marks_at_the_venue_mid_and_pauses_a_falling_book(
    live_venue: SandboxHandle,
) -> None:
    strategy = _falling_book()
    token = live_venue.market("btc-above-150k-2026").yes.token_id
    market = market_for_token(venue=get_venue(), token_id=token)
    position = PositionFactory(
        strategy=strategy,
        market=market,
        token_id=token,
        mode=TradingMode.PAPER,
        size=D(1000),
        avg_cost=D("0.95"),
        cost_basis=D(950),
    )
    monitor_stops()
    position.refresh_from_db()
    mid = get_venue().book(token).mid
    assert position.mark_price == mid and mid < D("0.75")  # 1000 × (mid − 0.95) < −200
    state = _state(strategy)
    assert (state.trading_state, state.reason_code) == (
        TradingState.HALTED,
        ReasonCode.DRAWDOWN_PAUSED,
    )


def test_a_mark_newer_than_the_last_recorded_mid_values_the_position() -> None:
    strategy = StrategyFactory(mode=TradingMode.PAPER, risk_rules__capital=D(1000))
    now = timezone.now()
    position = PositionFactory(
        strategy=strategy,
        mode=TradingMode.PAPER,
        size=D(100),
        avg_cost=D("0.5"),
        cost_basis=D(50),
        mark_price=D("0.3"),
        marked_at=now,
    )
    MidPriceFactory(
        token_id=position.token_id, mid=D("0.6"), observed_at=now - timedelta(minutes=1)
    )
    assert strategy_portfolio(strategy=strategy).equity == D(980)  # at the mark: 100 × −0.2
    MidPriceFactory(
        token_id=position.token_id, mid=D("0.6"), observed_at=now + timedelta(seconds=1)
    )
    assert strategy_portfolio(strategy=strategy).equity == D(1010)  # the newer mid: 100 × 0.1


# --- breakers the probe feeds ---------------------------------------------------------------


def _tripped(strategy, kind: BreakerKind, value: Decimal) -> Breaker:
    from risk.breakers import breaker_observe

    breaker = breaker_observe(strategy=strategy, kind=kind, value=value)
    assert breaker is not None and breaker.state == Breaker.State.OPEN
    return breaker


@pytest.fixture
def calm_live_strategy(live_venue: SandboxHandle):
    return StrategyFactory(
        mode=TradingMode.LIVE,
        risk_rules__breaker_max_latency_ms=2000,
        risk_rules__breaker_max_error_rate=D("0.5"),
        risk_rules__breaker_max_slippage_bps=500,
        risk_rules__breaker_resume_after_minutes=5,
        risk_rules__breaker_resume_when_normal=True,
    )


@pytest.mark.parametrize(
    ("kind", "bad"), [(BreakerKind.LATENCY, D(9000)), (BreakerKind.ERROR_RATE, D("0.9"))]
)
def test_a_calm_venue_closes_a_breaker_that_resumes_when_normal_without_an_order(
    calm_live_strategy, kind: BreakerKind, bad: Decimal
) -> None:
    breaker = _tripped(calm_live_strategy, kind, bad)
    start = timezone.now()
    breakers_feed(now=start)
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.OPEN and breaker.normal_since == start
    breakers_feed(now=start + timedelta(minutes=5) - timedelta(seconds=1))
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.OPEN  # not normal for the whole period yet
    breakers_feed(now=start + timedelta(minutes=5))
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.CLOSED


def test_a_calm_book_closes_a_slippage_breaker(
    calm_live_strategy, live_venue: SandboxHandle
) -> None:
    token = live_venue.market("btc-above-150k-2026").yes.token_id
    OrderFactory(strategy=calm_live_strategy, token_id=token, mode=TradingMode.LIVE)
    breaker = _tripped(calm_live_strategy, BreakerKind.SLIPPAGE, D(900))
    start = timezone.now()
    fed = breakers_feed(now=start)["slippage_bps"]
    assert isinstance(fed, dict)
    assert D(fed[calm_live_strategy.slug]) < 500
    breakers_feed(now=start + timedelta(minutes=5))
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.CLOSED


@pytest.fixture
def venue_that_stops(live_venue: SandboxHandle, settings: Settings) -> Iterator[str]:
    running = settings.CLOB_HOST
    settings.CLOB_HOST = f"http://127.0.0.1:{free_port()}"
    reset_venue()
    # The probe reads this process's venue counters too: calls that earlier tests answered
    # would make the stopped venue look reachable.
    metrics._take(everything=True)
    yield running
    metrics._take(everything=True)
    reset_venue()


def test_the_probe_feeds_the_global_breakers(venue_that_stops: str, settings: Settings) -> None:
    settings.GLOBAL_BREAKERS = {
        **settings.GLOBAL_BREAKERS,
        "resume_after_minutes": 5,
        "resume_when_normal": True,
    }
    start = timezone.now()
    breakers_feed(now=start)
    tripped = Breaker.objects.filter(strategy=None, state=Breaker.State.OPEN)
    assert not tripped.exists()  # one failed request is not an outage
    breakers_feed(now=start)
    assert list(tripped.values_list("kind", flat=True)) == [BreakerKind.LATENCY]  # unbounded
    for _ in range(20):  # the window fills with failed calls, minute after minute
        breakers_feed(now=start)
    assert set(tripped.values_list("kind", flat=True)) == {
        BreakerKind.LATENCY,
        BreakerKind.ERROR_RATE,
    }
    settings.CLOB_HOST = venue_that_stops
    reset_venue()
    breakers_feed(now=start + timedelta(minutes=1))
    breakers_feed(now=start + timedelta(minutes=6))
    latency = Breaker.objects.get(strategy=None, kind=BreakerKind.LATENCY)
    assert latency.state == Breaker.State.CLOSED
