"""While PostgreSQL is away the API answers 503 with Retry-After and a JSON body, quickly,
writes nothing, logs a few lines rather than one traceback per request, and takes signals
again once it is back, with no restart (a gunicorn server against a proxy that loses it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

from strategies.models import ApiCredential, Signal, Strategy
from tests.dbproxy import DatabaseProxy
from tests.risk.helpers import credential_for, signal_body, signed_headers, strategy_with
from tests.servers import Server, gunicorn

PATH = "/api/v1/signals/"


@pytest.fixture
def proxy() -> Iterator[DatabaseProxy]:
    db = connection.settings_dict
    proxy = DatabaseProxy((db["HOST"], int(db["PORT"])))
    yield proxy
    proxy.close()


@pytest.fixture
def server(transactional_db: None, proxy: DatabaseProxy, tmp_path: Path) -> Iterator[Server]:
    with gunicorn(
        tmp_path / "gunicorn.log", database_port=proxy.port, DB_CONNECT_TIMEOUT="2"
    ) as server:
        yield server


def _signal(
    port: int, strategy: Strategy, credential: ApiCredential, secret: str
) -> httpx.Response:
    raw = json.dumps(signal_body(strategy, "12345")).encode()
    headers = signed_headers(credential, secret, raw) | {"Content-Type": "application/json"}
    # Well under gunicorn's 60 s worker timeout: a request that hung would fail here.
    return httpx.post(f"http://127.0.0.1:{port}{PATH}", content=raw, headers=headers, timeout=20)


def _unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text[:500]
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["Content-Type"] == "application/json"
    assert "unavailable" in answer.json()["detail"]


@pytest.mark.slow
def test_the_api_answers_503_while_the_database_is_away_and_recovers(server, proxy) -> None:
    port, process, log = server.port, server.process, server.log
    strategy = strategy_with()
    credential, secret = credential_for(strategy)
    sign = (port, strategy, credential, secret)

    assert _signal(*sign).status_code == 201

    proxy.set_mode("down")  # PostgreSQL stopped: its connections dropped, new ones refused
    for _ in range(40):
        _unavailable(_signal(*sign))

    proxy.set_mode("frozen")  # a server that takes the connection and never answers
    _unavailable(_signal(*sign))

    proxy.set_mode("forward")  # back: the same worker takes signals again
    assert _signal(*sign).status_code == 201
    assert Signal.objects.count() == 2
    assert process.poll() is None

    lines = log.read_text().splitlines()
    assert not any("Traceback" in line for line in lines), "\n".join(lines[-40:])
    unavailable = [line for line in lines if "database unavailable" in line]
    # 42 refused requests in a few seconds: a handful of lines, each counting the rest.
    assert 1 <= len(unavailable) <= 5, "\n".join(lines[-40:])


@pytest.mark.django_db
def test_connections_carry_the_statement_and_connect_timeouts() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("30s",)
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 5
