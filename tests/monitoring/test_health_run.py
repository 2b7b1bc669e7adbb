"""A whole health run: rows, each strategy's health, alerts on failing checks; and the venue
and chain checks against a real sandbox venue and a real anvil node."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from execution.models import OrderStatus
from execution.venue.metrics import CallCounts
from execution.venue.session import reset_venue
from ltproject.domain import TradingMode
from monitoring.health.base import TRADING, Check, CheckResult, Context, Findings
from monitoring.health.chain import check_chain
from monitoring.health.runner import CHECKS, health_checks_run, health_history_compact
from monitoring.health.venue import Window, _judge_heartbeat, _judge_window, check_venue
from monitoring.models import Alert, HealthCheck, HealthDaily, HealthStatus
from redemption.transactions import GWEI, fees_current
from sandbox.chain import Anvil
from sandbox.chain.anvil import free_port
from sandbox.testing import SandboxHandle
from strategies.models import Strategy
from tests.factories import HealthCheckFactory, OrderFactory, StrategyFactory, VenueCallsFactory

pytestmark = pytest.mark.django_db

OK, WARNING, FAILING = HealthStatus.OK, HealthStatus.WARNING, HealthStatus.FAILING
D = Decimal


@pytest.fixture
def venue_stopped(settings: Settings) -> Iterator[None]:
    settings.CLOB_HOST = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    reset_venue()
    yield
    reset_venue()


def _health(slug: str) -> str:
    return Strategy.objects.get(slug=slug).health_status


def test_a_run_stores_every_check_and_each_strategys_health(live_venue: SandboxHandle) -> None:
    StrategyFactory(slug="paper-one", mode=TradingMode.PAPER)
    StrategyFactory(slug="switched-off", mode=TradingMode.OFF)
    rows = health_checks_run()
    assert [r.name for r in rows] == [c.name for c in CHECKS]
    assert {r.name: r.status for r in rows} == {c.name: OK for c in CHECKS}
    venue = HealthCheck.objects.get(name="venue")
    assert venue.details["reachable"] is True and venue.details["calls"] >= 1
    assert (_health("paper-one"), _health("switched-off")) == ("ok", "ok")
    assert Strategy.objects.get(slug="paper-one").health_checked_at is not None


def test_a_stopped_venue_fails_its_strategies_within_one_run_and_recovers(
    live_venue: SandboxHandle, settings: Settings
) -> None:
    StrategyFactory(slug="paper-one", mode=TradingMode.PAPER)
    StrategyFactory(slug="switched-off", mode=TradingMode.OFF)
    health_checks_run()
    running = settings.CLOB_HOST
    settings.CLOB_HOST = f"http://127.0.0.1:{free_port()}"
    reset_venue()
    health_checks_run()
    assert HealthCheck.objects.filter(name="venue").latest("pk").status == FAILING
    assert _health("paper-one") == "failing"
    assert _health("switched-off") == "ok"  # it trades nowhere: the venue is not its concern
    alert = Alert.objects.get(dedupe_key="health:venue")
    assert (alert.severity, alert.state) == (Alert.Severity.CRITICAL, Alert.State.OPEN)

    settings.CLOB_HOST = running
    reset_venue()
    health_checks_run()
    assert _health("paper-one") == "ok"
    health_checks_run()  # passed twice in a row: the alert is over
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED
    assert alert.resolution.startswith("Venue (CLOB) is ok again")


def test_a_check_that_raises_is_failing_not_a_crashed_run() -> None:
    def broken(ctx: Context) -> CheckResult:
        raise ConnectionError("connection refused")

    rows = {r.name: r for r in health_checks_run(checks=[Check("broken", broken, TRADING)])}
    assert rows["broken"].status == FAILING
    assert rows["broken"].message == "ConnectionError: connection refused"


def test_a_stopped_venue_is_a_failing_venue_check(venue_stopped: None) -> None:
    StrategyFactory(mode=TradingMode.PAPER)
    rows = {r.name: r for r in health_checks_run()}
    assert rows["venue"].status == FAILING
    assert "CLOB unreachable" in rows["venue"].message
    assert rows["database"].status == OK


def test_health_is_read_through_the_api_by_operators_only(
    admin_client_logged_in: Client, venue_stopped: None
) -> None:
    StrategyFactory(slug="paper-one", mode=TradingMode.PAPER)
    health_checks_run()
    answer = admin_client_logged_in.get(reverse("health")).json()
    assert {c["name"]: c["status"] for c in answer["checks"]}["venue"] == "failing"
    assert answer["strategies"][0]["health_status"] == "failing"
    assert Client().get(reverse("health")).status_code == 403


# --- the venue's window and heartbeat -------------------------------------------------------


def _window(count: int, *, errors: int = 0, rejected: int = 0, rate_limited: int = 0) -> Window:
    counts = CallCounts(
        count=count,
        errors=errors,
        rejected=rejected,
        rate_limited=rate_limited,
        histogram={20: count},
    )
    return Window({"post_order": counts})


def _judged(window: Window) -> HealthStatus:
    found = Findings()
    _judge_window(found, window, {"p99_ms": None})
    return found.status


@pytest.mark.parametrize(
    ("errors", "expected"), [(5, OK), (6, WARNING), (50, WARNING), (51, FAILING)]
)
def test_the_venue_error_rate_warns_over_5_percent_and_fails_over_half(errors, expected) -> None:
    assert _judged(_window(100, errors=errors)) == expected


def test_too_few_calls_say_nothing_about_an_error_rate() -> None:
    assert _judged(_window(19, errors=19)) == OK


@pytest.mark.parametrize(("rejected", "expected"), [(20, OK), (21, WARNING)])
def test_orders_the_venue_refuses_warn_over_20_percent(rejected, expected) -> None:
    assert _judged(_window(100, rejected=rejected)) == expected


def test_any_rate_limited_answer_warns() -> None:
    assert _judged(_window(100, rate_limited=1)) == WARNING


@pytest.mark.parametrize(("p99", "expected"), [(2000.0, OK), (2000.1, WARNING)])
def test_a_slow_venue_warns_on_its_p99(p99, expected) -> None:
    found = Findings()
    _judge_window(found, _window(100), {"p99_ms": p99})
    assert found.status == expected


@pytest.mark.parametrize(("age_s", "expected"), [(120, OK), (121, WARNING)])
def test_resting_orders_need_a_recent_heartbeat(age_s, expected) -> None:
    now = timezone.now()
    OrderFactory(mode=TradingMode.LIVE, status=OrderStatus.LIVE)
    VenueCallsFactory(call="heartbeat", last_ok_at=now - timedelta(seconds=age_s))
    found, details = Findings(), dict[str, object]()
    _judge_heartbeat(found, now, details)
    assert (found.status, details["heartbeat_age_s"]) == (expected, age_s)


def test_the_venue_window_reads_every_processs_calls(live_venue: SandboxHandle) -> None:
    VenueCallsFactory(
        process="web:1", call="post_order", count=40, errors=10, histogram={"20": 30, "40": 10}
    )
    result = check_venue(Context.build(timezone.now()))
    assert result.details["by_call"]["post_order"]["calls"] == 40
    assert result.details["errors"] == 10
    assert result.status == WARNING and "of venue calls failed" in result.message


# --- the chain ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    with Anvil() as node:
        yield node


@pytest.fixture
def on_anvil(settings: Settings, anvil: Anvil) -> Anvil:
    settings.CHAIN_RPC_URL = anvil.rpc_url
    StrategyFactory(mode=TradingMode.LIVE)
    return anvil


def _head_time(anvil: Anvil) -> datetime:
    from web3 import Web3

    stamp = Web3(Web3.HTTPProvider(anvil.rpc_url)).eth.get_block("latest")["timestamp"]
    return datetime.fromtimestamp(stamp, tz=timezone.get_current_timezone())


@pytest.mark.parametrize(("age_s", "expected"), [(120, OK), (121, FAILING)])
def test_a_head_block_older_than_two_minutes_is_a_stalled_node(
    on_anvil: Anvil, age_s: int, expected: HealthStatus
) -> None:
    now = _head_time(on_anvil) + timedelta(seconds=age_s)
    result = check_chain(Context.build(now))
    assert (result.status, result.details["head_age_s"]) == (expected, age_s)


def test_gas_over_the_redemption_fee_cap_warns(on_anvil: Anvil, settings: Settings) -> None:
    from redemption.chain import Chain

    fee = fees_current(chain=Chain.connect(on_anvil.rpc_url, settings.CHAIN_CONTRACTS))
    now = _head_time(on_anvil)
    settings.REDEMPTION_MAX_FEE_GWEI = D(fee.max_fee_per_gas) / GWEI
    assert check_chain(Context.build(now)).status == OK
    settings.REDEMPTION_MAX_FEE_GWEI = (D(fee.max_fee_per_gas) - 1) / GWEI
    result = check_chain(Context.build(now))
    assert result.status == WARNING and "over the" in result.message


def test_an_unreachable_rpc_fails_the_chain_check(settings: Settings) -> None:
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    StrategyFactory(mode=TradingMode.LIVE)
    result = check_chain(Context.build(timezone.now()))
    assert result.status == FAILING and "RPC unreachable" in result.message


# --- the trend ------------------------------------------------------------------------------


def test_rows_past_30_days_roll_up_into_daily_rows_and_newer_ones_stay() -> None:
    now = timezone.now()
    old_day = now - timedelta(days=31)
    for status in (OK, OK, WARNING, FAILING):
        HealthCheckFactory(name="venue", status=status, checked_at=old_day, duration_ms=D(10))
    kept = HealthCheckFactory(name="venue", checked_at=now - timedelta(days=29))
    assert health_history_compact(now=now, batch=3) == 4
    daily = HealthDaily.objects.get()
    assert (daily.day, daily.runs, daily.ok, daily.warning, daily.failing, daily.worst) == (
        old_day.date(),
        4,
        2,
        1,
        1,
        FAILING,
    )
    assert daily.avg_duration_ms == D(10)
    assert list(HealthCheck.objects.all()) == [kept]


def test_a_run_with_live_strategies_stores_its_figures(
    on_anvil: Anvil, live_venue: SandboxHandle
) -> None:
    rows = {r.name: r for r in health_checks_run()}
    assert rows["chain"].details["fee_cap_gwei"] == "1000"
    assert rows["wallet"].details["used"] is True


def test_old_venue_counts_and_reconciliation_passes_are_pruned() -> None:
    from execution.models import ReconcileRun
    from monitoring.health.runner import measurements_prune
    from monitoring.models import VenueCalls
    from tests.factories import ReconcileRunFactory

    now = timezone.now()
    VenueCallsFactory(minute=now - timedelta(days=2, minutes=1))
    kept_calls = VenueCallsFactory(minute=now - timedelta(days=2) + timedelta(minutes=1))
    ReconcileRunFactory(started_at=now - timedelta(days=31))
    kept_run = ReconcileRunFactory(started_at=now - timedelta(days=29))
    assert measurements_prune(now=now, batch=1) == 2
    assert list(VenueCalls.objects.all()) == [kept_calls]
    assert list(ReconcileRun.objects.all()) == [kept_run]


def test_a_failing_check_resolves_only_after_passing_twice(
    live_venue: SandboxHandle, settings: Settings
) -> None:
    StrategyFactory(mode=TradingMode.PAPER)
    running = settings.CLOB_HOST
    settings.CLOB_HOST = f"http://127.0.0.1:{free_port()}"
    reset_venue()
    health_checks_run()
    settings.CLOB_HOST = running
    reset_venue()
    health_checks_run()
    alert = Alert.objects.get(dedupe_key="health:venue")
    assert alert.state == Alert.State.OPEN  # one good run may be a check hovering at its line
    health_checks_run()
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED


def test_a_balance_alert_resolves_once_the_venue_takes_an_order_of_the_strategy_again() -> None:
    from monitoring.alerts import alert_create
    from monitoring.health.runner import balance_alerts_resolve

    strategy = StrategyFactory()
    alert = alert_create(
        reason_code="VENUE_BALANCE_REJECTED",
        subject="refused",
        strategy=strategy,
        dedupe_key=f"venue-balance-rejected:{strategy.pk}",
    )
    OrderFactory(strategy=strategy, status=OrderStatus.REJECTED, acked_at=timezone.now())
    assert balance_alerts_resolve() == 0
    OrderFactory(strategy=strategy, status=OrderStatus.LIVE, acked_at=timezone.now())
    assert balance_alerts_resolve() == 1
    alert.refresh_from_db()
    assert alert.state == Alert.State.RESOLVED
