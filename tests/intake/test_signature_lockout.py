"""Bad signatures under one key from one address are counted and, at the limit, locked out
(429, Retry-After, an alert); correctly signed requests are still taken."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from monitoring.models import Alert
from strategies.models import SignatureLockout
from tests.risk.helpers import post_signal, row_counts, signal_body, signed_headers

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings: Settings) -> None:
    settings.SIGNAL_KEY_FAILURE_LIMIT = LIMIT
    settings.SIGNAL_KEY_FAILURE_WINDOW_MINUTES = 10
    settings.SIGNAL_KEY_LOCKOUT_MINUTES = 15


def _bad(setup, address: str = "10.1.1.1"):
    strategy, yes, credential, _secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    headers = signed_headers(credential, "not-the-secret", raw)
    return post_signal(Client(REMOTE_ADDR=address), credential, "", raw, headers=headers)


def _good(setup, address: str = "10.1.1.1"):
    strategy, yes, credential, secret = setup
    return post_signal(Client(REMOTE_ADDR=address), credential, secret, signal_body(strategy, yes))


def test_one_under_the_limit_is_still_a_plain_401(setup) -> None:
    for _ in range(LIMIT - 1):
        assert _bad(setup).status_code == 401
    row = SignatureLockout.objects.get()
    assert (row.failures, row.locked_until, row.address) == (LIMIT - 1, None, "10.1.1.1")
    assert row.last_reason == "signature does not match"
    assert not Alert.objects.exists()


def test_at_the_limit_the_pair_is_locked_out_with_an_alert(setup) -> None:
    strategy, *_ = setup
    for _ in range(LIMIT - 1):
        assert _bad(setup).status_code == 401
    before = row_counts()
    answer = _bad(setup)
    assert answer.status_code == 429 and int(answer["Retry-After"]) == 15 * 60
    alert = Alert.objects.get(reason_code="SIGNAL_KEY_LOCKED_OUT")
    assert alert.severity == Alert.Severity.CRITICAL and alert.strategy == strategy
    assert "10.1.1.1" in alert.subject
    # Locked: more bad requests are refused and counted, no second alert, nothing else written.
    assert _bad(setup).status_code == 429
    assert SignatureLockout.objects.get().refused == 1
    assert Alert.objects.get().count == 1
    assert row_counts() == {**before, "Alert": before["Alert"] + 1}


def test_the_lock_is_for_that_address_and_a_good_signature_still_goes_through(setup) -> None:
    for _ in range(LIMIT):
        _bad(setup)
    assert _bad(setup, address="10.1.1.2").status_code == 401  # another sender: its own count
    assert _good(setup).status_code == 201  # the secret's holder, even from the locked address


def test_failures_further_apart_than_the_window_never_lock(setup) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(LIMIT - 1):
            assert _bad(setup).status_code == 401
        clock.move_to(start + timedelta(minutes=10, seconds=1))
        assert _bad(setup).status_code == 401
        assert SignatureLockout.objects.get().failures == 1


def test_the_lock_ends_after_its_minutes(setup) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(LIMIT):
            _bad(setup)
        clock.move_to(start + timedelta(minutes=15) - timedelta(seconds=1))
        assert _bad(setup).status_code == 429
        clock.move_to(start + timedelta(minutes=15, seconds=1))
        assert _bad(setup).status_code == 401


def test_an_unknown_key_is_not_counted(setup) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    headers = signed_headers(credential, secret, raw) | {"X-LT-Key": "no-such-key"}
    for _ in range(LIMIT + 1):
        assert post_signal(Client(), credential, secret, raw, headers=headers).status_code == 401
    assert not SignatureLockout.objects.exists()
