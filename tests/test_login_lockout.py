"""Repeated wrong passwords lock the user out from that address, with audit rows and an
alert; the right password before the limit still works."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from monitoring.models import Alert

pytestmark = pytest.mark.django_db

LIMIT = 5  # LOGIN_FAILURE_LIMIT's default


@pytest.fixture
def operator() -> User:
    return User.objects.create_user("ops", password="right-horse-battery", is_staff=True)


def _login(path: str, password: str, address: str = "10.0.0.7", **headers: str) -> int:
    client = Client(REMOTE_ADDR=address)
    answer = client.post(path, {"username": "ops", "password": password}, headers=headers)
    return answer.status_code


def _fail(times: int, path: str = "/admin/login/", address: str = "10.0.0.7") -> None:
    """`times` wrong passwords: the form again with its error, and at the limit the lock."""
    for n in range(1, times + 1):
        assert _login(path, "wrong", address) == (429 if n == LIMIT else 200)


@pytest.mark.parametrize("path", ["/admin/login/", "/login/"])
def test_one_failure_under_the_limit_the_right_password_still_works(operator, path) -> None:
    _fail(LIMIT - 1, path)
    assert _login(path, "right-horse-battery") == 302
    assert not Alert.objects.exists()
    # A success starts the count again: LIMIT - 1 more failures still do not lock.
    _fail(LIMIT - 1, path)
    assert _login(path, "right-horse-battery") == 302


@pytest.mark.parametrize("path", ["/admin/login/", "/login/"])
def test_at_the_limit_even_the_right_password_is_refused(operator, path) -> None:
    _fail(LIMIT, path)
    assert _login(path, "right-horse-battery") == 429
    # An audit row for each wrong password and for the refused attempt.
    audit = AccessFailureLog.objects.filter(username="ops", ip_address="10.0.0.7")
    assert audit.count() == LIMIT + 1 and audit.filter(locked_out=True).exists()
    assert AccessAttempt.objects.get(username="ops").failures_since_start >= LIMIT
    alert = Alert.objects.get(reason_code="LOGIN_LOCKED_OUT")
    assert alert.severity == Alert.Severity.CRITICAL and "10.0.0.7" in alert.subject


def test_the_lock_is_for_that_user_from_that_address(operator) -> None:
    _fail(LIMIT)
    assert _login("/admin/login/", "right-horse-battery", address="10.0.0.8") == 302


def test_a_forged_forwarded_address_does_not_escape_the_lock(operator) -> None:
    """Without a trusted proxy, X-Forwarded-For is the client's own words."""
    for n in range(1, LIMIT + 1):
        forged = {"X-Forwarded-For": f"192.0.2.{n}"}
        assert _login("/admin/login/", "wrong", **forged) == (429 if n == LIMIT else 200)
    forged = {"X-Forwarded-For": "192.0.2.99"}
    assert _login("/admin/login/", "right-horse-battery", **forged) == 429


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_clients(
    operator, settings: Settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(1, LIMIT + 1):  # one client behind the proxy, whatever it writes first
        hops = {"X-Forwarded-For": f"192.0.2.{n}, 198.51.100.4"}
        assert _login("/admin/login/", "wrong", **hops) == (429 if n == LIMIT else 200)
    proxied = {"X-Forwarded-For": "198.51.100.4"}
    assert _login("/admin/login/", "right-horse-battery", **proxied) == 429
    other = {"X-Forwarded-For": "198.51.100.5"}
    assert _login("/admin/login/", "right-horse-battery", **other) == 302
