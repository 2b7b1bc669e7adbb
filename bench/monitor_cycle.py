"""Runs one monitoring cycle over 1,000 open positions (for `bench_monitor`; see there).

Usage: python -m bench.monitor_cycle   (DATABASE_URL: a migrated, empty database)
Prints one JSON object: venue requests and CPU seconds of the cycle.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import django

django.setup()

from django.conf import settings  # noqa: E402

from execution.markets import market_refresh  # noqa: E402
from execution.models import Position  # noqa: E402
from execution.stops import stops_cycle  # noqa: E402
from execution.sync import fills_sync  # noqa: E402
from execution.venue.session import get_venue, reset_venue  # noqa: E402
from ltproject.domain import TradingMode  # noqa: E402
from risk.models import RiskRules  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.testing import TEST_PRIVATE_KEY  # noqa: E402
from sandbox.venue import Venue  # noqa: E402
from sandbox.wire import Request, Response  # noqa: E402
from strategies.services import strategy_create  # noqa: E402

POSITIONS = 1000


class RequestCounter:
    def __init__(self, server: SandboxServer) -> None:
        self.count = 0
        self._dispatch = server.httpd.api.dispatch
        server.httpd.api.dispatch = self.dispatch  # type: ignore[method-assign]

    def dispatch(self, request: Request) -> Response:
        self.count += 1
        return self._dispatch(request)


def _positions(tokens: list[tuple[int, str]]) -> None:
    strategies = [
        strategy_create(slug=f"mon-{n}", mode="paper") for n in range(-(-POSITIONS // len(tokens)))
    ]
    RiskRules.objects.update(stop_loss_pct=50, take_profit_pct=200, trailing_stop_pct=60)
    rows = [
        Position(
            strategy=strategy, market_id=market_id, token_id=token, mode=TradingMode.LIVE,
            size=Decimal(10), avg_cost=Decimal("0.5"), cost_basis=Decimal(5),
        )
        for strategy in strategies
        for market_id, token in tokens
    ][:POSITIONS]  # fmt: skip
    Position.objects.bulk_create(rows)


def main() -> None:
    sandbox = SandboxServer(Venue(seed=0)).start()
    settings.CLOB_HOST, settings.SIGNER_PRIVATE_KEY = sandbox.url, TEST_PRIVATE_KEY
    reset_venue()
    venue = get_venue()
    tokens = []
    for raw in venue.markets():
        market = market_refresh(venue=venue, condition_id=raw["condition_id"])
        tokens += [(market.pk, t.token_id) for t in market.tokens.all()]
    _positions(tokens)
    counter = RequestCounter(sandbox)
    cpu, wall = time.process_time(), time.perf_counter()
    fills_sync()
    exits = stops_cycle()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sandbox.stop()
    print(
        json.dumps(
            {
                "positions": Position.objects.count(),
                "venue_requests": counter.count,
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "exits": len(exits),
            }
        )
    )


if __name__ == "__main__":
    main()
