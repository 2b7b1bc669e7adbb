"""A worker killed (SIGKILL) anywhere in the send path never makes a second venue order.

Each run forks a worker that submits one committed intent and kills itself at a checkpoint:
right after the intent committed, after the signed order was stored, after the POST reached
the venue (answer not stored), and after the answer was stored. Recovery is what a restart
does — the dead worker's lease runs out, the sweep submits what is pending, reconciliation
runs, the fill sync runs twice — and then the venue must hold exactly one order per intent
and every fill must be recorded once.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from execution import executor
from execution.markets import market_for_token
from execution.models import Fill, Order, OrderStatus
from execution.reconcile import reconcile
from execution.sync import fills_sync
from execution.venue import adapter as adapter_module
from execution.venue.session import get_venue, reset_venue
from ltproject.domain import OrderType, Side, TradingMode
from sandbox.testing import SandboxHandle
from tests.factories import OrderFactory, StrategyFactory

RUNS = 25
D = Decimal


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        _die()
        return result

    return wrapped


def _arm(checkpoint: str) -> None:
    """In the child: make it die at `checkpoint` (the production code stays untouched)."""
    if checkpoint == "after_intent":
        _die()
    elif checkpoint == "after_sign":
        executor._send = lambda *args, **kwargs: _die()  # type: ignore[assignment]
    elif checkpoint == "after_post":
        real = adapter_module.VenueAdapter.post_order
        adapter_module.VenueAdapter.post_order = _after(real)  # type: ignore[method-assign]
    elif checkpoint == "after_response":
        executor._acknowledge = _after(executor._acknowledge)


def _worker(order_id: int, checkpoint: str) -> None:
    """Fork a worker that submits one order and is killed at the checkpoint."""
    connections.close_all()  # parent and child each open their own connection
    pid = os.fork()
    if pid == 0:
        try:
            # Fresh HTTP connections and adapter: the parent's sockets are not the child's.
            adapter_module.configure_transport(https=False, timeout_s=5.0)
            reset_venue()
            _arm(checkpoint)
            executor.order_submit(order_id=order_id)
        finally:
            os._exit(0)  # reached only if the checkpoint was never passed
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _intents(sandbox: SandboxHandle) -> list[Order]:
    token = sandbox.market("btc-above-150k-2026").yes.token_id
    market = market_for_token(venue=get_venue(), token_id=token)
    ask = get_venue().book(token).best_ask
    assert ask is not None
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    return [
        OrderFactory(
            strategy=strategy,
            market=market,
            token_id=token,
            mode=TradingMode.LIVE,
            order_type=OrderType.FAK,
            side=Side.BUY,
            price=ask,
            size=D(5),
            notional=D(5) * ask,
        )
        for _ in range(RUNS)
    ]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "checkpoint", ["after_intent", "after_sign", "after_post", "after_response"]
)
def test_sigkill_at_each_checkpoint_leaves_one_venue_order_per_intent(
    live_venue: SandboxHandle, checkpoint: str
) -> None:
    intents = _intents(live_venue)
    for intent in intents:
        _worker(intent.pk, checkpoint)
    # Restart, a minute later: the dead workers' leases have run out, unanswered sends are
    # past their grace period; the sweep and reconciliation run.
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    Order.objects.update(lease_until=a_minute_ago)
    Order.objects.exclude(posted_at=None).update(posted_at=a_minute_ago)
    reset_venue()
    for intent in intents:
        executor.order_submit(order_id=intent.pk)
    reconcile()
    fills_sync()
    fills_sync()

    at_venue = [o["id"] for o in live_venue.orders()]
    mine = [Order.objects.get(pk=i.pk) for i in intents]
    assert len(at_venue) == RUNS == len(set(at_venue))
    assert sorted(at_venue) == sorted(str(o.venue_order_id) for o in mine)
    assert all(o.status == OrderStatus.MATCHED for o in mine)
    fills = Fill.objects.filter(order__in=mine)
    assert fills.count() == len({(f.venue_trade_id, f.order_id) for f in fills})
    assert sum(f.size for f in fills) == D(5) * RUNS
