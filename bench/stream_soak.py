"""Five minutes of trading with the stream's connections dropped every 10 s and its acting
process killed (SIGKILL) half way (for `bench_stream`; see there).

Usage: python -m bench.stream_soak   (DATABASE_URL: a migrated, empty database;
SOAK_SECONDS, default 300)
Prints one JSON object. Two `lt_stream` processes follow an in-process sandbox venue running
at its default speed with the `ws_drop` fault every 10 s. Meanwhile LT rests orders that
another trader takes, and opens positions whose 10 % stop that trader's selling crosses. No
fill sync runs here: whatever LT books comes through the stream and its healing after gaps.
At the end every venue trade of LT's orders must be booked exactly once and every crossed
stop must have its exit; the drops, gaps and REST snapshots are counted.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

django.setup()

from django.db.models import Count  # noqa: E402

from bench.stream_setup import live_sandbox  # noqa: E402
from execution.executor import order_submit  # noqa: E402
from execution.fills import own_fills  # noqa: E402
from execution.models import Fill, Order, OrderStatus, Position, StreamStatus  # noqa: E402
from execution.venue import OrderRejected, OrderRequest, VenueAdapter  # noqa: E402
from execution.venue.session import get_venue  # noqa: E402
from ltproject.domain import OrderType, Side, TradingMode  # noqa: E402
from risk.models import RiskRules  # noqa: E402
from sandbox.server import ClockDriver  # noqa: E402
from sandbox.testing import TEST_PRIVATE_KEY  # noqa: E402
from strategies.models import Strategy  # noqa: E402
from strategies.services import strategy_create  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOAK_S = float(os.environ.get("SOAK_SECONDS", "300"))
STOP_EVERY_S = 3.0  # a new position, then its stop crossed once the stream follows it
SETTLE_S = 20.0
D = Decimal


def _acting_pid() -> int | None:
    holders = set(StreamStatus.objects.filter(connected=True).values_list("holder", flat=True))
    return int(holders.pop().rsplit(" ", 1)[1]) if len(holders) == 1 else None


def main() -> None:
    setup = live_sandbox(seed=5)
    sandbox, lt, other, market, token = (
        setup.sandbox, setup.lt, setup.other, setup.market, setup.token,
    )  # fmt: skip
    resting = strategy_create(slug="soak-rest", mode="live")
    # The stream follows tokens LT holds: one small position without stops from the start.
    Position.objects.create(
        strategy=resting, market=market, token_id=token, mode=TradingMode.LIVE,
        size=D(1), avg_cost=D("0.5"), cost_basis=D("0.5"),
    )  # fmt: skip

    env = {
        **os.environ,
        "CLOB_HOST": sandbox.url,
        "SIGNER_PRIVATE_KEY": TEST_PRIVATE_KEY,
        "LIVE_TRADING": "true",
        "LT_EXECUTOR_AUTOSTART": "true",
    }
    command = [sys.executable, "manage.py", "lt_stream"]
    streams = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(2)
    ]
    driver = ClockDriver(sandbox.venue, 1.0).start()
    sandbox.venue.faults.ws_drop(every_seconds=10.0)
    crossed: list[int] = []
    killed_at: float | None = None
    victim: int | None = None
    handover_s: float | None = None
    try:
        deadline = time.monotonic() + 30
        while _acting_pid() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("no stream process acted")
            time.sleep(0.2)
        started = time.monotonic()
        next_stop = started
        pending: list[tuple[int, float]] = []  # (position, when its stop may be crossed)
        while time.monotonic() - started < SOAK_S:
            now = time.monotonic()
            if killed_at is None and now - started > SOAK_S / 2:
                victim = _acting_pid()
                if victim is not None:
                    os.kill(victim, signal.SIGKILL)
                    killed_at = now
            if killed_at is not None and handover_s is None:
                pid = _acting_pid()  # the dead one's rows stand until the next one writes
                if pid is not None and pid != victim:
                    handover_s = round(time.monotonic() - killed_at, 1)
            if now >= next_stop:
                pending.append((_open_position(market.pk, token), now + 2.5))
                next_stop = now + STOP_EVERY_S
            due = [p for p, at in pending if at <= now]
            pending = [(p, at) for p, at in pending if at > now]
            for position in due:
                if _cross_stop(position, token, other):
                    crossed.append(position)
            _rest_and_take(resting, market.pk, token, other)
        time.sleep(SETTLE_S)  # the last gaps heal, the last trades settle
        report = _report(lt, crossed, sandbox)
    finally:
        driver.stop()
        for process in streams:
            process.terminate()
        for process in streams:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        sandbox.stop()
    print(json.dumps({**report, "kills": 1 if killed_at else 0, "handover_s": handover_s}))


def _open_position(market_id: int, token: str) -> int:
    bid = get_venue().book(token).best_bid or D("0.5")
    strategy = strategy_create(slug=f"soak-stop-{time.monotonic_ns()}", mode="live")
    RiskRules.objects.filter(strategy=strategy).update(stop_loss_pct=10)
    position = Position.objects.create(
        strategy=strategy, market_id=market_id, token_id=token, mode=TradingMode.LIVE,
        size=D(5), avg_cost=bid, cost_basis=bid * 5,
    )  # fmt: skip
    return position.pk


def _cross_stop(position_id: int, token: str, other: VenueAdapter) -> bool:
    """Sell through the bids down to a support bid under the position's stop."""
    position = Position.objects.get(pk=position_id)
    stop = position.avg_cost * D("0.9")
    support = (stop - D("0.03")).quantize(D("0.01"))
    if support < D("0.02"):
        return False
    other.post_order(other.sign_order(OrderRequest(token, Side.BUY, support, D(20))))
    sweep = OrderRequest(token, Side.SELL, support + D("0.01"), D(100_000), OrderType.FAK)
    # Refused when nothing is above the support to sell into: the bid is under the stop.
    with contextlib.suppress(OrderRejected):
        other.post_order(other.sign_order(sweep))
    return True


def _rest_and_take(strategy: Strategy, market_id: int, token: str, other: VenueAdapter) -> None:
    """LT bids one tick over the best bid; the other trader sells into it."""
    book = get_venue().book(token)
    if book.best_bid is None or book.best_ask is None:
        return
    price = min(book.best_bid + D("0.01"), book.best_ask - D("0.01"))
    if price <= 0:
        return
    order = Order.objects.create(
        strategy=strategy, market_id=market_id, token_id=token, side=Side.BUY, mode="live",
        order_type=OrderType.GTC, purpose="entry", price=price, size=D(5),
        notional=price * 5, status=OrderStatus.INTENT, risk_check_passed=True,
    )  # fmt: skip
    order_submit(order_id=order.pk)
    take = OrderRequest(token, Side.SELL, price, D(5), OrderType.FAK)
    with contextlib.suppress(OrderRejected):  # the crowd took it first: still LT's trade
        other.post_order(other.sign_order(take))
    time.sleep(0.2)


def _report(lt: VenueAdapter, crossed: list[int], sandbox: object) -> dict[str, object]:
    ids = {
        venue_id: pk
        for venue_id, pk in Order.objects.exclude(venue_order_id=None).values_list(
            "venue_order_id", "pk"
        )
        if venue_id
    }
    expected = {
        (fill.venue_trade_id, fill.order_id)
        for trade in lt.trades().trades
        for fill in own_fills(trade, ids)
    }
    booked = list(Fill.objects.values("venue_trade_id", "order_id").annotate(n=Count("pk")))
    got = {(row["venue_trade_id"], row["order_id"]) for row in booked}
    exited = set(
        Order.objects.filter(position_id__in=crossed, side=Side.SELL).values_list(
            "position_id", flat=True
        )
    )
    rows = {row.channel: row for row in StreamStatus.objects.all()}
    stats = sandbox.venue.ws_stats  # type: ignore[attr-defined]
    return {
        "seconds": SOAK_S,
        "fills_expected": len(expected),
        "fills_missing": len(expected - got),
        "fills_unknown": len(got - expected),
        "fills_twice": sum(1 for row in booked if row["n"] > 1),
        "stops_crossed": len(crossed),
        "stops_missed": len(set(crossed) - exited),
        "ws_drops": stats["drops"],
        "gaps": sum(row.gaps for row in rows.values()),
        "snapshots": sum(row.heals for row in rows.values()),
        "messages": sum(row.messages for row in rows.values()),
    }


if __name__ == "__main__":
    main()
