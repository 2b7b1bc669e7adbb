"""A thread's PostgreSQL connection ends with the thread: 1,000 signals sent on 1,000 separate
TCP connections to `runserver`, gunicorn sync and gunicorn gthread leave at most one
connection per worker thread, counted in `pg_stat_activity`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from sandbox.testing import SandboxHandle
from strategies.signing import signature_compute
from tests.risk.helpers import credential_for, strategy_with

ROOT = Path(__file__).resolve().parent.parent.parent
REQUESTS = 1000
CLIENTS = 4  # concurrent senders: runserver then has several request threads at once
SETTLE_SECONDS = 10.0  # for the last request threads to end after their answers
PATH = "/api/v1/signals/"
SLUG = "btc-above-150k-2026"  # a market of the sandbox venue's scenario


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url(application_name: str) -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        f"?application_name={application_name}"
    )


def _server_connections(application_name: str) -> int:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as side:
        row = side.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        ).fetchone()
    assert row is not None
    return int(row[0])


def _command(kind: str, port: int) -> list[str]:
    if kind == "runserver":
        return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    worker_class, threads = kind.split(":")
    return [
        sys.executable, "-m", "gunicorn", "ltproject.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--worker-class", worker_class, "--threads", threads, "--log-level", "warning",
    ]  # fmt: skip


@pytest.fixture
def signer(transactional_db: None, sandbox_venue: SandboxHandle) -> tuple[str, str, str, str]:
    """(strategy slug, key id, secret, token id), committed for the servers to read."""
    strategy = strategy_with()
    credential, secret = credential_for(strategy)
    token = sandbox_venue.market(SLUG).yes.token_id
    return strategy.slug, credential.key_id, secret, token


def _request(slug: str, key_id: str, secret: str, token: str) -> bytes:
    """One signed signal, the whole HTTP request; the server closes the connection after it."""
    body = json.dumps(
        {
            "strategy": slug,
            "idempotency_key": uuid.uuid4().hex,
            "token_id": token,
            "side": "BUY",
            "price": "0.50",
            "ft_signal_id": uuid.uuid4().hex[:16],
            "ft_created_at": "2026-11-26T06:00:00Z",
        }
    ).encode()
    stamp = str(int(time.time()))
    signature = signature_compute(
        secret=secret, timestamp=stamp, method="POST", path=PATH, body=body
    )
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\nX-LT-Key: {key_id}\r\n"
        f"X-LT-Timestamp: {stamp}\r\nX-LT-Signature: {signature}\r\n\r\n"
    )
    return head.encode() + body


def _send(port: int, request: bytes) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.fixture
def server(
    request: pytest.FixtureRequest, signer: tuple[str, ...], sandbox_venue: SandboxHandle
) -> Iterator[int]:
    """The server kind of the test's parameter, on the test database; yields its port."""
    kind: str = request.param
    port = _free_port()
    name = request.node.callspec.id.replace(":", "-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.test_settings",
        "DATABASE_URL": _database_url(f"lt-conn-test-{name}"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SIGNAL_THROTTLE_RATE": "100000/s",
        "CLOB_HOST": sandbox_venue.url,  # books for the risk checks
        "LOG_LEVEL": "CRITICAL",
    }
    process = subprocess.Popen(
        _command(kind, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


# (server kind, PostgreSQL connections it may keep: one per worker thread). runserver's
# main thread keeps the one its start-up checks opened; its request threads keep none.
KINDS = [("runserver", 1), ("sync:1", 2), ("gthread:4", 8)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("server", "most"), KINDS, indirect=["server"], ids=[kind for kind, _ in KINDS]
)
def test_a_thousand_client_connections_leave_one_database_connection_per_thread(
    server: int, most: int, signer: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    name = f"lt-conn-test-{request.node.callspec.id.replace(':', '-')}"
    requests = [_request(*signer) for _ in range(REQUESTS)]
    peak = 0
    sent = threading.Event()

    def watch() -> None:  # the most connections seen while the signals went in
        nonlocal peak
        while not sent.is_set():
            peak = max(peak, _server_connections(name))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(lambda raw: _send(server, raw), requests))
    sent.set()
    watcher.join()
    assert statuses == [201] * REQUESTS
    assert peak >= 1  # the count sees the server's connections
    deadline = time.monotonic() + SETTLE_SECONDS
    while (left := _server_connections(name)) > most and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left <= most, f"{left} connections left open (at most {most} expected)"
