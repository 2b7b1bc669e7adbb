"""Circuit breakers: trips on spread and liquidity, resumes by time or condition, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from monitoring.models import Alert
from risk.breakers import breaker_observe
from risk.models import Breaker, BreakerEvent, BreakerKind
from risk.reasons import ReasonCode
from tests.risk.helpers import DEEP_ASKS, DEEP_BIDS, decide, market_pair, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _code(result) -> str:
    return result.decision.reason_code


def _wide(books, token, spread: str) -> None:
    books.set(token.token_id, bids=[(D("0.49"), D(1000))],
              asks=[(D("0.49") + D(spread), D(1000))])  # fmt: skip


def test_spread_exactly_at_the_threshold_trades(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"))
    _, yes, _ = market_pair(books)
    _wide(books, yes, "0.03")
    assert decide(strategy, yes, books, price=D("0.52")).accepted
    assert not Breaker.objects.exists()


@time_machine.travel(T0, tick=False)
def test_spread_one_tick_over_the_threshold_trips_the_breaker(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"), breaker_resume_after_minutes=15)
    _, yes, no = market_pair(books)
    _wide(books, yes, "0.04")
    assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_SPREAD_OPEN
    breaker = Breaker.objects.get(strategy=strategy, kind=BreakerKind.SPREAD)
    assert breaker.state == Breaker.State.OPEN
    assert breaker.resume_at == T0 + timedelta(minutes=15)
    event = breaker.events.get()
    assert (event.event, event.input_value, event.threshold) == ("trip", D("0.04"), D("0.03"))
    assert Alert.objects.filter(reason_code=ReasonCode.BREAKER_SPREAD_OPEN).count() == 1
    # The breaker is the strategy's: other markets wait too, until it resumes.
    assert _code(decide(strategy, no, books)) == ReasonCode.BREAKER_SPREAD_OPEN
    with time_machine.travel(T0 + timedelta(minutes=15), tick=False):
        assert decide(strategy, no, books).accepted
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.CLOSED
    assert list(breaker.events.values_list("event", flat=True)) == ["resume", "trip"]


def test_an_empty_side_of_the_book_counts_as_an_unbounded_spread(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"))
    _, yes, _ = market_pair(books)
    books.set(yes.token_id, bids=[], asks=DEEP_ASKS)
    assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_SPREAD_OPEN


def test_depth_under_the_minimum_trips_the_liquidity_breaker(books) -> None:
    strategy = strategy_with(breaker_min_depth=D(50))
    _, yes, _ = market_pair(books)
    books.set(yes.token_id, bids=DEEP_BIDS, asks=[(D("0.50"), D(100)), (D("0.60"), D(1000))])
    assert decide(strategy, yes, books).accepted  # 100 × 0.50 = 50 within the limit
    books.set(yes.token_id, bids=DEEP_BIDS, asks=[(D("0.50"), D("99.98")), (D("0.60"), D(1000))])
    assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_LIQUIDITY_OPEN


@time_machine.travel(T0, tick=False)
def test_resume_when_normal_waits_for_a_calm_hold_period(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"), breaker_resume_after_minutes=10,
                             breaker_resume_when_normal=True)  # fmt: skip
    _, yes, _ = market_pair(books)
    _wide(books, yes, "0.05")
    decide(strategy, yes, books)
    breaker = Breaker.objects.get()
    assert breaker.resume_at is None
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        # Still wide after the period: stays open.
        assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_SPREAD_OPEN
    _wide(books, yes, "0.01")
    with time_machine.travel(T0 + timedelta(minutes=21), tick=False):
        assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_SPREAD_OPEN
    _wide(books, yes, "0.05")  # a relapse restarts the hold
    with time_machine.travel(T0 + timedelta(minutes=25), tick=False):
        decide(strategy, yes, books)
    _wide(books, yes, "0.01")
    with time_machine.travel(T0 + timedelta(minutes=26), tick=False):
        decide(strategy, yes, books)
    with time_machine.travel(T0 + timedelta(minutes=35, seconds=59), tick=False):
        assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_SPREAD_OPEN
    with time_machine.travel(T0 + timedelta(minutes=36), tick=False):
        assert decide(strategy, yes, books).accepted


def test_a_breaker_without_resume_period_stays_open_until_overridden(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"), breaker_resume_after_minutes=None)
    _, yes, _ = market_pair(books)
    _wide(books, yes, "0.05")
    decide(strategy, yes, books)
    _wide(books, yes, "0.01")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=3)):
        assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_SPREAD_OPEN


def test_executor_observations_trip_slippage_latency_and_error_rate(books) -> None:
    strategy = strategy_with(breaker_max_latency_ms=500, breaker_max_slippage_bps=100,
                             breaker_max_error_rate=D("0.2"))  # fmt: skip
    _, yes, _ = market_pair(books)
    assert breaker_observe(strategy=strategy, kind=BreakerKind.LATENCY, value=D(500)) is None
    breaker = breaker_observe(strategy=strategy, kind=BreakerKind.LATENCY, value=D(501))
    assert breaker is not None and breaker.state == Breaker.State.OPEN
    assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_LATENCY_OPEN
    breaker_observe(strategy=strategy, kind=BreakerKind.ERROR_RATE, value=D("0.21"))
    breaker_observe(strategy=strategy, kind=BreakerKind.SLIPPAGE, value=D(101))
    assert Breaker.objects.filter(state="open").count() == 3


def test_a_global_breaker_stops_every_strategy(books) -> None:
    first, second = strategy_with(), strategy_with()
    _, yes, _ = market_pair(books)
    breaker_observe(strategy=None, kind=BreakerKind.ERROR_RATE, value=D("0.5"),
                    threshold=D("0.3"), resume_after_minutes=5)  # fmt: skip
    for strategy in (first, second):
        assert _code(decide(strategy, yes, books)) == ReasonCode.BREAKER_ERROR_RATE_OPEN
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5, seconds=1)):
        assert decide(first, yes, books).accepted


def test_admin_override_closes_a_breaker_and_records_who(books) -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"), breaker_resume_after_minutes=None)
    _, yes, _ = market_pair(books)
    _wide(books, yes, "0.05")
    decide(strategy, yes, books)
    breaker = Breaker.objects.get()
    user = User.objects.create_superuser("ops", "ops@example.com", "pw")
    client = Client()
    client.force_login(user)
    client.post(reverse("admin:risk_breaker_changelist"),
                {"action": "override", "_selected_action": [breaker.pk]})  # fmt: skip
    breaker.refresh_from_db()
    assert breaker.state == Breaker.State.CLOSED
    override = breaker.events.get(event=BreakerEvent.Event.OVERRIDE)
    assert override.actor == "ops"
    _wide(books, yes, "0.01")
    assert decide(strategy, yes, books).accepted
