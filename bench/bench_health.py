"""`health_cycle`: wall and CPU seconds of one full health run over 1,000 open positions
(63 strategies, 10 of them live), against an in-process sandbox venue and an anvil node.
Target: < 2 s. Runs in a subprocess on its own fresh database (`bench.health_cycle`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench.bench_intake import ROOT
from bench.databases import bench_database, migrate


def run() -> dict[str, dict[str, float | int | str]]:
    url = bench_database("health")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "ltproject.test_settings"}
    migrate(env)
    out = subprocess.run(
        [sys.executable, "-m", "bench.health_cycle"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return {"health_cycle": {**figures, "target_wall_s": 2.0}}
