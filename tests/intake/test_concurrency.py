"""Signals arriving at once: budgets hold over real HTTP, duplicates make one signal."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from django.db import connection
from django.test import Client

from execution.models import Order
from risk.models import BudgetPeriod, BudgetWindow, RiskDecision
from risk.reasons import ReasonCode
from strategies.models import Signal
from tests.risk.helpers import (
    SIGNALS_PATH,
    credential_for,
    market_pair,
    post_signal,
    signal_body,
    signed_headers,
    strategy_with,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_200_signals_at_once_over_http_fill_a_100_daily_budget_exactly(books, live_server) -> None:
    strategy = strategy_with(budget_daily=Decimal("100"), sizing_notional=Decimal("10"))
    _, yes, _ = market_pair(books)
    credential, secret = credential_for(strategy)
    now = int(time.time())
    requests = []
    for _ in range(200):
        raw = json.dumps(signal_body(strategy, yes)).encode()
        requests.append((raw, signed_headers(credential, secret, raw, ts=now)))

    with httpx.Client(base_url=live_server.url, timeout=60) as http:

        def send(request: tuple[bytes, dict[str, str]]) -> dict:
            raw, headers = request
            response = http.post(
                SIGNALS_PATH,
                content=raw,
                headers={**headers, "Content-Type": "application/json"},
            )
            assert response.status_code == 201, response.text
            return response.json()

        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(pool.map(send, requests))

    codes = [a["reason_code"] for a in answers]
    assert codes.count(ReasonCode.ACCEPTED) == 10
    assert codes.count(ReasonCode.BUDGET_DAILY_EXCEEDED) == 190
    daily = BudgetWindow.objects.get(strategy=strategy, period=BudgetPeriod.DAILY)
    assert daily.reserved == Decimal("100.00") and daily.spent == 0
    assert Order.objects.filter(strategy=strategy).count() == 10
    assert RiskDecision.objects.filter(strategy=strategy).count() == 200


def test_50_concurrent_duplicates_make_one_signal_and_the_same_answer(books) -> None:
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    credential, secret = credential_for(strategy)
    raw = json.dumps(signal_body(strategy, yes)).encode()
    now = int(time.time())

    def send(i: int) -> tuple[int, dict]:
        try:
            # Distinct timestamps: the same signature twice would be refused as a replay.
            response = post_signal(
                Client(), credential, secret, raw, headers=signed_headers(
                    credential, secret, raw, ts=now - i)
            )  # fmt: skip
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(send, range(50)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * 49 + [201]
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert Signal.objects.filter(strategy=strategy).count() == 1
    assert Order.objects.filter(strategy=strategy).count() == 1


def test_a_remembered_key_on_a_dropped_connection_is_answered_once(books) -> None:
    """A remembered key sends no query before the intake's transaction, so nothing checked the
    connection: when the server has dropped it, the request starts over on a new one."""
    import psycopg

    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    credential, secret = credential_for(strategy)
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname=settings["NAME"], autocommit=True,
    ) as admin:  # fmt: skip
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    body = signal_body(strategy, yes)
    response = post_signal(Client(), credential, secret, body)
    assert response.status_code == 201, response.content
    assert response.json()["reason_code"] == ReasonCode.ACCEPTED
    assert Signal.objects.filter(idempotency_key=body["idempotency_key"]).count() == 1


def test_the_decision_rows_carry_the_commit_and_the_executor_starts_after_it(
    books, monkeypatch
) -> None:
    """Outside any caller's transaction the intake's last round trip ends with COMMIT (one
    round trip fewer); what runs on commit still runs, once, after it."""
    from django.test.utils import CaptureQueriesContext

    from strategies import services

    started: list[int] = []
    monkeypatch.setattr(services, "order_intent_accepted", started.append)
    strategy = strategy_with()
    _, yes, _ = market_pair(books)
    credential, secret = credential_for(strategy)
    with CaptureQueriesContext(connection) as captured:
        response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 201
    order = Order.objects.get(signal_id=response.json()["signal_id"])
    assert started == [order.pk]
    # Django logs its own COMMIT too, which finds the transaction already committed.
    *_, last, django_commit = (query["sql"] for query in captured.captured_queries)
    assert last.count("EXECUTE") >= 4 and last.rstrip().endswith("COMMIT")  # rows, answer
    assert django_commit == "COMMIT"
