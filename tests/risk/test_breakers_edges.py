"""Circuit breakers at their edges: each strategy's breaker is its own, one that closed trips
again, a trip's alert names the market and shows its figures as a person writes them, the
hold period of a breaker that resumes when normal (and what it records), a breaker that
resumes by time left alone by later readings, and a global breaker resumed by a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from monitoring.models import Alert
from risk.breakers import breaker_observe, breaker_override
from risk.models import Breaker, BreakerEvent, BreakerKind
from risk.reasons import ReasonCode
from tests.risk.helpers import DEEP_BIDS, decide, market_pair, strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SLIPPAGE = BreakerKind.SLIPPAGE


def _slippage(strategy, bps: str, at: datetime, **fields) -> Breaker | None:
    return breaker_observe(strategy=strategy, kind=SLIPPAGE, value=D(bps), at=at, **fields)


def _events(breaker: Breaker) -> list[tuple[str, str, Decimal | None]]:
    rows = BreakerEvent.objects.filter(breaker=breaker).order_by("pk")
    return [(e.event, e.actor, e.input_value) for e in rows]


def test_each_strategy_trips_a_breaker_of_its_own() -> None:
    first = strategy_with(breaker_max_slippage_bps=100)
    second = strategy_with(breaker_max_slippage_bps=100)
    _slippage(first, "150", T0)
    _slippage(second, "101", T0)
    rows = Breaker.objects.filter(kind=SLIPPAGE)
    assert {(b.strategy_id, b.state, b.last_value) for b in rows} == {
        (first.pk, Breaker.State.OPEN, D(150)),
        (second.pk, Breaker.State.OPEN, D(101)),
    }


def test_a_breaker_that_closed_trips_again_on_the_next_reading_over_its_threshold() -> None:
    strategy = strategy_with(breaker_max_slippage_bps=100)
    breaker = _slippage(strategy, "150", T0)
    assert breaker is not None
    breaker_override(breaker=breaker, actor="ops")
    again = _slippage(strategy, "120", T0 + MINUTE)
    assert again is not None and again.pk == breaker.pk
    assert (again.state, again.last_value, again.tripped_at) == (
        Breaker.State.OPEN,
        D(120),
        T0 + MINUTE,
    )
    assert [e[0] for e in _events(breaker)] == ["trip", "override", "trip"]


def test_a_trip_alert_names_the_market_and_outcome_of_the_token_observed(books) -> None:
    strategy = strategy_with(breaker_max_slippage_bps=100)
    market, yes, _ = market_pair(books)
    _slippage(strategy, "150", T0, token_id=yes.token_id)
    alert = Alert.objects.get(reason_code=ReasonCode.BREAKER_SLIPPAGE_OPEN)
    assert (alert.market_id, alert.outcome) == (market.pk, "Yes")


def test_a_trip_alert_shows_its_figures_as_a_person_writes_them() -> None:
    breaker_observe(strategy=None, kind=BreakerKind.LIQUIDITY, value=D("120.500000"),
                    threshold=D("5000.000000"), at=T0)  # fmt: skip
    alert = Alert.objects.get(reason_code=ReasonCode.BREAKER_LIQUIDITY_OPEN)
    assert (alert.context["observed"], alert.context["threshold"]) == ("120.5", "5000")


@time_machine.travel(T0, tick=False)
def test_a_breaker_that_resumes_by_itself_records_no_person_as_its_actor() -> None:
    strategy = strategy_with(breaker_max_slippage_bps=100, breaker_resume_after_minutes=15,
                             breaker_resume_when_normal=False)  # fmt: skip
    breaker = _slippage(strategy, "150", T0)
    assert breaker is not None
    closed = _slippage(strategy, "10", T0 + 15 * MINUTE)
    assert closed is not None and closed.state == Breaker.State.CLOSED
    assert _events(breaker) == [("trip", "", D(150)), ("resume", "", D(150))]


def test_later_readings_leave_a_breaker_that_resumes_by_time_as_it_tripped() -> None:
    strategy = strategy_with(breaker_max_slippage_bps=100, breaker_resume_after_minutes=15,
                             breaker_resume_when_normal=False)  # fmt: skip
    _slippage(strategy, "150", T0)
    seen = _slippage(strategy, "10", T0 + MINUTE)
    breaker = Breaker.objects.get(strategy=strategy, kind=SLIPPAGE)
    assert seen is not None and seen.normal_since is None
    assert (breaker.state, breaker.normal_since, breaker.last_value) == (
        Breaker.State.OPEN,
        None,
        D(150),
    )


def _normal_resuming(minutes: int):
    return strategy_with(breaker_max_slippage_bps=100, breaker_resume_after_minutes=minutes,
                         breaker_resume_when_normal=True)  # fmt: skip


def test_the_hold_period_starts_on_a_normal_reading_and_breaks_on_an_abnormal_one() -> None:
    strategy = _normal_resuming(10)
    _slippage(strategy, "150", T0)
    with time_machine.travel(T0 + MINUTE, tick=False):
        held = _slippage(strategy, "100", T0 + MINUTE)  # at the threshold: normal
    assert held is not None and held.normal_since == T0 + MINUTE
    breaker = Breaker.objects.get(strategy=strategy, kind=SLIPPAGE)
    assert (breaker.normal_since, breaker.last_value) == (T0 + MINUTE, D(100))
    assert breaker.updated_at == T0 + MINUTE
    broken = _slippage(strategy, "101", T0 + 2 * MINUTE)
    assert broken is not None and broken.normal_since is None
    breaker.refresh_from_db()
    assert (breaker.state, breaker.normal_since, breaker.last_value) == (
        Breaker.State.OPEN,
        None,
        D(101),
    )


def test_a_breaker_with_no_hold_period_resumes_on_its_first_normal_reading() -> None:
    strategy = _normal_resuming(0)
    _slippage(strategy, "150", T0)
    resumed = _slippage(strategy, "99", T0 + MINUTE)
    assert resumed is not None and resumed.state == Breaker.State.CLOSED
    breaker = Breaker.objects.get(strategy=strategy, kind=SLIPPAGE)
    assert _events(breaker) == [("trip", "", D(150)), ("resume", "", D(99))]


def _spread(books, token, spread: str) -> None:
    books.set(token.token_id, bids=[(D("0.49"), D(1000))],
              asks=[(D("0.49") + D(spread), D(1000))])  # fmt: skip


@time_machine.travel(T0, tick=False)
def test_a_decision_starts_the_hold_of_its_own_strategys_breaker_of_that_kind(books) -> None:
    rules = {"breaker_max_spread": D("0.03"), "breaker_min_depth": D(50),
             "breaker_resume_after_minutes": 10, "breaker_resume_when_normal": True}  # fmt: skip
    other, strategy = strategy_with(**rules), strategy_with(**rules)
    _, yes, _ = market_pair(books)
    _spread(books, yes, "0.05")
    decide(other, yes, books)  # the other strategy's spread breaker, first in the table
    books.set(yes.token_id, bids=DEEP_BIDS, asks=[(D("0.50"), D(10))])  # 5 pUSD deep
    decide(strategy, yes, books)  # its liquidity breaker
    _spread(books, yes, "0.05")
    decide(strategy, yes, books)  # and its spread breaker
    books.set(yes.token_id, bids=[(D("0.48"), D(1000))], asks=[(D("0.50"), D(1000))])
    assert decide(strategy, yes, books).decision.reason_code == ReasonCode.BREAKER_SPREAD_OPEN
    mine = Breaker.objects.get(strategy=strategy, kind=BreakerKind.SPREAD)
    assert (mine.state, mine.normal_since, mine.last_value) == (
        Breaker.State.OPEN,
        T0,
        D("0.02"),
    )
    theirs = Breaker.objects.get(strategy=other, kind=BreakerKind.SPREAD)
    assert (theirs.normal_since, theirs.last_value) == (None, D("0.05"))
    depth = Breaker.objects.get(strategy=strategy, kind=BreakerKind.LIQUIDITY)
    assert depth.normal_since == T0  # deep now: its own hold, from its own reading


def test_a_global_breaker_past_its_resume_time_is_closed_by_the_next_decision(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    with time_machine.travel(T0, tick=False):
        breaker_observe(strategy=None, kind=BreakerKind.SPREAD, value=D("0.10"),
                        threshold=D("0.03"), resume_after_minutes=5, at=T0)  # fmt: skip
        assert decide(strategy, yes, books).decision.reason_code == (ReasonCode.BREAKER_SPREAD_OPEN)
    with time_machine.travel(T0 + 5 * MINUTE, tick=False):
        assert decide(strategy, yes, books).accepted
    breaker = Breaker.objects.get(strategy=None, kind=BreakerKind.SPREAD)
    assert breaker.state == Breaker.State.CLOSED
    assert [e[0] for e in _events(breaker)] == ["trip", "resume"]
