"""`intake`: signals/s through `POST /api/v1/signals/` with risk decisions, and their latency.

A fresh PostgreSQL database (`<DATABASE_URL name>_bench_intake`) is migrated and given eight
paper strategies and twenty markets; gunicorn serves the real WSGI app on loopback; eight
client threads send pre-signed signals over TCP, a connection per request (gunicorn's sync
workers close it after the answer). `intake` is the loaded run (throughput, p50/p99 under
load), `intake_latency` one signal at a time (the decision's own latency). Afterwards every
budget window is checked: reserved + spent <= limit. Target: ≥ 300/s.

The machine's speed drifts by a fifth over minutes, so compare code by serving both versions
side by side and loading them in turns, not by runs minutes apart.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/signals/"
STRATEGIES, TOKENS = 8, 20
N_LOADED = int(os.environ.get("LT_BENCH_INTAKE_N", "4000"))
N_SEQUENTIAL = 300
CONCURRENCY = int(os.environ.get("LT_BENCH_INTAKE_CONCURRENCY", "8"))
# Sync workers measured as fast as gthread with keep-alive here (within 2 %, the difference
# in the client's own CPU) and need no pool of threads behind a GIL. Four
# for two cores: while a worker waits on PostgreSQL (a commit's WAL flush above all), another
# uses the CPU. Served side by side and loaded in turns, four answered 3-5 % more signals a
# second than three at the same CPU a signal; five, no more than four.
WORKERS = int(os.environ.get("LT_BENCH_INTAKE_WORKERS", "4"))
THREADS = int(os.environ.get("LT_BENCH_INTAKE_THREADS", "1"))
WORKER_CLASS = os.environ.get("LT_BENCH_INTAKE_WORKER_CLASS", "sync")


def _database_urls(suffix: str = "_bench_intake") -> tuple[str, str, str]:
    """(admin URL, bench URL, bench database name: DATABASE_URL's name + suffix)."""
    url = os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/lt")
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'lt'}{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return admin, urlunsplit(parts._replace(path=f"/{name}")), name


def _fresh_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_env(bench_url: str, books: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DATABASE_URL": bench_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-intake-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "SIGNAL_THROTTLE_RATE": "100000/s",
        # Persistent connections, as deployed: the intake prepares its statements once per
        # connection (risk.selectors), and a connection per request would cost a handshake.
        "CONN_MAX_AGE": "600",
        "LT_BENCH_BOOKS": books,
        # The intake alone: accepted intents are not sent (signal_to_post measures that path).
        "LT_EXECUTOR_AUTOSTART": "false",
    }


def _start_server(
    env: dict[str, str],
    port: int,
    *,
    config: tuple[str, ...] = ("-c", "python:bench.intake_server"),
) -> subprocess.Popen[bytes]:
    """gunicorn serving LT on loopback (by default with the intake bench's static books)."""
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "ltproject.wsgi:application", *config,
            "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
            "--worker-class", WORKER_CLASS, "--threads", str(THREADS),
            "--keep-alive", "30", "--log-level", "warning",
        ],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _signed(key: dict[str, str], token: str, stamp: str) -> bytes:
    """One whole HTTP request for a new signal, signed, as the bytes sent on the wire."""
    body = json.dumps(
        {
            "strategy": key["slug"],
            "idempotency_key": uuid.uuid4().hex,
            "token_id": token,
            "side": "BUY",
            "price": "0.50",
            "ft_signal_id": uuid.uuid4().hex[:16],
            "ft_created_at": "2026-11-26T06:00:00Z",
        }
    ).encode()
    message = stamp.encode() + b"POST" + PATH.encode() + body
    digest = hmac.new(key["secret"].encode(), message, hashlib.sha256).digest()
    head = (
        f"POST {PATH} HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"X-LT-Key: {key['key_id']}\r\n"
        f"X-LT-Timestamp: {stamp}\r\n"
        f"X-LT-Signature: {base64.urlsafe_b64encode(digest).decode()}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _requests(fixture: dict[str, Any], n: int) -> list[bytes]:
    stamp = str(int(time.time()))
    keys, tokens = fixture["keys"], fixture["tokens"]
    return [_signed(keys[i % len(keys)], tokens[i % len(tokens)], stamp) for i in range(n)]


def _exchange(port: int, request: bytes) -> bytes:
    """Send one request on a new connection and read the answer until the server closes.

    gunicorn's sync workers answer one request per connection (`Connection: close`), so the
    client does the same. Requests are built beforehand and answers are read as raw bytes:
    the load generator shares the machine's two cores with the server and PostgreSQL, and
    http.client cost about 0.4 ms of CPU a request that the server could not use.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _outcome(answer: bytes) -> str:
    """The answer's status, or for a 201 the decision's reason code."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = head[9:12].decode() if head.startswith(b"HTTP/1.") else "no-answer"
    return str(json.loads(body)["reason_code"]) if status == "201" else status


def _send_all(
    port: int, requests: list[bytes], concurrency: int
) -> tuple[float, list[float], dict[str, int]]:
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    queue = list(reversed(requests))

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    break
                request = queue.pop()
            t0 = time.perf_counter()
            answer = _exchange(port, request)
            elapsed = time.perf_counter() - t0
            key = _outcome(answer)
            with lock:
                latencies.append(elapsed)
                outcomes[key] = outcomes.get(key, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, outcomes


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def _violations(bench_url: str) -> int:
    with psycopg.connect(bench_url) as conn:
        row = conn.execute(
            'SELECT count(*) FROM lt_budget_windows WHERE "limit" IS NOT NULL '
            'AND reserved + spent > "limit"'
        ).fetchone()
    return int(row[0]) if row else 0


def run() -> dict[str, dict[str, float | int | str]]:
    admin, bench_url, name = _database_urls()
    _fresh_database(admin, name)
    with tempfile.TemporaryDirectory() as tmp:
        fixture_path = str(Path(tmp) / "fixture.json")
        env = _server_env(bench_url, fixture_path)
        subprocess.run(
            [sys.executable, "-m", "bench.intake_setup", fixture_path, str(STRATEGIES),
             str(TOKENS)],
            cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "ltproject.test_settings"},
            check=True,
        )  # fmt: skip
        fixture = json.loads(Path(fixture_path).read_text())
        books_path = str(Path(tmp) / "books.json")
        Path(books_path).write_text(json.dumps(fixture["books"]))
        env["LT_BENCH_BOOKS"] = books_path
        port = _free_port()
        server = _start_server(env, port)
        try:
            _send_all(port, _requests(fixture, 200), CONCURRENCY)  # warm-up
            wall, loaded, outcomes = _send_all(port, _requests(fixture, N_LOADED), CONCURRENCY)
            _, single, _ = _send_all(port, _requests(fixture, N_SEQUENTIAL), 1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    violations = _violations(bench_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {
        "intake": {
            "per_s": round(len(loaded) / wall, 1),
            "p50_ms": _percentile(loaded, 0.50),
            "p99_ms": _percentile(loaded, 0.99),
            "n": len(loaded),
            "concurrency": CONCURRENCY,
            "server": f"gunicorn {WORKER_CLASS} {WORKERS}x{THREADS}",
            "accepted": outcomes.get("ACCEPTED", 0),
            "other_answers": json.dumps({k: v for k, v in outcomes.items() if k != "ACCEPTED"}),
            "budget_violations": violations,
        },
        "intake_latency": {
            "p50_ms": _percentile(single, 0.50),
            "p99_ms": _percentile(single, 0.99),
            "mean_ms": round(statistics.fmean(single) * 1000, 2),
            "n": len(single),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
