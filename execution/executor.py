"""The executor: an accepted order intent becomes exactly one venue order.

Each step is its own short transaction with the state it reached written down before the
next step's I/O, so a crash anywhere is recovered by looking at the row:

    intent ──sign──► signed ──mark──► submitted ──POST──► live | delayed | matched
                                          │                  rejected (budget released)
                                          └─ no answer ──► unknown ──lookup by hash──► …

The signed order and its hash are stored before the POST. After an ambiguous send the order
is looked up by that hash and, if the venue has not seen it, the *same signed bytes* are
sent again (the venue refuses a second copy of one hash) — it is never signed again.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from hotpath.orders import (
    intent_claim_and_store,
    lease_release,
    live_intent,
    order_update,
    strategy_with_rules,
)
from ltproject.domain import OrderType, Side, TradingMode
from monitoring.models import Alert
from monitoring.services import alert_create
from risk.models import BreakerKind

from . import risk_hooks
from .markets import market_refresh
from .models import Order, OrderStatus
from .paper import paper_execute
from .venue import (
    AuthError,
    OrderAck,
    OrderRejected,
    OrderRequest,
    OutcomeUnknown,
    RateLimited,
    RejectReason,
    SignedOrder,
    VenueError,
    VenuePaused,
)
from .venue.session import get_venue

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
# How long an unanswered send may stay unknown before the same bytes are sent again.
UNKNOWN_GRACE = timedelta(seconds=10)
ERROR_RATE_WINDOW = 20  # sends
SEND_ATTEMPTS = 3  # per submit, for refusals that placed nothing (429, stale balance cache)
RATE_LIMIT_BACKOFF_S = 0.5
SUBMITTABLE = (OrderStatus.INTENT, OrderStatus.SIGNED, OrderStatus.SUBMITTED, OrderStatus.UNKNOWN)
# Resolved by the health run once the strategy has an order the venue took again
# (monitoring.health.runner): never on the order path itself.
BALANCE_ALERT_PREFIX = "venue-balance-rejected:"
_ACK_STATUS = {
    "live": OrderStatus.LIVE,
    "delayed": OrderStatus.DELAYED,
    "matched": OrderStatus.MATCHED,
}

_pool: ThreadPoolExecutor | None = None


def order_dispatch(order_id: int) -> None:
    """Start submitting an order now (called after the intent's transaction commits).

    By default in the committing thread (LT_EXECUTOR_INLINE); otherwise on a small thread
    pool. The sweep job is the safety net when the process dies between commit and send.
    """
    if not settings.LT_EXECUTOR_AUTOSTART:
        return
    if settings.LT_EXECUTOR_INLINE:
        order_submit(order_id=order_id)
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lt-executor")
    _pool.submit(_in_worker, order_submit, order_id)


def _in_worker(step: Callable[..., object], order_id: int) -> None:
    try:
        step(order_id=order_id)
    except Exception:
        logger.exception("order %s: submit failed; the sweep will retry", order_id)
    finally:
        close_old_connections()


def order_claim(*, order_id: int) -> Order | None:
    """Take the order for one worker (conditional UPDATE); None if someone else holds it."""
    now = timezone.now()
    claimed = (
        Order.objects.filter(pk=order_id, status__in=SUBMITTABLE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    )
    return Order.objects.select_related("market").get(pk=order_id) if claimed else None


def order_submit(*, order_id: int) -> Order:
    """Drive one order as far as it can go now. Safe to call twice, concurrently or not."""
    with _collection_deferred():
        sent = _live_intent_submit(order_id)
    if sent is not None:
        return sent
    order = order_claim(order_id=order_id)
    if order is None:
        return Order.objects.get(pk=order_id)
    try:
        if order.mode == TradingMode.PAPER:
            return paper_execute(order=order)
        if order.status == OrderStatus.INTENT:
            signed = _sign(order)
            return _send(order, signed, marked=True) if signed else order
        if order.status in (OrderStatus.SUBMITTED, OrderStatus.UNKNOWN):
            return order_resolve_unknown(order=order)
        assert order.signed_order is not None
        return _send(order, SignedOrder.from_json(order.signed_order))
    finally:
        lease_release(order_id)


# --- the common case: a fresh live intent, on PostgreSQL -----------------------------------
# Two statements before the POST (`hotpath.orders`: a SELECT, then the claim that stores the
# signed order); other databases and other states take the general path above.


@contextmanager
def _collection_deferred() -> Iterator[None]:
    """No cyclic garbage collection between taking an intent and its POST.

    A collection landing there adds straight to the order's latency: measured in the
    signal_to_post bench's workers, one order in four met one (0.2-1.3 ms for the young
    generations, ~100 ms for a full pass). Allocation goes on; the pass runs after.
    """
    if not gc.isenabled():  # someone else's choice (or another thread's window): leave it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _live_intent_submit(order_id: int) -> Order | None:
    """Sign, store and send a live intent nobody holds; None when the general path must."""
    if connection.vendor != "postgresql":
        return None
    found = _live_intent(order_id)
    if found is None:
        return None
    order, market = found
    try:
        signed = get_venue().sign_order(_request(order), **market)
    except OrderRejected:
        return None  # the general path claims the order and records the refusal
    if not _claim_and_store(order, signed):
        return Order.objects.get(pk=order_id)  # another worker took it first
    try:
        return _send(order, signed, marked=True)
    finally:
        lease_release(order_id)


def _live_intent(order_id: int) -> tuple[Order, dict[str, Any]] | None:
    """The order and how its market signs, if it is a live intent nobody holds."""
    found = live_intent(order_id, now=timezone.now())
    if found is None:
        return None
    order, tick, neg_risk, version = found
    return order, _signing(tick, neg_risk, version)


def _signing(tick: Decimal | None, neg_risk: bool | None, version: int | None) -> dict[str, Any]:
    """`sign_order`'s market arguments; None lets the venue adapter look them up."""
    return {"tick_size": tick, "neg_risk": neg_risk, "exchange_version": version}


def _claim_and_store(order: Order, signed: SignedOrder) -> bool:
    """Claim the intent and store its signed order as `submitted` in one write, before the
    POST: from here on a crash means "maybe sent", resolved by looking the hash up."""
    now = timezone.now()
    signed_json = signed.to_json()
    claimed = intent_claim_and_store(
        order,
        signed_order=signed_json,
        order_hash=signed.order_hash,
        now=now,
        lease_until=now + LEASE,
    )
    if not claimed:
        return False
    order.status, order.signed_order, order.venue_order_id = (
        OrderStatus.SUBMITTED, signed_json, signed.order_hash,
    )  # fmt: skip
    order.signed_at = order.posted_at = now
    order.lease_until, order.attempts = now + LEASE, order.attempts + 1
    return True


def _request(order: Order) -> OrderRequest:
    expiration = 0
    if order.order_type == OrderType.GTD and order.expires_at is not None:
        # The venue enforces GTD a minute early ("security threshold"), so ask for a minute more.
        expiration = int(order.expires_at.timestamp()) + 60
    return OrderRequest(
        token_id=order.token_id,
        side=Side(order.side),
        price=order.price,
        size=order.size,
        order_type=OrderType(order.order_type),
        expiration=expiration,
        post_only=order.post_only,
    )


def _sign(order: Order) -> SignedOrder | None:
    """Sign, and store the signed order and its hash as `submitted` — in one write, before
    the POST: from here on a crash means "maybe sent", resolved by looking the hash up."""
    market = order.market
    signing = (
        _signing(market.tick_size, market.neg_risk, market.exchange_version)
        if market
        else _signing(None, None, None)
    )
    try:
        signed = get_venue().sign_order(_request(order), **signing)
    except OrderRejected as rejection:
        _reject(order, rejection)
        return None
    now = timezone.now()
    fields = {
        "status": OrderStatus.SUBMITTED,
        "signed_order": signed.to_json(),
        "venue_order_id": signed.order_hash,
        "signed_at": now,
        "posted_at": now,
    }
    Order.objects.filter(pk=order.pk, status=OrderStatus.INTENT).update(**fields)
    for name, value in fields.items():
        setattr(order, name, value)
    return signed


def _send(order: Order, signed: SignedOrder, *, marked: bool = False) -> Order:
    """POST the stored signed order; a refusal that placed nothing is retried in place."""
    if not marked:
        # Written before the POST: from here on a crash means "maybe sent".
        Order.objects.filter(pk=order.pk).update(
            status=OrderStatus.SUBMITTED, posted_at=timezone.now()
        )
    for attempt in range(1, SEND_ATTEMPTS + 1):
        started = time.perf_counter()
        try:
            ack = get_venue().post_order(signed)
        except RateLimited as refusal:
            _observe_send(order, started, failed=True)
            if attempt < SEND_ATTEMPTS:
                time.sleep(RATE_LIMIT_BACKOFF_S * 2 ** (attempt - 1))
                continue
            return _back_to_signed(order, refusal)  # the sweep sends it again later
        except (AuthError, VenuePaused) as refusal:
            # Nothing placed, and nothing wrong with the order: the sweep sends it later.
            _observe_send(order, started, failed=True)
            return _back_to_signed(order, refusal)
        except OutcomeUnknown as unknown:
            _observe_send(order, started, failed=True)
            _mark_unknown(order, unknown)
            return order_resolve_unknown(order=order, resend_after=UNKNOWN_GRACE)
        except OrderRejected as rejection:
            _observe_send(order, started, failed=False)
            if rejection.reason == RejectReason.DUPLICATE:
                # An earlier, unanswered send of these same bytes arrived: the order exists.
                Order.objects.filter(pk=order.pk).update(status=OrderStatus.LIVE)
                return Order.objects.get(pk=order.pk)
            if rejection.reason == RejectReason.INSUFFICIENT_BALANCE and attempt < SEND_ATTEMPTS:
                # The venue's balance/allowance cache lags the chain (reference pitfall 4):
                # have it re-read, then send the same bytes again (nothing was placed).
                get_venue().refresh_balance(order.token_id if order.side == Side.SELL else "")
                continue
            if rejection.reason == RejectReason.INVALID_PRICE:
                _market_reread(order)
            return _reject(order, rejection)
        _observe_send(order, started, failed=False)
        return _acknowledge(order, ack)
    raise AssertionError("unreachable: the last attempt always returns")


def _market_reread(order: Order) -> None:
    """The venue refused the price for its tick: it may have moved the market's tick. Read
    the market again so later orders price on the venue's tick; this order stays refused
    (it was signed for a price the venue will not take, and is never re-signed silently)."""
    if order.market is None:
        return
    try:
        market_refresh(venue=get_venue(), condition_id=order.market.condition_id)
    except VenueError as error:
        logger.warning("market %s not re-read: %s", order.market.condition_id, error.message)


# The last sends of this process, for the error-rate breaker (True = the venue failed us).
_recent_failures: deque[bool] = deque(maxlen=ERROR_RATE_WINDOW)
_recent_lock = threading.Lock()


def _observe_send(order: Order, started: float, *, failed: bool) -> None:
    """Feed the latency and error-rate breakers with what this send saw."""
    latency_ms = Decimal(f"{(time.perf_counter() - started) * 1000:.3f}")
    with _recent_lock:
        _recent_failures.append(failed)
        rate = Decimal(sum(_recent_failures)) / len(_recent_failures)
    _strategy_with_rules(order)
    risk_hooks.observe(order=order, kind=BreakerKind.LATENCY, value=latency_ms)
    risk_hooks.observe(
        order=order, kind=BreakerKind.ERROR_RATE, value=rate.quantize(Decimal("0.0001"))
    )


def _strategy_with_rules(order: Order) -> None:
    """Load the order's strategy and its rules (what the breakers read) in one plain query,
    instead of one query each."""
    if order.strategy_id is None or Order.strategy.is_cached(order):
        return
    strategy = strategy_with_rules(order.strategy_id)
    if strategy is not None:
        order.strategy = strategy


def order_resolve_unknown(*, order: Order, resend_after: timedelta = UNKNOWN_GRACE) -> Order:
    """Find an ambiguously sent order by its hash; re-send the same bytes once it is overdue."""
    assert order.venue_order_id
    found = get_venue().get_order(order.venue_order_id)
    if found is not None:
        status = _ACK_STATUS.get(found.status.lower(), OrderStatus.LIVE)
        if found.status.upper().startswith("CANCELED"):
            status = OrderStatus.CANCELLED
        Order.objects.filter(pk=order.pk).update(status=status, acked_at=timezone.now())
        order.refresh_from_db()
        return order
    if _seen_in_trades(order):
        # /data/order answers only for resting orders; a placed order that already traded
        # shows in the trade feed instead. The fill sync takes it from here.
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.LIVE, acked_at=timezone.now())
        return Order.objects.get(pk=order.pk)
    posted = order.posted_at or timezone.now()
    if timezone.now() - posted >= resend_after:
        assert order.signed_order is not None
        return _send(order, SignedOrder.from_json(order.signed_order))
    _mark_unknown(order, None)
    return Order.objects.get(pk=order.pk)


def _seen_in_trades(order: Order) -> bool:
    since = str(int((order.posted_at or timezone.now()).timestamp()) - 60)
    # Filter by market, not asset: a maker fill against the other outcome carries the
    # taker's asset id (reference/reliability.md §3).
    scope = {"market": order.market.condition_id} if order.market else {"asset_id": order.token_id}
    page = get_venue().trades(after=since, **scope)
    mine = order.venue_order_id
    return any(
        trade.taker_order_id == mine or any(leg.order_id == mine for leg in trade.maker_orders)
        for trade in page.trades
    )


def _acknowledge(order: Order, ack: OrderAck) -> Order:
    status = _ACK_STATUS.get(ack.status, OrderStatus.LIVE)
    if order.order_type in (OrderType.FAK, OrderType.FOK) and status == OrderStatus.LIVE:
        # Fill-and-kill orders never rest: whatever did not match is already gone.
        status = OrderStatus.CANCELLED
    order_update(order, status=status, acked_at=timezone.now(), error_code="", error_message="")
    if ack.status == "matched":
        _sync_fills_soon()
    return order


def _sync_fills_soon() -> None:
    """A match's trades are on the venue already: record them now (on the q-cluster, off this
    path) rather than at the next minute's sync, so the risk checks of the next signals see
    the position: exposure, position counts and what a SELL may reduce."""
    async_task("execution.tasks.sync_fills", task_name="sync_fills_after_match")


@transaction.atomic
def _reject(order: Order, rejection: OrderRejected) -> Order:
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.REJECTED,
        error_code=str(rejection.reason),
        error_message=rejection.message[:2000],
        completed_at=timezone.now(),
    )
    order.refresh_from_db()
    risk_hooks.budget_release_rest(order=order)
    if rejection.reason == RejectReason.INSUFFICIENT_BALANCE:
        # Still refused after a balance refresh: the wallet really lacks funds or allowance.
        wallet = "pUSD" if order.side == Side.BUY else "shares"
        alert_create(
            reason_code="VENUE_BALANCE_REJECTED",
            severity=Alert.Severity.CRITICAL,
            strategy=order.strategy,
            subject=f"Order refused by the venue: not enough {wallet} or allowance",
            message=f"{SEND_ATTEMPTS} sends, with a balance refresh between: {rejection.message}",
            context={
                "order": order.pk,
                "side": order.side,
                "size (shares)": order.size,
                "limit price": order.price,
                "notional (pUSD)": order.notional,
            },
            action="The order was dropped and its budget released; later orders of the "
            "strategy are tried as usual. Fund the wallet or set its allowance.",
            dedupe_key=f"{BALANCE_ALERT_PREFIX}{order.strategy_id or 'none'}",
            token_id=order.token_id,
        )
    return order


def _back_to_signed(order: Order, error: VenueError) -> Order:
    Order.objects.filter(pk=order.pk).update(
        status=OrderStatus.SIGNED,
        posted_at=None,
        error_code=type(error).__name__,
        error_message=error.message[:2000],
    )
    order.refresh_from_db()
    return order


def _mark_unknown(order: Order, error: VenueError | None) -> None:
    fields: dict[str, object] = {"status": OrderStatus.UNKNOWN}
    if error is not None:
        fields |= {"error_code": type(error).__name__, "error_message": error.message[:2000]}
    Order.objects.filter(pk=order.pk).update(**fields)
