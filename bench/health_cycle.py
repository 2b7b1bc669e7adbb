"""One full health run over 1,000 open positions (for `bench_health`; see there).

Usage: python -m bench.health_cycle   (DATABASE_URL: a migrated, empty database)
Prints one JSON object: wall and CPU seconds of the run, and the slowest check.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from execution.markets import market_refresh  # noqa: E402
from execution.models import Fill, Order, OrderStatus, Position, ReconcileRun  # noqa: E402
from execution.venue.session import get_venue, reset_venue  # noqa: E402
from ltproject.domain import Side, TradingMode  # noqa: E402
from monitoring.health.runner import health_checks_run  # noqa: E402
from monitoring.models import VenueCalls  # noqa: E402
from risk.models import BudgetPeriod, BudgetWindow, RiskRules  # noqa: E402
from sandbox.chain import Anvil  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.testing import TEST_PRIVATE_KEY  # noqa: E402
from sandbox.venue import Venue  # noqa: E402
from strategies.models import Strategy  # noqa: E402
from strategies.services import strategy_create  # noqa: E402

POSITIONS, LIVE = 1000, 10
D = Decimal


def _book_of_state(tokens: list[tuple[int, str]]) -> None:
    # A strategy holds each token once at most (lt_positions_one_open_per_token): as many
    # strategies as it takes to hold 1,000 positions over the sandbox's tokens.
    count = -(-POSITIONS // len(tokens))
    strategies = [strategy_create(slug=f"health-{n}", mode="paper") for n in range(count)]
    Strategy.objects.filter(pk__in=[s.pk for s in strategies[:LIVE]]).update(mode=TradingMode.LIVE)
    RiskRules.objects.update(max_drawdown_pct=D(20), budget_weekly=D(1000))
    now = timezone.now()
    positions, orders, fills = [], [], []
    for n in range(POSITIONS):
        index = n // len(tokens)
        strategy = strategies[index]
        market_id, token = tokens[n % len(tokens)]
        mode = TradingMode.LIVE if index < LIVE else TradingMode.PAPER
        positions.append(
            Position(
                strategy=strategy,
                market_id=market_id,
                token_id=token,
                mode=mode,
                size=D(10),
                avg_cost=D("0.5"),
                cost_basis=D(5),
                mark_price=D("0.48"),
                marked_at=now,
            )
        )
        orders.append(
            Order(
                strategy=strategy,
                market_id=market_id,
                token_id=token,
                mode=mode,
                side=Side.BUY,
                order_type="GTC",
                price=D("0.5"),
                size=D(10),
                notional=D(5),
                size_matched=D(10),
                status=OrderStatus.MATCHED,
            )
        )
    Position.objects.bulk_create(positions)
    created = Order.objects.bulk_create(orders)
    for order in created:
        fills.append(
            Fill(
                order=order,
                venue_trade_id=f"t-{order.pk}",
                status="CONFIRMED",
                side=Side.BUY,
                trader_side="TAKER",
                price=D("0.5"),
                size=D(10),
                match_time=now,
            )
        )
    Fill.objects.bulk_create(fills)
    windows = [
        BudgetWindow(
            strategy=s,
            period=p,
            window_start=now.date()
            if p == BudgetPeriod.DAILY
            else now.date() - timedelta(days=now.weekday()),
            limit=D(100),
            spent=D(50),
        )
        for s in strategies
        for p in (BudgetPeriod.DAILY, BudgetPeriod.WEEKLY)
    ]
    BudgetWindow.objects.bulk_create(windows)
    ReconcileRun.objects.create(finished_at=now, agreed=True, collateral=D(10_000))
    minute = now.replace(second=0, microsecond=0)
    VenueCalls.objects.bulk_create(
        VenueCalls(
            process=f"web:{p}",
            minute=minute - timedelta(minutes=m),
            call=call,
            count=60,
            histogram={"10": 40, "20": 19, "30": 1},
            last_ok_at=minute - timedelta(minutes=m),
        )
        for p in range(3)
        for m in range(5)
        for call in ("post_order", "book", "books", "trades", "heartbeat", "balance")
    )


def main() -> None:
    anvil = Anvil().start()
    sandbox = SandboxServer(Venue(seed=0)).start()
    try:
        print(json.dumps(_measure(sandbox.url, anvil.rpc_url)))
    finally:
        sandbox.stop()
        anvil.stop()


def _measure(venue_url: str, rpc_url: str) -> dict[str, object]:
    settings.CLOB_HOST, settings.SIGNER_PRIVATE_KEY = venue_url, TEST_PRIVATE_KEY
    settings.CHAIN_RPC_URL = rpc_url
    reset_venue()
    venue = get_venue()
    tokens = []
    for raw in venue.markets():
        market = market_refresh(venue=venue, condition_id=raw["condition_id"])
        tokens += [(market.pk, t.token_id) for t in market.tokens.all()]
    _book_of_state(tokens)
    health_checks_run()  # connections and prepared clients warm, as in a running cluster
    cpu, wall = time.process_time(), time.perf_counter()
    rows = health_checks_run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    slowest = max(rows, key=lambda r: r.duration_ms or 0)
    return {
        "positions": Position.objects.count(),
        "strategies": Strategy.objects.count(),
        "checks": len(rows),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "slowest_check": slowest.name,
        "slowest_ms": float(slowest.duration_ms or 0),
        "statuses": {r.name: r.status for r in rows},
    }


if __name__ == "__main__":
    main()
