"""Measures what the venue stream buys (for `bench_stream`; see there).

Usage: python -m bench.stream_reaction   (DATABASE_URL: a migrated, empty database)
Prints one JSON object with `stop_reaction` and `fill_lag` figures, stream and polling.

An in-process sandbox venue, LT's `StreamRunner` on its channels, and one exit per trigger:
  - stop_reaction: a position with a 10 % stop; another trader sells through the bids down to
    a support bid under the stop; measured from that sell's arrival at the venue to the
    arrival of LT's exit order. The book is then restored (the crowd re-quotes) and a new
    position is opened, `TRIGGERS` times.
  - fill_lag: another trader takes an order LT rests; from the venue's match to the commit
    of LT's fill row (`lt_fills.created_at`), `FILLS` times.
Polling's figures beside them are the schedule's: a condition met at a uniformly random
moment waits for the next one-minute pass, plus the pass's own duration (measured here).
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from decimal import Decimal

import django

django.setup()

from django.db import connections  # noqa: E402

from bench.stream_setup import live_sandbox  # noqa: E402
from execution.executor import order_submit  # noqa: E402
from execution.models import Fill, Order, OrderStatus, Position  # noqa: E402
from execution.stops import stops_cycle  # noqa: E402
from execution.stream_runner import StreamRunner  # noqa: E402
from execution.sync import fills_sync  # noqa: E402
from execution.venue import OrderRequest, VenueAdapter  # noqa: E402
from execution.venue.session import get_venue  # noqa: E402
from ltproject.domain import OrderType, Side, TradingMode  # noqa: E402
from risk.models import RiskRules  # noqa: E402
from sandbox.engine import Order as VenueOrder  # noqa: E402
from strategies.services import strategy_create  # noqa: E402

TRIGGERS = 200
FILLS = 200
POLL_PERIOD_S = 60.0
D = Decimal


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def _figures(samples_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples_ms), 1),
        "p99_ms": round(_percentile(samples_ms, 99), 1),
        "n": len(samples_ms),
    }


def _polling(pass_ms: float) -> dict[str, float]:
    """A one-minute schedule: p50 half a period, p99 99 % of one, plus the pass itself."""
    return {
        "poll_p50_ms": round(POLL_PERIOD_S * 1000 * 0.5 + pass_ms, 1),
        "poll_p99_ms": round(POLL_PERIOD_S * 1000 * 0.99 + pass_ms, 1),
    }


class Arrivals:
    """When the venue received each order (its own submit, wrapped)."""

    def __init__(self, venue: object) -> None:
        self.at: dict[str, float] = {}
        submit = venue.submit  # type: ignore[attr-defined]

        def timed(order: VenueOrder) -> object:
            self.at[order.id] = time.perf_counter()
            return submit(order)

        venue.submit = timed  # type: ignore[attr-defined]


def _wait(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the stream did not react")
        time.sleep(0.001)


def main() -> None:
    setup = live_sandbox(seed=1)
    sandbox, other, market, token = setup.sandbox, setup.other, setup.market, setup.token
    arrivals = Arrivals(sandbox.venue)

    runner = StreamRunner(ws_host="ws://" + sandbox.url.removeprefix("http://"))
    thread = threading.Thread(target=runner.run, kwargs={"standby_poll_s": 0.1}, daemon=True)
    thread.start()
    _wait(lambda: bool(runner.token) and all(c.connected for c in runner.channels), 10)
    # The market channel follows tokens LT holds: one small position without stops makes it
    # follow this one (it subscribes within its re-read period, then sends the book).
    holder = strategy_create(slug="holder", mode="live")
    Position.objects.create(
        strategy=holder, market_id=market.pk, token_id=token, mode=TradingMode.LIVE,
        size=D(1), avg_cost=D("0.5"), cost_basis=D("0.5"),
    )  # fmt: skip
    _wait(lambda: token in runner.processor.books, 10)

    reactions = [
        _stop_reaction(n, sandbox, runner, other, token, market.pk, arrivals)
        for n in range(TRIGGERS)
    ]
    stops_pass_ms = _timed_ms(stops_cycle)
    # A stop position whose exit found no bid is still open: left so, its stop would sell into
    # the bids LT rests next and take them before the other trader can.
    Position.objects.filter(strategy__slug__startswith="stop-", status="open").update(
        status="closed", size=0, cost_basis=0
    )
    runner.positions_changed()
    lags = [_fill_lag(n, sandbox, other, token, market.pk) for n in range(FILLS)]
    sync_pass_ms = _timed_ms(fills_sync)
    runner.stop()
    thread.join(timeout=10)
    sandbox.stop()
    connections.close_all()
    print(
        json.dumps(
            {
                "stop_reaction": {**_figures(reactions), **_polling(stops_pass_ms)},
                "fill_lag": {**_figures(lags), **_polling(sync_pass_ms)},
            }
        )
    )


def _timed_ms(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def _stop_reaction(
    n: int,
    sandbox: object,
    runner: StreamRunner,
    other: VenueAdapter,
    token: str,
    market_id: int,
    arrivals: Arrivals,
) -> float:
    venue = sandbox.venue  # type: ignore[attr-defined]
    venue.step(1)  # the crowd re-quotes: a fresh book for this trigger
    bid = get_venue().book(token).best_bid
    assert bid is not None
    # The position opens once the stream has the new book (it acts on what it has seen).
    _wait(lambda: _streamed_bid(runner, token) == bid)
    strategy = strategy_create(slug=f"stop-{n}", mode="live")
    RiskRules.objects.filter(strategy=strategy).update(stop_loss_pct=10)
    Position.objects.create(
        strategy=strategy, market_id=market_id, token_id=token, mode=TradingMode.LIVE,
        size=D(10), avg_cost=bid, cost_basis=bid * 10,
    )  # fmt: skip
    # A position the stream did not book itself (none of its fills came through it) is
    # picked up on its next re-read; here, at once.
    runner.positions_changed()
    stop = bid * D("0.9")
    support = (stop - D("0.05")).quantize(D("0.01"))
    other.post_order(other.sign_order(OrderRequest(token, Side.BUY, support, D(50))))
    before = set(arrivals.at)
    sell = other.sign_order(
        OrderRequest(token, Side.SELL, support + D("0.01"), D(100_000), OrderType.FAK)
    )
    other.post_order(sell)
    triggered = arrivals.at[sell.order_hash]
    exit_id: list[str] = []

    def exit_arrived() -> bool:
        order = Order.objects.filter(strategy=strategy, side=Side.SELL).first()
        if order is None or not order.venue_order_id or order.venue_order_id not in arrivals.at:
            return False
        exit_id.append(order.venue_order_id)
        return True

    _wait(exit_arrived)
    assert exit_id[0] not in before
    other.cancel_all()
    return (arrivals.at[exit_id[0]] - triggered) * 1000


def _streamed_bid(runner: StreamRunner, token: str) -> Decimal | None:
    live = runner.processor.books.get(token)
    return live.best_bid if live is not None else None


def _fill_lag(n: int, sandbox: object, other: VenueAdapter, token: str, market_id: int) -> float:
    venue = sandbox.venue  # type: ignore[attr-defined]
    strategy = strategy_create(slug=f"fill-{n}", mode="live")
    venue.step(1)  # the crowd re-quotes: LT bids one tick over its best bid, under its ask
    book = get_venue().book(token)
    assert book.best_bid is not None and book.best_ask is not None
    price = min(book.best_bid + D("0.01"), book.best_ask - D("0.01"))
    order = Order.objects.create(
        strategy=strategy, market_id=market_id, token_id=token, side=Side.BUY, mode="live",
        order_type=OrderType.GTC, purpose="entry", price=price, size=D(5),
        notional=price * 5, status=OrderStatus.INTENT, risk_check_passed=True,
    )  # fmt: skip
    order_submit(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.LIVE, order.status  # resting, for the taker to take
    matched: list[float] = []
    original = venue.exchange.on_trade

    def stamp(trade: object) -> None:
        matched.append(time.time())
        if original is not None:
            original(trade)

    venue.exchange.on_trade = stamp
    try:
        # Enough to reach LT's order behind any bid queued at its price before it.
        ahead = sum((level.size for level in book.bids if level.price >= price), D(0))
        take = OrderRequest(token, Side.SELL, price, ahead + 5, OrderType.FAK)
        other.post_order(other.sign_order(take))
    finally:
        venue.exchange.on_trade = original
    _wait(lambda: Fill.objects.filter(order=order).exists())
    created = Fill.objects.get(order=order).created_at.timestamp()
    return (created - matched[0]) * 1000


if __name__ == "__main__":
    main()
