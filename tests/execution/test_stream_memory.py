"""`lt_stream` keeps nothing per query nor per token it no longer follows: with DEBUG on, Django
logs every query of a connection (up to 9,000 each) until a request starts, and the stream
serves no request, so its loops clear their thread's log; a token's book goes when the token
is no longer followed. The process stays the size it started at however long it runs."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from pytest_django.fixtures import Settings

from execution import stream_runner
from execution.markets import market_for_token
from execution.models import Position, PositionStatus
from execution.stream import StreamProcessor
from execution.stream_runner import StreamRunner
from execution.venue.session import get_venue
from ltproject.domain import TradingMode
from sandbox.server import ClockDriver
from sandbox.testing import SandboxHandle
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db(transaction=True)
SLUG = "btc-above-150k-2026"
LOOPS = 60  # of each thread: the lease's, the market channel's (resubscribing), the user's
KEPT_AT_MOST = 40  # queries in any of the stream's connections' logs: one loop's, not 60


class _CountingRunner(StreamRunner):
    """The stream as `lt_stream` runs it, counting its lease loop's turns."""

    def __init__(self, **options: str) -> None:
        super().__init__(**options)
        self.status_writes = 0

    def status_write(self, *, connected: bool | None = None) -> None:
        super().status_write(connected=connected)
        self.status_writes += 1


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def quick_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same loops, turning 20 times faster, so that many turns fit in a short test.
    monkeypatch.setattr(stream_runner, "RENEW_EVERY_S", 0.05)
    monkeypatch.setattr(stream_runner, "RESUBSCRIBE_EVERY_S", 0.05)
    monkeypatch.setattr(stream_runner, "RECEIVE_TIMEOUT_S", 0.05)


@pytest.fixture
def acting(
    live_venue: SandboxHandle, settings: Settings, quick_loops: None
) -> Iterator[_CountingRunner]:
    settings.DEBUG = True  # as `make run` and `make soak` run it
    market = live_venue.market(SLUG)
    token = market.yes.token_id
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    Position.objects.create(
        strategy=strategy, market=market_for_token(venue=get_venue(), token_id=token),
        token_id=token, mode=TradingMode.LIVE, size=Decimal(20), avg_cost=Decimal("0.5"),
        cost_basis=Decimal(10),
    )  # fmt: skip
    runner = _CountingRunner(ws_host="ws://" + live_venue.url.removeprefix("http://"))

    def run() -> None:
        try:
            runner.run(standby_poll_s=0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    driver = ClockDriver(live_venue.venue, 30.0).start()  # the books move: market messages
    thread.start()
    yield runner
    runner.stop()
    thread.join(timeout=10)
    driver.stop()


def _stream_connections() -> list[BaseDatabaseWrapper]:
    mine = connections["default"]
    # type(), not isinstance(): isinstance asks a lazy object left by an earlier test (a
    # request's CSP nonce) for its __class__, which evaluates it, and that one raises.
    return [
        wrapper
        for wrapper in gc.get_objects()
        if issubclass(type(wrapper), BaseDatabaseWrapper) and wrapper is not mine
    ]


def test_the_streams_query_logs_stay_bounded_with_debug_on(acting: _CountingRunner) -> None:
    _wait_for(
        lambda: (
            acting.status_writes >= LOOPS
            and acting.processor.stats.messages >= LOOPS
            and all(channel.connected for channel in acting.channels)
        ),
        60,
    )
    logs = [len(wrapper.queries_log) for wrapper in _stream_connections()]
    assert logs, "the stream's threads have their own connections"
    # Each lease turn alone runs 5 queries (status rows, lease): without clearing, that
    # thread's log would hold 300 by now.
    assert max(logs) <= KEPT_AT_MOST, logs


def test_a_token_no_longer_followed_leaves_no_book_behind(acting: _CountingRunner) -> None:
    (position,) = Position.objects.all()
    books = acting.processor.books
    _wait_for(lambda: position.token_id in books, 30)
    Position.objects.filter(pk=position.pk).update(status=PositionStatus.CLOSED, size=0)
    _wait_for(lambda: position.token_id not in acting.channels[0].subscribed, 30)
    _wait_for(lambda: position.token_id not in books, 30)
    assert position.token_id not in acting.processor._observed


def test_positions_re_read_share_one_strategy_per_strategy() -> None:
    """A strategy and its rules refer to each other: a copy per position re-read would be
    garbage only the full collection frees."""
    strategy = StrategyFactory(mode=TradingMode.LIVE)
    for token in ("1", "2", "3"):
        Position.objects.create(
            strategy=strategy, token_id=token, mode=TradingMode.LIVE, size=Decimal(1),
            avg_cost=Decimal("0.5"), cost_basis=Decimal("0.5"),
        )  # fmt: skip
    processor = StreamProcessor()
    assert processor.holdings_reload() == {"1", "2", "3"}
    holdings = [h for held in processor._holdings.values() for h in held]
    assert len(holdings) == 3
    assert len({id(h.strategy) for h in holdings}) == len({id(h.rules) for h in holdings}) == 1
