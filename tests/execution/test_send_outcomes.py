"""What each answer of the venue to an order's POST leaves the order in (the executor)."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from execution import executor
from execution.executor import order_submit
from execution.models import Order, OrderStatus
from execution.venue.types import OrderRequest
from ltproject.domain import OrderType, Side
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_price_off_its_tick_is_refused_at_signing_and_never_sent(
    live_venue: SandboxHandle,
) -> None:
    order = order_submit(order_id=live_intent(live_venue, price=D("0.205")).pk)
    assert (order.status, order.error_code) == (OrderStatus.REJECTED, "invalid_price")
    assert "0.205" in order.error_message and order.completed_at is not None
    assert order.signed_order is None and live_venue.orders() == []


@pytest.mark.parametrize(("fault", "error"), [("rate_limit", "RateLimited"), (401, "AuthError")])
def test_a_refusal_that_placed_nothing_puts_the_order_back_to_signed(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch, fault: object, error: str
) -> None:
    monkeypatch.setattr(executor, "RATE_LIMIT_BACKOFF_S", 0)
    if fault == "rate_limit":
        live_venue.faults.rate_limit("/order", count=executor.SEND_ATTEMPTS)
    else:
        live_venue.faults.http_status("/order", 401)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert (order.status, order.error_code, order.posted_at) == (OrderStatus.SIGNED, error, None)
    assert order.error_message and live_venue.orders() == []
    signed_hash = order.venue_order_id
    # The sweep's next submit sends the same signed bytes.
    order = order_submit(order_id=order.pk)
    assert order.status == OrderStatus.LIVE and order.venue_order_id == signed_hash
    assert [o["id"] for o in live_venue.orders()] == [signed_hash]


def test_two_rate_limits_then_a_place_is_one_order(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executor, "RATE_LIMIT_BACKOFF_S", 0)
    live_venue.faults.rate_limit("/order", count=executor.SEND_ATTEMPTS - 1)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.LIVE and len(live_venue.orders()) == 1


def test_a_balance_refused_after_every_refresh_says_what_is_missing(
    live_venue: SandboxHandle,
) -> None:
    from monitoring.models import Alert

    live_venue.faults.balance_error(count=executor.SEND_ATTEMPTS)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert (order.status, order.error_code) == (OrderStatus.REJECTED, "insufficient_balance")
    alert = Alert.objects.get(reason_code="VENUE_BALANCE_REJECTED")
    assert (alert.severity, alert.strategy_id) == (Alert.Severity.CRITICAL, order.strategy_id)
    assert alert.subject == "Order refused by the venue: not enough pUSD or allowance"
    assert alert.message.startswith("3 sends, with a balance refresh between: ")
    assert alert.message.endswith(order.error_message)
    assert alert.context == {
        "order": order.pk,
        "side": "BUY",
        "size (shares)": "10.000000",
        "limit price": "0.200000",
        "notional (pUSD)": "2.000000",
    }
    assert alert.action == (
        "The order was dropped and its budget released; later orders of the strategy are "
        "tried as usual. Fund the wallet or set its allowance."
    )
    assert alert.dedupe_key == f"{executor.BALANCE_ALERT_PREFIX}{order.strategy_id}"


def test_an_order_the_venue_delays_is_recorded_as_delayed(live_venue: SandboxHandle) -> None:
    live_venue.faults.delayed()
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.DELAYED and order.acked_at is not None


def test_an_unanswered_send_found_by_its_hash_takes_the_venues_status(
    live_venue: SandboxHandle,
) -> None:
    live_venue.faults.http_status("/order", 502)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.UNKNOWN and order.error_code == "OutcomeUnknown"
    # Within the grace nothing is sent again: still unknown.
    assert order_submit(order_id=order.pk).status == OrderStatus.UNKNOWN
    assert live_venue.orders() == []


def test_without_autostart_a_committed_intent_waits_for_the_sweep(
    live_venue: SandboxHandle, settings
) -> None:
    settings.LT_EXECUTOR_AUTOSTART = False
    order = live_intent(live_venue)
    executor.order_dispatch(order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.INTENT and live_venue.orders() == []


@pytest.mark.django_db(transaction=True)
def test_off_the_committing_thread_the_pool_sends_it(live_venue: SandboxHandle, settings) -> None:
    settings.LT_EXECUTOR_INLINE = False
    order = live_intent(live_venue)
    executor.order_dispatch(order.pk)
    pool = executor._pool
    assert pool is not None
    try:
        pool.shutdown(wait=True)
    finally:
        executor._pool = None
    order.refresh_from_db()
    assert order.status == OrderStatus.LIVE
    assert [o["id"] for o in live_venue.orders()] == [order.venue_order_id]


def test_a_worker_that_fails_leaves_the_order_to_the_sweep() -> None:
    seen: list[int] = []

    def failing(*, order_id: int) -> None:
        seen.append(order_id)
        raise RuntimeError("venue down")

    executor._in_worker(failing, 5)  # logged, not raised: the sweep retries
    assert seen == [5]


@pytest.mark.parametrize(
    ("order_type", "expires", "expiration"),
    [
        (OrderType.GTD, datetime(2026, 12, 7, 12, 0, tzinfo=UTC), 1796644860),  # + 60 s
        (OrderType.GTD, None, 0),
        (OrderType.GTC, datetime(2026, 12, 7, 12, 0, tzinfo=UTC), 0),
    ],
)
def test_what_is_signed_for_an_order(order_type, expires, expiration) -> None:
    order = Order(
        token_id="123",
        side=Side.SELL,
        price=D("0.41"),
        size=D("12.5"),
        order_type=order_type,
        expires_at=expires,
        post_only=True,
    )
    request = executor._request(order)
    assert request == OrderRequest(
        token_id="123",
        side=Side.SELL,
        price=D("0.41"),
        size=D("12.5"),
        order_type=order_type,
        expiration=expiration,
        post_only=True,
    )


def test_each_send_feeds_the_error_rate_and_latency_breakers(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ltproject.domain import TradingMode
    from risk.models import Breaker, BreakerKind
    from tests.factories import StrategyFactory

    monkeypatch.setattr(executor, "RATE_LIMIT_BACKOFF_S", 0)
    monkeypatch.setattr(executor, "_recent_failures", deque(maxlen=executor.ERROR_RATE_WINDOW))
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    rules = strategy.risk_rules
    rules.breaker_max_error_rate = D("0.5")
    rules.breaker_max_latency_ms = 60_000
    rules.save()
    order_submit(order_id=live_intent(live_venue, strategy=strategy).pk)  # one good send
    assert not Breaker.objects.filter(kind=BreakerKind.ERROR_RATE).exists()
    live_venue.faults.rate_limit("/order", count=1)
    order_submit(order_id=live_intent(live_venue, strategy=strategy).pk)  # 1 of 3 failed
    assert not Breaker.objects.filter(kind=BreakerKind.ERROR_RATE).exists()
    live_venue.faults.rate_limit("/order", count=executor.SEND_ATTEMPTS)
    # Its first refusal makes 2 of 4 (0.5, at the limit: still closed), its second 3 of 5.
    order_submit(order_id=live_intent(live_venue, strategy=strategy).pk)
    breaker = Breaker.objects.get(strategy=strategy, kind=BreakerKind.ERROR_RATE)
    assert (breaker.state, breaker.last_value) == ("open", D("0.600000"))
    assert not Breaker.objects.filter(kind=BreakerKind.LATENCY).exists()  # under a minute


def test_the_general_path_signs_stores_then_sends(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path every order takes when the PostgreSQL fast path does not (the demo's SQLite,
    an intent the fast path found held): claimed, signed and stored as submitted, then sent."""
    monkeypatch.setattr(executor, "_live_intent_submit", lambda order_id: None)
    sent_before: list[tuple[str, bool]] = []
    post = executor.get_venue().post_order

    def post_seeing_the_row(signed):
        stored = Order.objects.get(venue_order_id=signed.order_hash)
        both = stored.signed_at is not None and stored.posted_at is not None
        sent_before.append((stored.status, both))
        return post(signed)

    monkeypatch.setattr(executor.get_venue(), "post_order", post_seeing_the_row)
    intent = live_intent(live_venue)
    order = order_submit(order_id=intent.pk)
    assert order.status == OrderStatus.LIVE and order.attempts == 1
    assert order.signed_order is not None
    assert order.venue_order_id == order.signed_order["order_hash"]
    assert order.signed_at is not None and order.signed_at == order.posted_at
    assert Order.objects.get(pk=order.pk).lease_until is None  # released after the send
    # Written as submitted, with the signature and both times, before the POST.
    assert sent_before == [(OrderStatus.SUBMITTED, True)]
    assert [o["id"] for o in live_venue.orders()] == [order.venue_order_id]
