"""The executor's edges: what is signed, what each lost or refused answer leaves the order in,
who may take an order and when, and what each send tells the breakers."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from execution import executor
from execution.executor import UNKNOWN_GRACE, order_claim, order_submit
from execution.models import Market, Order, OrderStatus
from execution.reconcile import reconcile
from execution.venue import (
    OrderAck,
    OrderRequest,
    RejectReason,
    SignedOrder,
    VenueAdapter,
    VenueUnavailable,
    configure_transport,
)
from execution.venue.session import get_venue
from ltproject.domain import OrderType, Side, TradingMode
from risk.models import Breaker, BreakerKind
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent
from tests.factories import OrderFactory, StrategyFactory

pytestmark = pytest.mark.django_db
D = Decimal
BTC = "btc-above-150k-2026"


@pytest.fixture(params=["fast", "general"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The PostgreSQL fast path for a fresh live intent, or the general one every other order
    (and every order on another database) takes."""
    if request.param == "general":
        monkeypatch.setattr(executor, "_live_intent_submit", lambda order_id: None)
    return str(request.param)


def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "RATE_LIMIT_BACKOFF_S", 0)


def _answers_lost(sandbox: SandboxHandle) -> None:
    """The next POST /order is handled by the venue, but its answer never arrives in time."""
    get_venue()  # connect first: only the POST stalls
    configure_transport(https=False, timeout_s=0.5)
    sandbox.faults.stall("/order", seconds=1.5)


def _lookups_miss(sandbox: SandboxHandle, count: int = 1) -> None:
    """/data/order answers 404, as the real venue does for an order that no longer rests."""
    sandbox.faults.http_status("/data/order/*", 404, count=count)


def _signed_back(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, **fields: Any) -> Order:
    """An order signed and refused by 429s every time: back to `signed`, for the sweep."""
    _no_backoff(monkeypatch)
    sandbox.faults.rate_limit("/order", count=executor.SEND_ATTEMPTS)
    order = order_submit(order_id=live_intent(sandbox, **fields).pk)
    assert order.status == OrderStatus.SIGNED and sandbox.orders() == []
    return order


def _spy(monkeypatch: pytest.MonkeyPatch, name: str, seen: Callable[..., None]) -> None:
    """Call `seen` with the arguments of each call of the venue adapter's `name`, then the
    real call."""
    venue = get_venue()
    real = getattr(venue, name)

    def spied(*args: Any, **kwargs: Any) -> Any:
        seen(*args, **kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(venue, name, spied)


def _market_of(order: Order) -> Market:
    assert order.market is not None
    return order.market


# --- what is signed ------------------------------------------------------------------------


@pytest.mark.parametrize("expired", [False, True], ids=["fresh", "lease-expired"])
def test_a_live_intent_reaches_its_post_after_two_statements(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch, expired: bool
) -> None:
    """Read the intent, then claim it and store its signature in one write: the latency an
    order pays before its POST. An intent whose worker died holding it (the lease ran out)
    takes the same path."""
    # A first order connects and prepares the statements on this database connection.
    order_submit(order_id=live_intent(live_venue, price=D("0.19"), notional=D("1.9")).pk)
    order = live_intent(live_venue)
    if expired:
        Order.objects.filter(pk=order.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    before_post: list[int] = []
    with CaptureQueriesContext(connection) as queries:
        _spy(monkeypatch, "post_order", lambda signed: before_post.append(len(queries)))
        sent = order_submit(order_id=order.pk)
    assert sent.status == OrderStatus.LIVE and before_post == [2]
    # Stored with the claim: the signature, its hash, and when it was signed and posted.
    assert sent.signed_order is not None and sent.attempts == 1
    assert sent.venue_order_id == sent.signed_order["order_hash"]
    assert sent.signed_at is not None and sent.posted_at == sent.signed_at


def test_during_its_post_the_order_is_held_and_recorded_as_submitted(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = live_intent(live_venue)
    during: list[tuple[str, bool, Order | None]] = []

    def seen(signed: SignedOrder) -> None:
        row = Order.objects.get(pk=order.pk)
        held = row.lease_until is not None and row.lease_until > timezone.now()
        during.append((row.status, held, order_claim(order_id=order.pk)))

    _spy(monkeypatch, "post_order", seen)
    sent = order_submit(order_id=order.pk)
    # Nobody else (the sweep, a second delivery of the task) can take it while it is sent.
    assert during == [(OrderStatus.SUBMITTED, True, None)]
    assert sent.status == OrderStatus.LIVE and Order.objects.get(pk=order.pk).lease_until is None


def test_an_order_is_signed_for_its_market_as_lt_recorded_it(
    live_venue: SandboxHandle, path: str
) -> None:
    """The recorded neg-risk flag and exchange version are what the signature is for (not
    looked up again at the venue); here they are not the sandbox's, which refuses it."""
    order = live_intent(live_venue)
    Market.objects.filter(pk=_market_of(order).pk).update(neg_risk=True, exchange_version=3)
    sent = order_submit(order_id=order.pk)
    assert sent.signed_order is not None
    assert (sent.signed_order["neg_risk"], sent.signed_order["exchange_version"]) == (True, 3)
    assert live_venue.orders() == []


def test_a_price_on_the_recorded_tick_is_signed_and_left_for_the_venue_to_judge(
    live_venue: SandboxHandle, path: str
) -> None:
    """LT still has 0.001 where the venue moved to 0.01: the order is signed on LT's tick, the
    venue refuses it, and the market is read again for the next orders."""
    order = live_intent(live_venue, price=D("0.213"), notional=D("2.13"))
    market = _market_of(order)
    Market.objects.filter(pk=market.pk).update(tick_size=D("0.001"))
    sent = order_submit(order_id=order.pk)
    assert (sent.status, sent.error_code) == (OrderStatus.REJECTED, RejectReason.INVALID_PRICE)
    assert sent.signed_order is not None  # signed, sent and refused by the venue
    assert Market.objects.get(pk=market.pk).tick_size == D("0.01")
    assert live_venue.orders() == []


def test_an_order_without_a_recorded_market_is_signed_on_the_venues_tick(
    live_venue: SandboxHandle, path: str
) -> None:
    order = live_intent(live_venue, market=None)
    sent = order_submit(order_id=order.pk)
    assert sent.status == OrderStatus.LIVE
    assert [o["id"] for o in live_venue.orders()] == [sent.venue_order_id]


def test_signing_one_intent_leaves_the_others_untouched(
    live_venue: SandboxHandle, path: str
) -> None:
    other = live_intent(live_venue, price=D("0.19"), notional=D("1.9"))
    sent = order_submit(order_id=live_intent(live_venue).pk)
    assert sent.status == OrderStatus.LIVE
    other.refresh_from_db()
    assert (other.status, other.signed_order, other.venue_order_id, other.signed_at) == (
        OrderStatus.INTENT,
        None,
        None,
        None,
    )
    assert [o["id"] for o in live_venue.orders()] == [sent.venue_order_id]


# --- the answers -----------------------------------------------------------------------------


def test_an_unanswered_send_is_left_unknown_under_its_hash(
    live_venue: SandboxHandle, path: str
) -> None:
    live_venue.faults.http_status("/order", 502)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert (order.status, order.error_code) == (OrderStatus.UNKNOWN, "OutcomeUnknown")
    assert order.signed_order is not None
    assert order.venue_order_id == order.signed_order["order_hash"]


def test_an_unanswered_send_whose_look_up_fails_too_is_left_unknown(
    live_venue: SandboxHandle,
) -> None:
    live_venue.faults.http_status("/order", 502)
    live_venue.faults.http_status("/data/order/*", 502)
    order = live_intent(live_venue)
    with pytest.raises(VenueUnavailable):
        order_submit(order_id=order.pk)
    order.refresh_from_db()
    assert (order.status, order.error_code) == (OrderStatus.UNKNOWN, "OutcomeUnknown")
    assert order.error_message and live_venue.orders() == []


def test_an_order_accepted_after_a_refusal_no_longer_carries_its_error(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed = _signed_back(live_venue, monkeypatch)
    assert (signed.error_code, bool(signed.error_message)) == ("RateLimited", True)
    order = order_submit(order_id=signed.pk)
    assert (order.status, order.error_code, order.error_message) == (OrderStatus.LIVE, "", "")
    assert order.acked_at is not None


@pytest.mark.parametrize(
    ("order_type", "answer", "status"),
    [
        (OrderType.GTC, "", OrderStatus.LIVE),  # an answer LT has no name for: it rests
        (OrderType.GTC, "live", OrderStatus.LIVE),
        (OrderType.FAK, "live", OrderStatus.CANCELLED),  # never rests: the rest is gone
        (OrderType.FOK, "live", OrderStatus.CANCELLED),
        (OrderType.FAK, "", OrderStatus.CANCELLED),
        (OrderType.FAK, "delayed", OrderStatus.DELAYED),
    ],
)
def test_what_an_accepted_answer_leaves_the_order_in(
    order_type: OrderType, answer: str, status: OrderStatus
) -> None:
    order = OrderFactory(mode=TradingMode.LIVE, order_type=order_type, status=OrderStatus.SUBMITTED)
    ack = OrderAck(
        order_id="0x1",
        status=answer,
        making_amount=None,
        taking_amount=None,
        trade_ids=(),
        transaction_hashes=(),
        raw={},
    )
    executor._acknowledge(order, ack)
    order.refresh_from_db()
    assert order.status == status and order.acked_at is not None


def test_a_signed_order_is_recorded_as_submitted_before_it_is_sent_again(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From its POST on, a crash means "maybe sent": the row says so, with the time it was
    posted (the grace before the same bytes go again counts from it)."""
    signed = _signed_back(live_venue, monkeypatch)
    assert signed.posted_at is None
    during: list[tuple[str, bool]] = []

    def seen(signed_order: SignedOrder) -> None:
        row = Order.objects.get(pk=signed.pk)
        during.append((row.status, row.posted_at is not None))

    _spy(monkeypatch, "post_order", seen)
    order = order_submit(order_id=signed.pk)
    assert during == [(OrderStatus.SUBMITTED, True)]
    assert order.status == OrderStatus.LIVE and order.posted_at is not None


def test_a_resend_of_bytes_the_venue_already_took_is_one_order_recorded_live(
    live_venue: SandboxHandle,
) -> None:
    """The answer was lost and the look-up missed the order: past the grace the same bytes go
    again, the venue refuses a second copy of one hash, and that means the order exists."""
    _answers_lost(live_venue)
    _lookups_miss(live_venue, count=2)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.UNKNOWN
    assert [o["id"] for o in live_venue.orders()] == [order.venue_order_id]
    Order.objects.filter(pk=order.pk).update(posted_at=timezone.now() - timedelta(minutes=1))
    order = order_submit(order_id=order.pk)
    assert order.status == OrderStatus.LIVE
    assert Order.objects.get(pk=order.pk).status == OrderStatus.LIVE
    assert [o["id"] for o in live_venue.orders()] == [order.venue_order_id]


@pytest.mark.parametrize(("side", "refreshed"), [(Side.BUY, "pusd"), (Side.SELL, "shares")])
def test_a_balance_refusal_has_the_venue_reread_what_the_order_spends(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch, side: Side, refreshed: str
) -> None:
    """A BUY spends pUSD, a SELL the token's shares: that balance is the one the venue's
    lagging cache must read again before the same bytes go once more."""
    token = live_venue.market(BTC).yes.token_id
    live_venue.fund(live_venue.account.address, token_id=token, shares=10)
    price = D("0.20") if side == Side.BUY else D("0.95")  # resting, away from the book
    refreshes: list[str] = []
    _spy(monkeypatch, "refresh_balance", lambda token_id="": refreshes.append(token_id))
    live_venue.faults.balance_error(count=1)
    order = order_submit(
        order_id=live_intent(live_venue, side=side, price=price, notional=price * 10).pk
    )
    assert order.status == OrderStatus.LIVE
    assert refreshes == ["" if refreshed == "pusd" else token]


# --- resolving an unanswered send ------------------------------------------------------------


@pytest.mark.parametrize("delayed", [False, True])
def test_an_unanswered_send_takes_the_status_the_venue_gives_it(
    live_venue: SandboxHandle, delayed: bool
) -> None:
    ask = get_venue().book(live_venue.market(BTC).yes.token_id).best_ask
    assert ask is not None
    if delayed:
        live_venue.faults.delayed()
    _answers_lost(live_venue)
    order = order_submit(
        order_id=live_intent(
            live_venue, order_type=OrderType.FAK, price=ask, size=D(5), notional=ask * 5
        ).pk
    )
    assert order.status == (OrderStatus.DELAYED if delayed else OrderStatus.MATCHED)
    assert order.acked_at is not None
    assert len(live_venue.orders()) == 1


@pytest.mark.parametrize("how", ["cancelled", "market-resolved"])
def test_an_unanswered_send_the_venue_cancelled_meanwhile_is_recorded_cancelled(
    live_venue: SandboxHandle, how: str
) -> None:
    _answers_lost(live_venue)
    _lookups_miss(live_venue)
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.UNKNOWN
    if how == "cancelled":
        get_venue().cancel(str(order.venue_order_id))
    else:
        market = live_venue.market(BTC)
        live_venue.resolve(market.condition_id, market.no.token_id)
    assert [o["status"] for o in live_venue.orders()] == [
        "CANCELED" if how == "cancelled" else "CANCELED_MARKET_RESOLVED"
    ]
    order = order_submit(order_id=order.pk)
    assert order.status == OrderStatus.CANCELLED and order.acked_at is not None
    assert len(live_venue.orders()) == 1  # nothing sent again


def test_an_order_the_venue_knows_in_a_state_lt_has_no_name_for_is_kept_for_reconciliation(
    live_venue: SandboxHandle,
) -> None:
    """A fill-and-kill that met nothing: the venue killed it (UNMATCHED) and its answer was
    lost. The venue knows the hash, so it is not sent again; reconciliation closes it."""
    _answers_lost(live_venue)
    order = order_submit(
        order_id=live_intent(live_venue, order_type=OrderType.FAK, price=D("0.02")).pk
    )
    assert [o["status"] for o in live_venue.orders()] == ["UNMATCHED"]
    assert order.status == OrderStatus.LIVE and order.acked_at is not None
    Order.objects.filter(pk=order.pk).update(posted_at=timezone.now() - timedelta(minutes=10))
    reconcile()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert len(live_venue.orders()) == 1


@pytest.mark.parametrize("recorded", [True, False], ids=["market-recorded", "no-market"])
def test_an_unanswered_send_that_already_traded_is_found_in_the_trade_feed(
    live_venue: SandboxHandle, recorded: bool
) -> None:
    """The real venue answers /data/order only for resting orders: one that traded at once
    is found by its hash among its market's (or, with no market recorded, its token's)
    trades, and is not sent again."""
    ask = get_venue().book(live_venue.market(BTC).yes.token_id).best_ask
    assert ask is not None
    _answers_lost(live_venue)
    _lookups_miss(live_venue)
    fields: dict[str, Any] = {} if recorded else {"market": None}
    order = order_submit(
        order_id=live_intent(
            live_venue, order_type=OrderType.FAK, price=ask, size=D(5), notional=ask * 5, **fields
        ).pk
    )
    assert order.status == OrderStatus.LIVE and order.acked_at is not None
    assert Order.objects.get(pk=order.pk).status == OrderStatus.LIVE
    assert [o["status"] for o in live_venue.orders()] == ["MATCHED"]


def test_an_unanswered_send_filled_later_as_a_maker_is_found_in_the_trade_feed(
    live_venue: SandboxHandle,
) -> None:
    """Its answer lost, the resting order is then filled by another trader: LT's order is a
    maker leg of that trade, found by its hash among the trades from a minute before its post
    on, and not sent again."""
    _answers_lost(live_venue)
    _lookups_miss(live_venue, count=2)
    order = order_submit(order_id=live_intent(live_venue, price=D("0.20"), size=D(10)).pk)
    assert order.status == OrderStatus.UNKNOWN
    other = live_venue.other_account
    live_venue.fund(other.address, pusd=10_000, token_id=order.token_id, shares=100_000)
    taker = VenueAdapter(host=live_venue.url, chain_id=137, private_key=other.private_key)
    taker.connect()
    for price, size in ((D("0.21"), D(50_000)), (D("0.20"), D(10))):  # the bids above, then LT's
        request = OrderRequest(
            token_id=order.token_id,
            side=Side.SELL,
            price=price,
            size=size,
            order_type=OrderType.FAK,
        )
        taker.post_order(taker.sign_order(request))
    assert [o["status"] for o in live_venue.orders() if o["id"] == order.venue_order_id] == [
        "MATCHED"
    ]
    # Looked up minutes later (the sweep's next pass): the trade is still within the window.
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        order = order_submit(order_id=order.pk)
    assert order.status == OrderStatus.LIVE and order.acked_at is not None


@pytest.mark.parametrize(("after", "resent"), [(UNKNOWN_GRACE - timedelta(microseconds=1), False),
                                               (UNKNOWN_GRACE, True)])  # fmt: skip
def test_the_same_bytes_go_again_once_the_grace_since_the_post_has_passed(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch, after: timedelta, resent: bool
) -> None:
    live_venue.faults.http_status("/order", 502)
    posted: list[str] = []
    _spy(monkeypatch, "post_order", lambda signed: posted.append(signed.order_hash))
    order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.UNKNOWN and order.posted_at is not None
    with time_machine.travel(order.posted_at + after, tick=False):
        again = order_submit(order_id=order.pk)
    assert again.status == (OrderStatus.LIVE if resent else OrderStatus.UNKNOWN)
    # The stored signed order, never signed again.
    assert posted == [order.venue_order_id] * (2 if resent else 1)
    assert [o["id"] for o in live_venue.orders()] == ([order.venue_order_id] if resent else [])


def test_a_post_unanswered_after_the_whole_grace_is_sent_again_at_once(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """The grace counts from the post, not from when its answer was given up on."""
    live_venue.faults.http_status("/order", 502)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _spy(monkeypatch, "post_order", lambda signed: clock.shift(UNKNOWN_GRACE))
        order = order_submit(order_id=live_intent(live_venue).pk)
    assert order.status == OrderStatus.LIVE
    assert [o["id"] for o in live_venue.orders()] == [order.venue_order_id]


# --- who may take an order -------------------------------------------------------------------


def test_a_claimed_order_is_not_claimed_again_before_its_lease_ends() -> None:
    order = OrderFactory(mode=TradingMode.LIVE, status=OrderStatus.SIGNED)
    bystander = OrderFactory(mode=TradingMode.LIVE, status=OrderStatus.SIGNED)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        claimed = order_claim(order_id=order.pk)
    assert claimed is not None and claimed.pk == order.pk
    assert (claimed.lease_until, claimed.attempts) == (start + executor.LEASE, 1)
    with time_machine.travel(start + executor.LEASE, tick=False):  # at its end: still held
        assert order_claim(order_id=order.pk) is None
    with time_machine.travel(start + executor.LEASE + timedelta(microseconds=1), tick=False):
        again = order_claim(order_id=order.pk)
    assert again is not None and again.attempts == 2
    bystander.refresh_from_db()
    assert (bystander.lease_until, bystander.attempts) == (None, 0)


@pytest.mark.parametrize(
    "status",
    [
        OrderStatus.LIVE,
        OrderStatus.DELAYED,
        OrderStatus.MATCHED,
        OrderStatus.CANCELLED,
        OrderStatus.REJECTED,
    ],
)
def test_an_order_past_its_send_is_not_claimed(status: OrderStatus) -> None:
    order = OrderFactory(mode=TradingMode.LIVE, status=status)
    assert order_claim(order_id=order.pk) is None
    order.refresh_from_db()
    assert (order.lease_until, order.attempts) == (None, 0)


def test_a_cancelled_order_submitted_again_is_left_cancelled(live_venue: SandboxHandle) -> None:
    order = order_submit(order_id=live_intent(live_venue).pk)
    get_venue().cancel(str(order.venue_order_id))
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    assert order_submit(order_id=order.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED


def test_an_order_another_worker_holds_is_left_to_it(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed = _signed_back(live_venue, monkeypatch)
    held_until = timezone.now() + timedelta(seconds=20)
    Order.objects.filter(pk=signed.pk).update(lease_until=held_until)
    order = order_submit(order_id=signed.pk)
    assert order.status == OrderStatus.SIGNED and live_venue.orders() == []
    assert (order.lease_until, order.attempts) == (held_until, signed.attempts)


def test_a_worker_that_loses_the_claim_while_signing_sends_nothing(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = live_intent(live_venue)
    held_until = timezone.now() + timedelta(seconds=30)

    def another_worker_claims(*args: Any, **kwargs: Any) -> None:
        Order.objects.filter(pk=order.pk).update(lease_until=held_until)

    _spy(monkeypatch, "sign_order", another_worker_claims)
    result = order_submit(order_id=order.pk)
    assert (result.pk, result.status, result.signed_order) == (order.pk, OrderStatus.INTENT, None)
    assert result.lease_until == held_until and live_venue.orders() == []


# --- what each send tells the breakers -------------------------------------------------------


def _error_rate_watched(monkeypatch: pytest.MonkeyPatch, **rules: Any) -> Any:
    monkeypatch.setattr(executor, "_recent_failures", deque(maxlen=executor.ERROR_RATE_WINDOW))
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    for name, value in rules.items():
        setattr(strategy.risk_rules, name, value)
    strategy.risk_rules.save()
    return strategy


@pytest.mark.parametrize(
    ("failure", "left"),
    [(401, OrderStatus.SIGNED), (503, OrderStatus.SIGNED), (502, OrderStatus.UNKNOWN)],
)
def test_a_venue_that_refuses_or_loses_a_send_counts_as_failing(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch, failure: int, left: OrderStatus
) -> None:
    strategy = _error_rate_watched(monkeypatch, breaker_max_error_rate=D("0.5"))
    if failure == 503:
        live_venue.faults.cancel_only()  # "Trading is currently cancel-only"
    else:
        live_venue.faults.http_status("/order", failure)
    order = order_submit(order_id=live_intent(live_venue, strategy=strategy).pk)
    assert order.status == left
    breaker = Breaker.objects.get(strategy=strategy, kind=BreakerKind.ERROR_RATE)
    assert (breaker.state, breaker.last_value) == (Breaker.State.OPEN, D(1))


def test_orders_the_venue_refuses_are_not_venue_failures(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    strategy = _error_rate_watched(monkeypatch, breaker_max_error_rate=D("0.5"))
    for _ in range(2):
        order = order_submit(
            order_id=live_intent(live_venue, strategy=strategy, size=D(2), notional=D("0.4")).pk
        )
        assert (order.status, order.error_code) == (OrderStatus.REJECTED, "below_min_size")
    breaker = Breaker.objects.filter(strategy=strategy, kind=BreakerKind.ERROR_RATE).first()
    assert breaker is None or (breaker.state, breaker.last_value) == ("closed", D(0))


def test_a_send_slower_than_the_latency_limit_trips_the_latency_breaker(
    live_venue: SandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    strategy = _error_rate_watched(monkeypatch, breaker_max_latency_ms=40)
    live_venue.faults.latency("/order", seconds=0.05, count=1)
    order = order_submit(order_id=live_intent(live_venue, strategy=strategy).pk)
    assert order.status == OrderStatus.LIVE
    breaker = Breaker.objects.get(strategy=strategy, kind=BreakerKind.LATENCY)
    assert breaker.state == Breaker.State.OPEN
    assert breaker.last_value is not None and breaker.last_value >= 50


def test_the_breakers_read_a_sent_orders_strategy_and_rules_in_one_statement(
    live_venue: SandboxHandle,
) -> None:
    """After a send, what the latency and error-rate breakers read of the order's strategy
    (the strategy and its rules) costs one statement when the order has not loaded them, and
    none when it has."""
    sent = order_submit(order_id=live_intent(live_venue).pk)
    assert sent.strategy_id is not None
    not_loaded = Order.objects.get(pk=sent.pk)
    with CaptureQueriesContext(connection) as cold:
        executor._observe_send(not_loaded, time.perf_counter(), failed=False)
    loaded = Order.objects.select_related("strategy__risk_rules").get(pk=sent.pk)
    with CaptureQueriesContext(connection) as warm:
        executor._observe_send(loaded, time.perf_counter(), failed=False)
    assert len(cold) == len(warm) + 1
    assert loaded.strategy is not None and not_loaded.strategy is not None
    assert loaded.strategy.risk_rules_id == not_loaded.strategy.risk_rules_id
