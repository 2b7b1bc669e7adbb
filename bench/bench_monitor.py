"""`monitor_cycle_1000`: one fill sync plus one stop-loss/take-profit pass over 1,000 open
positions — venue requests and CPU seconds (targets: ≤ 3 requests per 500 positions, < 1 s
CPU). Runs in a subprocess on its own fresh database, against an in-process sandbox venue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.bench_intake import ROOT
from bench.databases import bench_database, migrate


def run() -> dict[str, dict[str, float | int | str]]:
    url = bench_database("monitor")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "ltproject.test_settings"}
    migrate(env)
    out = subprocess.run(
        [sys.executable, "-m", "bench.monitor_cycle"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    figures = json.loads(out.strip().splitlines()[-1])
    per_500 = round(figures["venue_requests"] / figures["positions"] * 500, 2)
    return {
        "monitor_cycle_1000": {
            **figures,
            "requests_per_500": per_500,
            "target_requests_per_500": 3,
            "target_cpu_s": 1.0,
        }
    }
