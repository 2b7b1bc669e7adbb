"""Memory and CPU of `lt_stream` following 1,000 tokens (for `bench_stream`; see there).

Usage: python -m bench.stream_load   (DATABASE_URL: a migrated, empty database)
Prints one JSON object: the stream process's peak RSS, its CPU share of one core and the
messages it handled per second, over `MEASURE_S` of the sandbox running at its default speed
(one step a second: the crowd re-quotes every book, so every followed token changes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

django.setup()

from django.conf import settings  # noqa: E402

from execution.models import Position, StreamStatus  # noqa: E402
from ltproject.domain import TradingMode  # noqa: E402
from sandbox.scenario import parse_scenario  # noqa: E402
from sandbox.server import ClockDriver  # noqa: E402
from sandbox.testing import TEST_PRIVATE_KEY, start_sandbox  # noqa: E402
from strategies.services import strategy_create  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MARKETS = 500  # two tokens each
MEASURE_S = 60.0
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _wait(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the stream did not subscribe")
        time.sleep(0.2)


def main() -> None:
    scenario = parse_scenario(
        {"markets": [{"slug": f"load-{n}", "mid": "0.5"} for n in range(MARKETS)]}
    )
    sandbox = start_sandbox(scenario, seed=3)
    settings.LIVE_TRADING, settings.SIGNER_PRIVATE_KEY = True, TEST_PRIVATE_KEY
    tokens = [t.token_id for m in sandbox.venue.scenario.markets for t in m.tokens]
    strategy = strategy_create(slug="load", mode="live")
    Position.objects.bulk_create(
        Position(
            strategy=strategy, token_id=token, mode=TradingMode.LIVE, size=Decimal(1),
            avg_cost=Decimal("0.5"), cost_basis=Decimal("0.5"),
        )
        for token in tokens
    )  # fmt: skip
    env = {
        **os.environ,
        "CLOB_HOST": sandbox.url,
        "SIGNER_PRIVATE_KEY": TEST_PRIVATE_KEY,
        "LIVE_TRADING": "true",
    }
    stream = subprocess.Popen(
        [sys.executable, "manage.py", "lt_stream"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    driver = ClockDriver(sandbox.venue, 1.0).start()
    try:
        _wait(
            lambda: StreamStatus.objects.filter(
                channel="market", connected=True, subscribed=len(tokens)
            ).exists(),
            60,
        )
        time.sleep(5)  # past the first snapshots
        messages = StreamStatus.objects.get(channel="market").messages
        cpu, started = _cpu_seconds(stream.pid), time.monotonic()
        peak = 0.0
        while time.monotonic() - started < MEASURE_S:
            peak = max(peak, _rss_mb(stream.pid))
            time.sleep(1)
        elapsed = time.monotonic() - started
        cpu = _cpu_seconds(stream.pid) - cpu
        handled = StreamStatus.objects.get(channel="market").messages - messages
    finally:
        stream.terminate()
        stream.wait(timeout=15)
        driver.stop()
        sandbox.stop()
    print(
        json.dumps(
            {
                "tokens": len(tokens),
                "rss_mb_peak": round(peak, 1),
                "cpu_pct_of_core": round(cpu / elapsed * 100, 1),
                "messages_per_s": round(handled / elapsed, 1),
                "seconds": round(elapsed, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
