"""Schemathesis against LT's own OpenAPI schema, in process: every operation of the API,
generated inputs (valid and not), as a logged-in operator. No answer may be a 5xx, and every
answer must be one the schema documents, shaped as it says.

(The operations are parametrized here rather than through schemathesis' pytest plugin, which
does not run under this pytest.)"""

from __future__ import annotations

import collections
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from pytest_django.fixtures import Settings
from schemathesis.checks import ignored_auth, negative_data_rejection, positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode

from ltproject.wsgi import application
from risk.market_data import StaticBooks
from tests.factories import AlertFactory, OrderFactory, PositionFactory, StrategyFactory
from tests.risk.helpers import credential_for, market_pair, signed_headers, strategy_with

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
SCHEMA.app = application
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def connection_kept() -> Iterator[None]:
    """The WSGI app is called directly: like Django's test client, keep the request cycle
    from closing the test's connection (and with it the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def operator_cookie(settings: Settings) -> str:
    settings.ALLOWED_HOSTS = ["*"]
    strategy = StrategyFactory(slug="copy-whale")
    PositionFactory(strategy=strategy)
    OrderFactory(strategy=strategy)
    AlertFactory(strategy=strategy)
    client = Client()
    client.force_login(User.objects.create_user("ops", password="pw", is_staff=True))
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_answers_as_documented(label: str, operator_cookie: str) -> None:
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers={"Cookie": operator_cookie})

    call()


# --- the signal intake, signed ----------------------------------------------------------

SIGNALS = OPERATIONS["POST /api/v1/signals/"]
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,64}")


@pytest.fixture
def signer(settings: Settings, books: StaticBooks) -> Callable[[Any], tuple[bytes, dict[str, str]]]:
    """A strategy with a signal key, a market it can trade: a function that makes a
    generated case one that strategy's FT system could send (its slug, a fresh idempotency
    key for a body the schema accepts) and signs it. Nothing in the schema is relaxed."""
    settings.ALLOWED_HOSTS = ["*"]
    strategy = strategy_with()
    _market, yes, _no = market_pair(books)
    credential, secret = credential_for(strategy)
    sent = itertools.count()

    def sign(case: Any) -> tuple[bytes, dict[str, str]]:
        body = case.body
        if isinstance(body, dict):
            body = dict(body)
            if isinstance(body.get("strategy"), str) and SLUG.fullmatch(body["strategy"]):
                body["strategy"] = strategy.slug
            if not case.meta.is_negative_at(ParameterLocation.BODY):
                # A reused key with another body is a 422 by design; half the signals on a
                # real token, so accepted decisions are generated too.
                body["idempotency_key"] = f"{body['idempotency_key'][:200]}-{next(sent)}"
                if next(sent) % 2:
                    body["token_id"] = yes.token_id
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return raw, signed_headers(credential, secret, raw)

    return sign


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_signed_signals_answer_as_documented(mode: GenerationMode, signer: Any) -> None:
    """Signed with a valid key: every body the schema accepts is decided (201), every body
    it refuses is a 400, and each answer has the documented shape. The schema and the
    validation agree exactly."""
    statuses: collections.Counter[int] = collections.Counter()

    @given(case=SIGNALS.as_strategy(generation_mode=mode))
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def call(case: Any) -> None:
        raw, headers = signer(case)
        response = case.call(headers=headers, data=raw)
        statuses[response.status_code] += 1
        if set(headers) - set(response.request.headers):  # a signing header left out
            expected = 401
        elif case.meta.is_negative_at(ParameterLocation.BODY):
            expected = 400
        else:
            expected = 201
        assert response.status_code == expected, (raw, response.text)
        case.validate_response(
            response,
            # The signature is real here, not generated: its acceptance is the point.
            excluded_checks=[positive_data_acceptance, negative_data_rejection, ignored_auth],
        )

    call()
    assert set(statuses) == ({400, 401} if mode.is_negative else {201}), statuses
