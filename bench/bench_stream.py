"""The venue stream (`lt_stream`): what it buys over polling, and what it costs.

stop_reaction: the sandbox's book crosses a position's stop → LT's exit order arrives at the
venue (target p50 ≤ 50 ms, p99 ≤ 250 ms over ≥ 200 triggers). fill_lag: the venue matches
an order LT rests → LT's fill row is committed (target p50 ≤ 50 ms). Each with the one-minute
poll's figures beside it. stream_load_1000: the stream process following 1,000 tokens at the
sandbox's default speed (targets: < 200 MB, < 10 % of a core). stream_soak: five minutes of
trading with connections dropped every 10 s and the acting process killed half way (targets:
no fill missed or booked twice, no stop missed, a snapshot for every gap). Each runs in a
subprocess on its own fresh database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from bench.bench_intake import ROOT
from bench.databases import bench_database, migrate


def _measured(module: str, database: str) -> dict[str, Any]:
    url = bench_database(database)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "ltproject.test_settings"}
    migrate(env)
    done = subprocess.run(
        [sys.executable, "-m", module], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"{module} exited {done.returncode}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run() -> dict[str, dict[str, Any]]:
    reaction = _measured("bench.stream_reaction", "stream")
    load = _measured("bench.stream_load", "stream_load")
    soak = _measured("bench.stream_soak", "stream_soak")
    return {
        "stop_reaction": {**reaction["stop_reaction"], "target_p50_ms": 50, "target_p99_ms": 250},
        "fill_lag": {**reaction["fill_lag"], "target_p50_ms": 50},
        "stream_load_1000": {**load, "target_rss_mb": 200, "target_cpu_pct": 10},
        "stream_soak": soak,
    }
