"""Retention (monitoring.retention): rows past their kept age are pruned or rolled up into
daily rows, in bounded batches; whatever money touched stays, and the comparison, the status
API the dashboard shares and the risk checks read the same before and after."""

from __future__ import annotations

import importlib
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_q.models import Schedule, Task
from pytest_django.fixtures import Settings

from execution import selectors as execution_selectors
from execution.models import Fill, MidPrice, Order
from ltproject.domain import Side
from monitoring.models import MidPriceDaily, SignalDaily
from monitoring.retention import retention_apply
from risk.models import RiskDecision
from risk.reasons import ReasonCode
from risk.selectors import realised_volatility, strategy_portfolio
from strategies.models import Signal, Strategy
from tests.factories import (
    FillFactory,
    MidPriceFactory,
    OrderFactory,
    PositionFactory,
    RiskDecisionFactory,
    SignalFactory,
    StrategyFactory,
)
from tests.test_settings import PRODUCTION, _manage

pytestmark = pytest.mark.django_db
D = Decimal
NOW = timezone.now()
KEPT = timedelta(days=7)  # the default age of rejected signals and mid prices
TOKEN = str(10**40 + 7)


def _rejected(
    strategy: Strategy, at: Any, *, reason: str = ReasonCode.BUDGET_DAILY_EXCEEDED, **signal: Any
) -> Signal:
    row = SignalFactory(strategy=strategy, token_id=TOKEN, received_at=at, **signal)
    RiskDecisionFactory(
        signal=row,
        outcome=RiskDecision.Outcome.REJECTED,
        reason_code=reason,
        size=None,
        notional=None,
        limit_price=None,
        created_at=at,
    )
    return row


def _accepted(strategy: Strategy, at: Any) -> Signal:
    """A traded signal: decision, order, fill — money touched it."""
    row = SignalFactory(strategy=strategy, token_id=TOKEN, received_at=at)
    decision = RiskDecisionFactory(signal=row, created_at=at)
    order = OrderFactory(
        strategy=strategy, signal=row, risk_decision=decision, token_id=TOKEN, created_at=at
    )
    FillFactory(order=order, price=D("0.55"), size=D("5"))
    return row


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> int:
    """A comparison window of three signals, so old signals fall outside it."""
    monkeypatch.setattr(execution_selectors, "COMPARED_SIGNALS", 3)
    return 3


def _reads(client: Client, strategy: Strategy) -> list[Any]:
    """What operators read of the strategy: comparison and detail (the dashboard's selectors)."""
    return [
        client.get(f"/api/v1/strategies/{strategy.slug}/comparison/").json(),
        client.get(f"/api/v1/strategies/{strategy.slug}/").json(),
    ]


def test_old_rejected_signals_roll_up_into_daily_counts_and_what_money_touched_stays(
    compared: int, admin_client_logged_in: Client
) -> None:
    strategy = StrategyFactory()
    old = NOW - timedelta(days=10)
    _rejected(strategy, old, price=D("0.40"), size=D("10"))
    _rejected(strategy, old + timedelta(minutes=1), price=D("0.60"), size=D("5"))
    _rejected(strategy, old, reason=ReasonCode.MARKET_UNKNOWN, side=Side.SELL, size=None)
    traded = _accepted(strategy, old)
    recent = [_rejected(strategy, NOW - timedelta(hours=h)) for h in (1, 2)]
    recent.append(_accepted(strategy, NOW - timedelta(hours=3)))
    before = _reads(admin_client_logged_in, strategy)

    done = retention_apply(now=NOW, batch=1)  # one row per batch: the batches add up

    assert done["rejected_signals"] == 3
    kept = set(Signal.objects.values_list("pk", flat=True))
    assert kept == {traded.pk, *(s.pk for s in recent)}
    assert RiskDecision.objects.count() == 4  # each kept signal's own
    assert Order.objects.count() == 2 and Fill.objects.count() == 2
    assert _reads(admin_client_logged_in, strategy) == before
    daily = {
        (row.day, row.side, row.reason_code): (row.signals, row.ft_notional)
        for row in SignalDaily.objects.filter(strategy=strategy)
    }
    assert daily == {
        (old.date(), Side.BUY, ReasonCode.BUDGET_DAILY_EXCEEDED): (2, D("7.000000")),
        (old.date(), Side.SELL, ReasonCode.MARKET_UNKNOWN): (1, D("0")),
    }


@pytest.mark.parametrize(
    ("older_by", "pruned"), [(timedelta(0), False), (timedelta(microseconds=1), True)]
)
def test_a_rejected_signal_is_kept_at_its_age_and_pruned_one_past_it(
    compared: int, older_by: timedelta, pruned: bool
) -> None:
    strategy = StrategyFactory()
    signal = _rejected(strategy, NOW - KEPT - older_by)
    for hours in (1, 2, 3):  # the comparison window, full of newer signals
        _rejected(strategy, NOW - timedelta(hours=hours))
    retention_apply(now=NOW)
    assert Signal.objects.filter(pk=signal.pk).exists() is not pruned


@pytest.mark.parametrize(("window", "pruned"), [(3, False), (2, True)])
def test_the_signals_the_comparison_reads_are_kept_whatever_their_age(
    monkeypatch: pytest.MonkeyPatch, window: int, pruned: bool
) -> None:
    monkeypatch.setattr(execution_selectors, "COMPARED_SIGNALS", window)
    strategy = StrategyFactory()
    oldest = _rejected(strategy, NOW - timedelta(days=30))
    for days in (20, 10):
        _rejected(strategy, NOW - timedelta(days=days))
    retention_apply(now=NOW)
    # The third newest: inside a window of 3, one past a window of 2.
    assert Signal.objects.filter(pk=oldest.pk).exists() is not pruned
    assert Signal.objects.count() == (2 if pruned else 3)


def _mids(token: str, *pairs: tuple[timedelta, str]) -> None:
    for age, mid in pairs:
        MidPriceFactory(token_id=token, mid=D(mid), observed_at=NOW - age)


def test_old_mid_prices_roll_up_per_day_and_each_tokens_newest_stays() -> None:
    day = timedelta(days=1)
    _mids(
        TOKEN,
        (10 * day, "0.40"),
        (10 * day - timedelta(hours=2), "0.46"),
        (10 * day - timedelta(hours=1), "0.38"),
        (9 * day, "0.50"),
        (timedelta(hours=1), "0.52"),
    )
    _mids("quiet", (20 * day, "0.30"), (19 * day, "0.31"))  # no mid since: the newest is old
    strategy = StrategyFactory()
    PositionFactory(strategy=strategy, token_id="quiet", size=D("10"), avg_cost=D("0.2"))
    equity = strategy_portfolio(strategy=strategy).equity

    done = retention_apply(now=NOW, batch=2)

    assert done["mid_prices"] == 5
    assert set(MidPrice.objects.values_list("token_id", "mid")) == {
        ("quiet", D("0.31")),
        (TOKEN, D("0.52")),
    }
    rows = {
        (r.token_id, r.day): (r.open, r.high, r.low, r.close, r.samples)
        for r in MidPriceDaily.objects.all()
    }
    assert rows == {
        (TOKEN, (NOW - 10 * day).date()): (D("0.4"), D("0.46"), D("0.38"), D("0.46"), 3),
        (TOKEN, (NOW - 9 * day).date()): (D("0.5"), D("0.5"), D("0.5"), D("0.5"), 1),
        ("quiet", (NOW - 20 * day).date()): (D("0.3"), D("0.3"), D("0.3"), D("0.3"), 1),
    }
    assert strategy_portfolio(strategy=strategy).equity == equity  # marked at its newest mid


@pytest.mark.parametrize(
    ("older_by", "pruned"), [(timedelta(0), False), (timedelta(microseconds=1), True)]
)
def test_mid_prices_inside_the_longest_volatility_lookback_stay(
    older_by: timedelta, pruned: bool
) -> None:
    lookback = timedelta(days=10)
    StrategyFactory(risk_rules__sizing_lookback_minutes=int(lookback.total_seconds() // 60))
    _mids(TOKEN, (lookback + older_by, "0.40"), (lookback - timedelta(days=1), "0.45"))
    _mids(TOKEN, (timedelta(days=8), "0.41"), (timedelta(hours=1), "0.44"))
    since = NOW - lookback
    volatility = realised_volatility(token_id=TOKEN, since=since)
    retention_apply(now=NOW)
    assert MidPrice.objects.filter(mid=D("0.40")).exists() is not pruned
    assert MidPrice.objects.count() == (3 if pruned else 4)
    assert realised_volatility(token_id=TOKEN, since=since) == volatility


def test_ages_come_from_the_settings(settings: Settings) -> None:
    settings.LT_RETENTION = {**settings.LT_RETENTION, "rejected_signals": timedelta(hours=1)}
    strategy = StrategyFactory()
    _rejected(strategy, NOW - timedelta(minutes=61))
    kept = _rejected(strategy, NOW - timedelta(minutes=59))
    retention_apply(now=NOW)
    assert list(Signal.objects.values_list("pk", flat=True)) == [kept.pk]


def test_failed_job_results_and_expired_sessions_go_successes_and_live_sessions_stay() -> None:
    def task(success: bool, age: timedelta) -> str:
        at = NOW - age
        return str(
            Task.objects.create(
                id=uuid.uuid4().hex, name="t", func="math.floor", started=at, stopped=at,
                success=success,
            ).id
        )  # fmt: skip

    old_failure, new_failure = task(False, timedelta(days=31)), task(False, timedelta(days=29))
    old_success = task(True, timedelta(days=31))
    Session.objects.create(session_key="a" * 32, session_data="", expire_date=NOW - timedelta(1))
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=NOW + timedelta(1))
    retention_apply(now=NOW)
    assert set(Task.objects.values_list("id", flat=True)) == {new_failure, old_success}
    assert old_failure not in set(Task.objects.values_list("id", flat=True))
    assert list(Session.objects.values_list("session_key", flat=True)) == ["b" * 32]


def test_a_run_whose_time_is_spent_starts_no_batch() -> None:
    _rejected(StrategyFactory(), NOW - timedelta(days=30))
    _mids(TOKEN, (timedelta(days=30), "0.4"), (timedelta(days=1), "0.5"))
    assert set(retention_apply(now=NOW, budget=0).values()) == {0}
    assert Signal.objects.count() == 1 and MidPrice.objects.count() == 2


def test_the_old_hourly_schedule_becomes_the_retention_schedule() -> None:
    Schedule.objects.create(
        name="monitoring.compact_health_history",
        func="monitoring.tasks.compact_health_history",
        schedule_type=Schedule.MINUTES,
        minutes=60,
    )
    migration = importlib.import_module("monitoring.migrations.0007_retention_schedule")
    migration.rename(apps, None)
    (schedule,) = Schedule.objects.all()
    assert (schedule.name, schedule.func, schedule.minutes) == (
        "monitoring.retention",
        "monitoring.tasks.apply_retention",
        15,
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ('{"mid_prices": "3d"}', ""),
        ('{"mid_prices": "3w"}', "LT_RETENTION: mid_prices must be a whole number of days"),
        ('{"trades": "3d"}', "LT_RETENTION: unknown key 'trades'"),
    ],
)
def test_retention_ages_are_checked_when_lt_starts(value: str, error: str) -> None:
    result = _manage({**PRODUCTION, "LT_RETENTION": value}, "check")
    if error:
        assert result.returncode != 0 and error in result.stderr
    else:
        assert result.returncode == 0, result.stderr
