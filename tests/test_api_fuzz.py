"""Schemathesis against LT's own OpenAPI schema, in process: every operation of the API,
generated inputs (valid and not), as a logged-in operator. No answer may be a 5xx, and every
answer must be one the schema documents, shaped as it says.

(The operations are parametrized here rather than through schemathesis' pytest plugin, which
does not run under this pytest.)"""

from __future__ import annotations

from collections.abc import Iterator
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

from ltproject.wsgi import application
from tests.factories import AlertFactory, OrderFactory, PositionFactory, StrategyFactory

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
