"""What a breaker writes when it trips, waits and closes (risk/breakers.py): the breaker row,
its events, and the alert an operator reads (subject, figures, what happens next), resolved
with a note when the breaker closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from monitoring.models import Alert
from risk.breakers import breaker_observe, breaker_override, breakers_override_all
from risk.models import Breaker, BreakerEvent, BreakerKind
from risk.reasons import ReasonCode
from tests.risk.helpers import strategy_with

pytestmark = pytest.mark.django_db

D = Decimal
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
REFUSED = "New entries of {} are refused while it is open; exits and stops still run."


def _alert(breaker: Breaker) -> Alert:
    assert breaker.strategy is not None
    return Alert.objects.get(dedupe_key=f"breaker:{breaker.strategy.slug}:{breaker.kind}")


def test_a_trip_with_a_resume_period_records_the_breaker_its_event_and_the_alert() -> None:
    strategy = strategy_with(breaker_max_spread=D("0.03"), breaker_resume_after_minutes=15)
    breaker = breaker_observe(
        strategy=strategy, kind=BreakerKind.SPREAD, value=D("0.0400004"), at=T0
    )
    assert breaker is not None
    breaker.refresh_from_db()
    assert (breaker.state, breaker.tripped_at, breaker.normal_since) == ("open", T0, None)
    assert (breaker.last_value, breaker.threshold) == (D("0.040000"), D("0.030000"))
    assert (breaker.resume_after_minutes, breaker.resume_when_normal) == (15, False)
    assert breaker.resume_at == T0 + timedelta(minutes=15)
    event = breaker.events.get()
    assert (event.event, event.reason_code, event.input_value, event.threshold, event.actor) == (
        "trip",
        ReasonCode.BREAKER_SPREAD_OPEN,
        D("0.040000"),
        D("0.030000"),
        "",
    )
    assert event.message == "spread 0.040000 against threshold 0.03"
    alert = _alert(breaker)
    assert (alert.severity, alert.strategy, alert.reason_code) == (
        Alert.Severity.WARNING,
        strategy,
        ReasonCode.BREAKER_SPREAD_OPEN,
    )
    assert alert.subject == f"Spread breaker tripped: {strategy.slug}"
    assert alert.message == event.message
    assert alert.context == {"observed": "0.0400004", "threshold": "0.03", "breaker": "Spread"}
    assert alert.action == (
        REFUSED.format(strategy.slug) + " It closes by itself at 2026-11-26 12:15 UTC."
    )
    # Observed again while open: nothing new; at its resume time it closes.
    breaker_observe(strategy=strategy, kind=BreakerKind.SPREAD, value=D("0.05"), at=T0)
    assert breaker.events.count() == 1
    closed = breaker_observe(
        strategy=strategy, kind=BreakerKind.SPREAD, value=D("0.05"),
        at=T0 + timedelta(minutes=15) - timedelta(microseconds=1),
    )  # fmt: skip
    assert closed is not None and closed.state == "open"
    closed = breaker_observe(
        strategy=strategy, kind=BreakerKind.SPREAD, value=D("0.05"), at=T0 + timedelta(minutes=15)
    )
    assert closed is not None and closed.state == "closed"
    closed.refresh_from_db()
    assert (closed.resume_at, closed.normal_since) == (None, None)
    resume = closed.events.get(event=BreakerEvent.Event.RESUME)
    assert (resume.reason_code, resume.message, resume.input_value) == (
        ReasonCode.BREAKER_RESUMED,
        "resume period over",
        D("0.040000"),
    )
    alert.refresh_from_db()
    assert (alert.state, alert.resolution) == (
        Alert.State.RESOLVED,
        "closed (resume): resume period over",
    )


def test_a_breaker_that_resumes_when_normal_waits_for_its_calm_hold() -> None:
    strategy = strategy_with(
        breaker_min_depth=D(100), breaker_resume_after_minutes=10, breaker_resume_when_normal=True
    )
    breaker = breaker_observe(strategy=strategy, kind=BreakerKind.LIQUIDITY, value=D(50), at=T0)
    assert breaker is not None and breaker.resume_at is None and breaker.resume_when_normal
    alert = _alert(breaker)
    assert alert.subject == f"Liquidity / depth breaker tripped: {strategy.slug}"
    assert alert.action == REFUSED.format(strategy.slug) + (
        " It closes once the input has stayed under its threshold for 10 min (the venue probe "
        "looks every minute)."
    )
    calm = T0 + timedelta(minutes=1)
    breaker = breaker_observe(strategy=strategy, kind=BreakerKind.LIQUIDITY, value=D(100), at=calm)
    assert breaker is not None
    breaker.refresh_from_db()
    assert (breaker.state, breaker.normal_since, breaker.last_value) == ("open", calm, D(100))
    # Abnormal again: the hold starts over.
    again = T0 + timedelta(minutes=5)
    breaker_observe(strategy=strategy, kind=BreakerKind.LIQUIDITY, value=D("99.9"), at=again)
    breaker.refresh_from_db()
    assert (breaker.normal_since, breaker.last_value) == (None, D("99.900000"))
    calm = T0 + timedelta(minutes=6)
    breaker_observe(strategy=strategy, kind=BreakerKind.LIQUIDITY, value=D(200), at=calm)
    held = breaker_observe(
        strategy=strategy,
        kind=BreakerKind.LIQUIDITY,
        value=D(200),
        at=calm + timedelta(minutes=10) - timedelta(microseconds=1),
    )
    assert held is not None and held.state == "open"
    closed = breaker_observe(
        strategy=strategy, kind=BreakerKind.LIQUIDITY, value=D(200), at=calm + timedelta(minutes=10)
    )
    assert closed is not None and closed.state == "closed"
    assert closed.events.get(event="resume").message == "back under threshold"


def test_a_global_breaker_without_a_resume_period_waits_for_an_operator() -> None:
    breaker = breaker_observe(
        strategy=None, kind=BreakerKind.LATENCY, value=None, threshold=D("500.5"), at=T0
    )
    assert breaker is not None and breaker.resume_at is None
    event = breaker.events.get()
    assert event.message == "latency unbounded against threshold 500.5"
    assert event.input_value is None
    alert = Alert.objects.get(dedupe_key="breaker:global:latency")
    assert alert.strategy is None
    assert alert.subject == "Venue latency breaker tripped: every strategy (global)"
    assert alert.context == {
        "observed": "unbounded",
        "threshold": "500.5",
        "breaker": "Venue latency",
    }
    assert alert.action == REFUSED.format("every strategy (global)") + (
        " It stays open until an operator closes it (admin or lt_resume)."
    )
    breaker_observe(strategy=None, kind=BreakerKind.LATENCY, value=D(1), threshold=D("500.5"),
                    at=T0 + timedelta(days=1))  # fmt: skip
    breaker.refresh_from_db()
    assert breaker.state == "open"  # no resume period: open for good
    assert breakers_override_all(strategy=None, actor="ops") == 1
    breaker.refresh_from_db()
    assert breaker.state == "closed"
    override = breaker.events.get(event=BreakerEvent.Event.OVERRIDE)
    assert (override.reason_code, override.message, override.actor) == (
        ReasonCode.MANUAL_RESUME,
        "closed by ops",
        "ops",
    )
    alert.refresh_from_db()
    assert alert.resolution == "closed (manual override): closed by ops"
    assert breakers_override_all(strategy=None, actor="ops") == 0


def test_an_override_with_a_message_and_of_a_closed_breaker() -> None:
    strategy = strategy_with(breaker_max_slippage_bps=50)
    breaker = breaker_observe(strategy=strategy, kind=BreakerKind.SLIPPAGE, value=D(51), at=T0)
    assert breaker is not None
    closed = breaker_override(breaker=breaker, actor="ann", message="venue fixed")
    assert closed.state == "closed"
    assert closed.events.get(event="override").message == "venue fixed"
    assert breaker_override(breaker=breaker, actor="ann").events.count() == 2  # nothing more


def test_no_threshold_no_breaker() -> None:
    strategy = strategy_with()
    assert breaker_observe(strategy=strategy, kind=BreakerKind.SPREAD, value=D(1), at=T0) is None
    assert breaker_observe(strategy=None, kind=BreakerKind.SPREAD, value=D(1), at=T0) is None
    assert not Breaker.objects.exists()
