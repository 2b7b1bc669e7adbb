"""`stop_reaction` and `fill_lag`: what the venue stream (`lt_stream`) buys over polling.

stop_reaction: the sandbox's book crosses a position's stop → LT's exit order arrives at the
venue (target p50 ≤ 50 ms, p99 ≤ 250 ms over ≥ 200 triggers). fill_lag: the venue matches
an order LT rests → LT's fill row is committed (target p50 ≤ 50 ms). Each with the one-minute
poll's figures beside it. Runs in a subprocess on its own fresh database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.bench_intake import ROOT
from bench.databases import bench_database, migrate


def run() -> dict[str, dict[str, float | int | str]]:
    url = bench_database("stream")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "ltproject.test_settings"}
    migrate(env)
    done = subprocess.run(
        [sys.executable, "-m", "bench.stream_reaction"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"bench.stream_reaction exited {done.returncode}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "stop_reaction": {**figures["stop_reaction"], "target_p50_ms": 50, "target_p99_ms": 250},
        "fill_lag": {**figures["fill_lag"], "target_p50_ms": 50},
    }
