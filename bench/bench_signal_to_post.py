"""`signal_to_post`: from a signal's acceptance to its order's POST arriving at the venue.

gunicorn serves LT (PostgreSQL, live strategies, executor started after commit) against a
sandbox venue in this process; signals arrive at a steady 50/s. For each order the latency
is the sandbox's arrival time of `POST /order` minus the intent's creation time in the
database (the moment the decision accepted it, just before its commit); the run also
reports the part after the signed order was stored (`stored_to_arrival`). The load comes
from a separate process, so that the sandbox's arrival clock does not wait for it. The same
run measures the bare client path (py-clob-client-v2 `create_order` + `post_order` alone)
and reports the ratio of the p50s.
Targets (DESIGN.md §6): p50 ≤ 15 ms, p99 ≤ 60 ms, ratio ≤ 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.bench_intake import (
    ROOT,
    _database_urls,
    _free_port,
    _fresh_database,
    _start_server,
)
from bench.stats import latency_figures, percentile
from execution.venue.hashing import order_hash
from sandbox.server import SandboxServer
from sandbox.testing import TEST_PRIVATE_KEY
from sandbox.venue import Venue
from sandbox.wire import Request, Response

PATH = "/api/v1/signals/"
SETTINGS = "ltproject.test_settings"
RATE_PER_S = 50
DURATION_S = int(os.environ.get("LT_BENCH_S2P_SECONDS", "20"))
STRATEGIES = 4
EXCHANGES = (
    "0xE111180000d2663C0091e4f400237545B87B996B",
    "0xe2222d279d744050d28e00520010520000310F59",
)


class ArrivalClock:
    """Wraps the sandbox's dispatcher: wall time at which each order hash arrived."""

    def __init__(self, server: SandboxServer) -> None:
        self.arrivals: dict[str, float] = {}
        self._dispatch = server.httpd.api.dispatch
        server.httpd.api.dispatch = self.dispatch  # type: ignore[method-assign]

    def dispatch(self, request: Request) -> Response:
        if request.method == "POST" and request.path == "/order":
            arrived = time.time()
            order = json.loads(request.body)["order"]
            for exchange in EXCHANGES:
                self.arrivals[order_hash(order, chain_id=137, exchange=exchange)] = arrived
        return self._dispatch(request)


def _env(bench_url: str, clob_host: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DATABASE_URL": bench_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-s2p-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "SIGNAL_THROTTLE_RATE": "100000/s",
        "CLOB_HOST": clob_host,
        "SIGNER_PRIVATE_KEY": TEST_PRIVATE_KEY,
        "LIVE_TRADING": "true",
        "LT_EXECUTOR_AUTOSTART": "true",
        "PYTHONPATH": str(ROOT),
    }


def _paced_signals(port: int, fixture: dict[str, Any], n: int) -> dict[str, int]:
    """Open loop: one signal every 1/RATE s, each on its own short-lived sender thread."""
    import http.client

    import django

    django.setup()
    from strategies.signing import signature_compute

    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def send(index: int) -> None:
        key = fixture["keys"][index % len(fixture["keys"])]
        body = json.dumps(
            {
                "strategy": key["slug"],
                "idempotency_key": uuid.uuid4().hex,
                "token_id": fixture["tokens"][index % len(fixture["tokens"])],
                "side": "BUY",
                "price": "0.05",  # rests under the market: the venue does no matching work
                "ft_signal_id": f"ft-{index}",
                "ft_created_at": "2026-11-26T06:00:00Z",
            }
        ).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-LT-Key": key["key_id"],
            "X-LT-Timestamp": stamp,
            "X-LT-Signature": signature_compute(
                secret=key["secret"], timestamp=stamp, method="POST", path=PATH, body=body
            ),
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", PATH, body=body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        code = (
            json.loads(data).get("reason_code", str(answer.status))
            if answer.status in (200, 201)
            else str(answer.status)
        )
        with lock:
            outcomes[code] = outcomes.get(code, 0) + 1
        conn.close()

    threads = []
    start = time.perf_counter()
    for index in range(n):
        delay = start + index / RATE_PER_S - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=send, args=(index,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return outcomes


def _send_from_another_process(port: int, fixture_path: str, n: int) -> dict[str, int]:
    answer = subprocess.run(
        [sys.executable, "-m", "bench.bench_signal_to_post", str(port), fixture_path, str(n)],
        cwd=ROOT, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": SETTINGS},
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    outcomes: dict[str, int] = json.loads(answer.strip().splitlines()[-1])
    return outcomes


def _bare_client(url: str, token: str, n: int = 300) -> list[float]:
    from py_clob_client_v2.client import ClobClient
    from py_clob_client_v2.clob_types import OrderArgsV2, PartialCreateOrderOptions

    client = ClobClient(url, chain_id=137, key=TEST_PRIVATE_KEY)
    client.set_api_creds(client.create_or_derive_api_key())
    options = PartialCreateOrderOptions(tick_size="0.01")
    args = OrderArgsV2(token_id=token, price=0.05, size=20, side="BUY")
    client.post_order(client.create_order(args, options))
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        client.post_order(client.create_order(args, options))
        samples.append(time.perf_counter() - started)
    return samples


def run() -> dict[str, dict[str, float | int | str]]:
    admin, bench_url, name = _database_urls()
    name = name.replace("_bench_intake", "_bench_s2p")
    bench_url = bench_url.replace("_bench_intake", "_bench_s2p")
    _fresh_database(admin, name)
    sandbox = SandboxServer(Venue(seed=0)).start()
    arrivals = ArrivalClock(sandbox)
    env = _env(bench_url, sandbox.url)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        with tempfile.TemporaryDirectory() as tmp:
            fixture_path = str(Path(tmp) / "fixture.json")
            subprocess.run(
                [sys.executable, "-m", "bench.s2p_setup", fixture_path, str(STRATEGIES)],
                cwd=ROOT, env=env, check=True,
            )  # fmt: skip
            fixture = json.loads(Path(fixture_path).read_text())
            port = _free_port()
            # The project's own market data (the sandbox, through the adapter).
            server = _start_server(env, port, config=())
            try:
                outcomes = _send_from_another_process(port, fixture_path, RATE_PER_S * DURATION_S)
                time.sleep(1.0)  # let the last sends land
            finally:
                server.terminate()
                server.wait(timeout=30)
        bare = _bare_client(sandbox.url, fixture["tokens"][0])
    finally:
        sandbox.stop()
    with psycopg.connect(bench_url) as conn:
        rows = conn.execute(
            "SELECT venue_order_id, extract(epoch from created_at), "
            "extract(epoch from signed_at) FROM lt_orders WHERE venue_order_id IS NOT NULL"
        ).fetchall()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    latencies = [arrivals.arrivals[h] - float(t) for h, t, _ in rows if h in arrivals.arrivals]
    # The part after the signed order was stored: the POST itself, as LT sends it.
    sends = [arrivals.arrivals[h] - float(s) for h, _, s in rows if h in arrivals.arrivals]
    figures = latency_figures(latencies) if latencies else {"n": 0}
    bare_figures = latency_figures(bare)
    ratio = round(percentile(latencies, 0.5) / percentile(bare, 0.5), 2) if latencies else "n/a"
    return {
        "signal_to_post": {
            **figures,
            "rate_per_s": RATE_PER_S,
            "sent": RATE_PER_S * DURATION_S,
            "answers": json.dumps(outcomes),
            "stored_to_arrival_p50_ms": round(percentile(sends, 0.5) * 1000, 3) if sends else "n/a",
            "bare_p50_ms": bare_figures["p50_ms"],
            "bare_p99_ms": bare_figures["p99_ms"],
            "ratio": ratio,
        },
    }


if __name__ == "__main__":
    # The load generator: `python -m bench.bench_signal_to_post <port> <fixture.json> <n>`.
    answers = _paced_signals(
        int(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()), int(sys.argv[3])
    )
    print(json.dumps(answers))
