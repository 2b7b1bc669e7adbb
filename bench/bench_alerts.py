"""`alert_delivery`: seconds from an alert's commit to a real SMTP server accepting its mail.

The path production takes: 100 alerts committed one by one over about 20 s (one in five
critical, the rest warnings), each starting a queued delivery task; a real q-cluster (two
workers, ORM broker) on a fresh PostgreSQL database sends them to an aiosmtpd server on
loopback. Warnings wait out their batching window (ALERT_BATCH_SECONDS, 10 s), so their
latency is mostly that window, by design. Target: p99 ≤ 60 s.

The committing side runs in a subprocess (`bench.alert_commits`) with the production
settings, so its tasks go through the broker instead of running inline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from statistics import quantiles

from bench.bench_intake import ROOT
from bench.databases import bench_database, migrate
from monitoring.testing import SmtpServer

N = 100
TIMEOUT_S = 150


def _env(url: str, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DATABASE_URL": url,
        "DEBUG": "true",
        "SECRET_KEY": "bench-alerts-" + "x" * 40,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "ALERT_EMAILS": "ops@example.com",
        "Q_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }


def run() -> dict[str, dict[str, float | int | str]]:
    smtp = SmtpServer().start()
    env = _env(bench_database("alerts"), smtp.port)
    migrate(env)
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the cluster's workers start
        out = subprocess.run(
            [sys.executable, "-m", "bench.alert_commits", str(N)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        committed: dict[int, float] = {int(k): v for k, v in json.loads(out).items()}
        arrived = _wait_for(smtp, set(committed))
    finally:
        _stop(cluster)
        smtp.stop()
    latencies = sorted(arrived[i] - committed[i] for i in committed if i in arrived)
    cuts = quantiles(latencies, n=100, method="inclusive")
    return {
        "alert_delivery": {
            "n": N,
            "delivered": len(latencies),
            "messages": len(smtp.messages()),
            "p50_s": round(cuts[49], 2),
            "p99_s": round(cuts[98], 2),
            "max_s": round(latencies[-1], 2),
            "target_p99_s": 60,
        }
    }


def _stop(cluster: subprocess.Popen[bytes]) -> None:
    os.killpg(cluster.pid, signal.SIGTERM)
    try:
        cluster.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)  # a worker in the middle of a batch wait
        cluster.wait()


def _wait_for(smtp: SmtpServer, ids: set[int]) -> dict[int, float]:
    """alert id → when the SMTP server accepted the first mail carrying it."""
    deadline = time.monotonic() + TIMEOUT_S
    arrived: dict[int, float] = {}
    while time.monotonic() < deadline and not ids <= set(arrived):
        for message in smtp.messages():
            for alert_id in message.alert_ids:
                arrived.setdefault(alert_id, message.accepted_at)
        time.sleep(0.1)
    return arrived
