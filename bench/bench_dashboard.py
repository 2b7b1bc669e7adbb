"""`dashboard_overview`: the overview page (`/`) as gunicorn serves it, with 10,000 orders,
1,000 positions and 50 strategies on PostgreSQL; p50/p99 over 50 requests after 12 to warm
up. Target: p50 ≤ 200 ms. (tests/dashboard asserts its number of queries stays bounded.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from bench.bench_intake import ROOT, _free_port, _start_server
from bench.databases import bench_database, migrate
from bench.stats import latency_figures

WARM_UP, N = 12, 50  # every gunicorn worker (4) warm before the count starts


def run() -> dict[str, dict[str, float | int | str]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DATABASE_URL": bench_database("dashboard"),
        "DEBUG": "false",
        "SECRET_KEY": "bench-dashboard-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
    }
    migrate(env)
    session = (
        subprocess.run(
            [sys.executable, "-m", "bench.dashboard_setup"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = _start_server(env, port, config=())
    try:
        seconds = _measure(f"http://127.0.0.1:{port}", session)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"dashboard_overview": {**latency_figures(seconds), "n": N, "target_p50_ms": 200}}


def _measure(base: str, session: str) -> list[float]:
    seconds = []
    with httpx.Client(base_url=base, cookies={"sessionid": session}, timeout=30) as client:
        for n in range(WARM_UP + N):
            started = time.perf_counter()
            answer = client.get("/")
            elapsed = time.perf_counter() - started
            if answer.status_code != 200 or "copy-49" not in answer.text:
                raise RuntimeError(f"the overview answered {answer.status_code}")
            if n >= WARM_UP:
                seconds.append(elapsed)
    return seconds
