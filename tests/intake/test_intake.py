"""POST /api/v1/signals/: decisions, replays, reuse of a key, bad input, the schema."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.test import Client

from execution.models import Order, OrderStatus
from risk.models import BudgetReservation, RiskDecision
from risk.reasons import ReasonCode
from strategies.models import Signal
from tests.risk.helpers import (
    post_signal,
    row_counts,
    signal_body,
)

D = Decimal

pytestmark = pytest.mark.django_db


def test_accepted_signal_answers_201_with_the_sized_order_intent(
    setup, django_capture_on_commit_callbacks
) -> None:
    strategy, yes, credential, secret = setup
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["decision"] == "accepted"
    assert body["reason_code"] == "ACCEPTED"
    assert body["order"]["size"] == "20.00"
    assert Decimal(body["order"]["notional"]) == Decimal("10")
    order = Order.objects.get(pk=body["order"]["id"])
    assert order.status == OrderStatus.INTENT
    assert order.risk_check_passed
    assert order.risk_decision is not None and order.risk_decision.signal_id == body["signal_id"]
    assert order.mode == strategy.mode
    assert BudgetReservation.objects.filter(order=order).count() == 1  # only a daily budget
    assert len(callbacks) == 1  # the executor's hook, after commit


def test_rejected_signal_answers_201_with_reason_code_and_message(setup) -> None:
    strategy, yes, credential, secret = setup
    strategy.risk_rules.budget_daily = Decimal("5")
    strategy.risk_rules.save()
    response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 201
    body = response.json()
    assert body["decision"] == "rejected"
    assert body["reason_code"] == ReasonCode.BUDGET_DAILY_EXCEEDED
    assert "daily budget" in body["message"]
    assert body["order"] is None
    decision = RiskDecision.objects.get(signal_id=body["signal_id"])
    assert decision.reason_code == ReasonCode.BUDGET_DAILY_EXCEEDED


def test_same_key_and_body_replays_the_first_answer(setup) -> None:
    strategy, yes, credential, secret = setup
    body = signal_body(strategy, yes)
    first = post_signal(Client(), credential, secret, body)
    again = post_signal(Client(), credential, secret, dict(reversed(list(body.items()))))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Signal.objects.count() == 1 and Order.objects.count() == 1


def test_same_key_with_another_body_answers_422_and_writes_nothing(setup) -> None:
    strategy, yes, credential, secret = setup
    body = signal_body(strategy, yes)
    post_signal(Client(), credential, secret, body)
    before = row_counts()
    response = post_signal(Client(), credential, secret, {**body, "price": "0.40"})
    assert response.status_code == 422
    assert row_counts() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", 0.5),
        ("price", "1.00"),
        ("price", "0"),
        ("price", "abc"),
        ("price", "0.1234567"),
        ("size", "-1"),
        ("side", "HOLD"),
        ("ft_created_at", "yesterday"),
        ("max_slippage_bps", -1),
        ("leader", "not-a-wallet"),
        ("token_id", ""),
        # A number where a string belongs is refused, never turned into its text.
        ("token_id", 12345),
        ("idempotency_key", 7),
        ("ft_signal_id", 1.5),
        ("condition_id", 0),
        # Decimal strings in ASCII only: Arabic-Indic "٠٫٥" is no price.
        ("price", "\u0660\u066b\u0665"),
        ("size", "\u0661\u0660"),
        # What the schema's patterns refuse, the validation refuses: no padding, no exponent,
        # no trailing newline, nothing at or past the bounds.
        ("price", " 0.5"),
        ("price", "0.5\n"),
        ("price", "5e-1"),
        ("price", ".5"),
        ("price", "0.000000"),
        ("price", "0.9999991"),
        ("size", "0"),
        ("size", "0.0000001"),
        ("size", "100000000000000"),
        ("size", "1.1234567"),
        ("idempotency_key", ""),
        ("idempotency_key", "with space"),
        ("idempotency_key", "k" * 256),
        ("ft_signal_id", "f" * 129),
        ("ft_signal_id", "tab\there"),
        ("max_slippage_bps", "5"),
        ("max_slippage_bps", 5.0),
        ("max_slippage_bps", True),
        ("max_slippage_bps", 10_001),
        ("ft_created_at", "2026-11-26"),
        ("ft_created_at", "2026-11-26T06:00:00"),
        ("ft_created_at", "2026-11-26 06:00:00Z"),
        ("ft_created_at", "2026-02-31T06:00:00Z"),
        ("ft_created_at", "1969-12-31T23:59:59Z"),
        ("condition_id", "0x" + "a" * 64 + "\n"),
    ],
)
def test_bad_field_answers_400_naming_the_field_and_writes_nothing(setup, field, value) -> None:
    strategy, yes, credential, secret = setup
    before = row_counts()
    response = post_signal(
        Client(), credential, secret, signal_body(strategy, yes, **{field: value})
    )
    assert response.status_code == 400
    assert field in response.json()
    assert row_counts() == before


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("price", "0.000001", D("0.000001")),
        ("price", "0.999999", D("0.999999")),
        ("price", "0.5000000000", D("0.5")),  # trailing zeros are the same price
        ("size", "99999999999999.999999", D("99999999999999.999999")),
        ("size", "0.000001", D("0.000001")),
        ("idempotency_key", "k" * 255, "k" * 255),
        ("ft_signal_id", "f" * 128, "f" * 128),
        ("max_slippage_bps", 10_000, 10_000),
        ("ft_created_at", "2026-11-26t08:00:00.123456789+02:00", "2026-11-26T06:00:00.123456Z"),
        ("ft_created_at", "1970-01-01T00:00:00z", "1970-01-01T00:00:00Z"),
    ],
)
def test_values_at_the_bounds_are_taken(setup, field, value, stored) -> None:
    strategy, yes, credential, secret = setup
    response = post_signal(
        Client(), credential, secret, signal_body(strategy, yes, **{field: value})
    )
    assert response.status_code == 201, response.content
    signal = Signal.objects.get()
    if field == "ft_created_at":
        stored = datetime.fromisoformat(stored)
    assert getattr(signal, field) == stored


def test_missing_fields_answer_400_per_field(setup) -> None:
    strategy, _yes, credential, secret = setup
    before = row_counts()
    response = post_signal(Client(), credential, secret, {"strategy": strategy.slug})
    assert response.status_code == 400
    assert {"idempotency_key", "token_id", "side", "price", "ft_signal_id", "ft_created_at"} <= set(
        response.json()
    )
    assert row_counts() == before


@pytest.mark.parametrize("named", [12, 0, True, None, ["strategy-x"]])
def test_a_strategy_that_is_not_a_string_is_400_before_any_authorisation(setup, named) -> None:
    """A number used to read as "no strategy named": the key's own strategy, 201."""
    strategy, yes, credential, secret = setup
    before = row_counts()
    body = signal_body(strategy, yes) | {"strategy": named}
    response = post_signal(Client(), credential, secret, body)
    assert response.status_code == 400 and list(response.json()) == ["strategy"]
    assert row_counts() == before


@pytest.mark.parametrize("named", ["", "no spaces", "ünïcode", "x" * 65])
def test_a_name_no_strategy_can_have_is_400_not_401(setup, named) -> None:
    strategy, yes, credential, secret = setup
    before = row_counts()
    response = post_signal(
        Client(), credential, secret, signal_body(strategy, yes) | {"strategy": named}
    )
    assert response.status_code == 400 and list(response.json()) == ["strategy"]
    assert row_counts() == before


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_answers_400(setup, raw) -> None:
    _, _, credential, secret = setup
    before = row_counts()
    response = post_signal(Client(), credential, secret, raw)
    assert response.status_code == 400
    assert row_counts() == before


def test_schema_documents_the_signal_endpoint(client) -> None:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"]["/api/v1/signals/"]["post"]
    assert {"201", "200", "400", "401", "422"} <= set(operation["responses"])
    assert "LTSignature" in schema["components"]["securitySchemes"]


def test_inside_a_callers_transaction_the_intake_leaves_the_commit_to_it(setup) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    strategy, yes, credential, secret = setup
    with CaptureQueriesContext(connection) as captured:
        response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 201
    assert not any("COMMIT" in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize(("size", "status"), [(64 * 1024, 401), (64 * 1024 + 1, 400)])
def test_a_body_past_64_kib_is_refused_before_it_is_read(setup, size, status) -> None:
    """At the bound the body is read (and, with a bad signature, refused as such); one byte
    more is a JSON 400 saying so, before the signature is even looked at."""
    _, _, credential, secret = setup
    raw = b'{"x": "' + b"a" * (size - 9) + b'"}'
    assert len(raw) == size
    before = row_counts()
    response = post_signal(Client(), credential, secret, raw, headers={"X-LT-Key": "k"})
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    if status == 400:
        assert response.json() == {"detail": "The body is larger than 65536 bytes."}
    assert row_counts() == before
