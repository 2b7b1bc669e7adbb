"""`lt_stream` against the sandbox venue's WebSocket channels: fills and stops within a second,
one acting process with a stand-by that takes over, gaps healed from REST."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from subprocess import DEVNULL

import httpx
import pytest
from django.db import connection, connections

from execution import executor
from execution.markets import market_for_token
from execution.models import Fill, Order, OrderPurpose, Position, StreamStatus
from execution.stream_runner import LEASE, StreamRunner
from execution.sync import fills_sync
from execution.venue import OrderRequest, VenueAdapter
from execution.venue.session import get_venue
from ltproject.domain import OrderType, Side, TradingMode
from monitoring.models import Lease
from sandbox.testing import SandboxHandle
from tests.execution.helpers import live_intent
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
SLUG = "btc-above-150k-2026"
ROOT = Path(__file__).resolve().parents[2]


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> float:
    """Seconds until `condition` held (fails the test past `seconds`)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


class _Running:
    def __init__(self, url: str) -> None:
        self.runner = StreamRunner(ws_host="ws://" + url.removeprefix("http://"))
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.runner.run(standby_poll_s=0.2)
        finally:
            connections.close_all()

    def start(self) -> _Running:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.runner.stop()
        self.thread.join(timeout=10)

    @property
    def acting(self) -> bool:
        return bool(self.runner.token) and all(c.connected for c in self.runner.channels)


@pytest.fixture
def stream(live_venue: SandboxHandle) -> Iterator[Callable[[], _Running]]:
    started: list[_Running] = []

    def start() -> _Running:
        running = _Running(live_venue.url).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def _taker(sandbox: SandboxHandle) -> VenueAdapter:
    other = sandbox.other_account
    sandbox.fund(other.address, pusd=10_000)
    adapter = VenueAdapter(host=sandbox.url, chain_id=137, private_key=other.private_key)
    adapter.connect()
    return adapter


def test_a_fill_arrives_through_the_stream_and_the_poll_adds_nothing(
    live_venue: SandboxHandle, stream: Callable[[], _Running]
) -> None:
    running = stream()
    order = live_intent(live_venue, price=D("0.20"), size=D(10))
    executor.order_submit(order_id=order.pk)
    _wait_for(lambda: running.acting)
    taker = _taker(live_venue)
    token = order.token_id
    sell = OrderRequest(
        token_id=token, side=Side.SELL, price=D("0.20"), size=D(10), order_type=OrderType.FAK
    )
    # The crowd's bids sit above LT's 0.20: clear them first so the taker reaches LT's order.
    live_venue.fund(taker.address, token_id=token, shares=100_000)
    taker.post_order(taker.sign_order(OrderRequest(token_id=token, side=Side.SELL,
                                                   price=D("0.21"), size=D(50_000),
                                                   order_type=OrderType.FAK)))  # fmt: skip
    taker.post_order(taker.sign_order(sell))
    _wait_for(lambda: Fill.objects.filter(order=order).exists())
    assert fills_sync() == 0  # the poll finds it booked
    assert Fill.objects.filter(order=order).count() == 1


def test_a_stop_crossed_on_the_book_exits_within_a_second(
    live_venue: SandboxHandle, stream: Callable[[], _Running]
) -> None:
    market = live_venue.market(SLUG)
    token = market.yes.token_id
    bid = get_venue().book(token).best_bid
    assert bid is not None
    strategy = StrategyFactory(mode=TradingMode.LIVE, risk_rules__stop_loss_pct=D(10))
    Position.objects.create(
        strategy=strategy, market=market_for_token(venue=get_venue(), token_id=token),
        token_id=token, mode=TradingMode.LIVE, size=D(20), avg_cost=bid, cost_basis=bid * 20,
    )  # fmt: skip
    live_venue.fund(live_venue.account.address, token_id=token, shares=20)
    running = stream()
    _wait_for(lambda: running.acting and token in running.runner.processor.books)
    live_venue.venue.crowd.fair[market.condition_id] = float(bid) * 0.7  # news: -30 %
    started = time.monotonic()
    live_venue.step(1)  # the crowd re-quotes far below the stop
    _wait_for(lambda: Order.objects.filter(strategy=strategy, side=Side.SELL).exists(), 2.0)
    reaction = time.monotonic() - started
    exit_order = Order.objects.get(strategy=strategy, side=Side.SELL)
    assert exit_order.purpose == OrderPurpose.STOP_LOSS and reaction < 1.0
    _wait_for(lambda: any(o["side"] == "SELL" and o["asset_id"] == token
                          for o in live_venue.orders()), 2.0)  # fmt: skip


def test_one_process_acts_and_a_standby_takes_over_within_ten_seconds(
    live_venue: SandboxHandle, stream: Callable[[], _Running]
) -> None:
    first = stream()
    _wait_for(lambda: first.acting)
    second = stream()
    time.sleep(1.0)
    assert not second.runner.token  # standing by
    assert Lease.objects.get(name=LEASE).holder == first.runner.token
    # The holder dies: its channels stop and it never renews nor releases (the lease is taken
    # from under it), so the stand-by gets it only when it runs out.
    Lease.objects.filter(name=LEASE).update(holder="a-dead-process")
    first.runner.halt.set()
    first.runner.stopping.set()
    took = _wait_for(lambda: second.acting, 12.0)
    assert took < 10.0


def test_dropped_connections_are_healed_from_rest_and_counted(
    live_venue: SandboxHandle, stream: Callable[[], _Running]
) -> None:
    running = stream()
    _wait_for(lambda: running.acting)
    httpx.post(f"{live_venue.url}/_sandbox/ws", json={"drop": True}).raise_for_status()
    _wait_for(lambda: all(c.gaps >= 1 for c in running.runner.channels) and running.acting)
    running.runner.status_write()
    rows = list(StreamStatus.objects.all())
    assert len(rows) == 2 and all(row.gaps >= 1 for row in rows)
    assert all(row.heals >= row.gaps + 1 for row in rows)  # a REST snapshot per connection


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _acting_pid() -> int | None:
    rows = list(StreamStatus.objects.filter(connected=True).values_list("holder", flat=True))
    pids = {int(holder.rsplit(" ", 1)[1]) for holder in rows if " pid " in holder}
    return pids.pop() if len(pids) == 1 and len(rows) == 2 else None


@pytest.mark.slow
def test_two_processes_one_acts_and_killing_it_hands_over_within_ten_seconds(
    live_venue: SandboxHandle,
) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.test_settings",
        "DATABASE_URL": _database_url(),
        "CLOB_HOST": live_venue.url,
        "SIGNER_PRIVATE_KEY": live_venue.account.private_key,
        "LIVE_TRADING": "true",
    }
    command = [sys.executable, "manage.py", "lt_stream"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=DEVNULL, stderr=DEVNULL)
        for _ in range(2)
    ]
    try:
        _wait_for(lambda: _acting_pid() is not None, 20.0)
        acting = _acting_pid()
        assert acting in {p.pid for p in processes}
        time.sleep(3)  # both running: still exactly one acts
        assert _acting_pid() == acting
        victim = next(p for p in processes if p.pid == acting)
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        _wait_for(lambda: _acting_pid() not in (None, acting), 15.0)
        assert time.monotonic() - killed_at < 10.0
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)
