"""The signal API refuses unsigned, wrongly signed, stale and replayed requests, writing nothing."""

from __future__ import annotations

import json
import time

import pytest
import time_machine
from django.test import Client

from tests.factories import StrategyFactory
from tests.risk.helpers import (
    post_signal,
    row_counts,
    signal_body,
    signed_headers,
)

pytestmark = pytest.mark.django_db


def _refused(response, before) -> None:
    assert response.status_code == 401, response.content
    assert row_counts() == before


def test_refuses_a_request_without_signature_headers(setup) -> None:
    strategy, yes, credential, secret = setup
    before = row_counts()
    _refused(post_signal(Client(), credential, secret, signal_body(strategy, yes), headers={}),
             before)  # fmt: skip


@pytest.mark.parametrize("missing", ["X-LT-Key", "X-LT-Timestamp", "X-LT-Signature"])
def test_refuses_a_request_missing_one_header(setup, missing) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    headers = signed_headers(credential, secret, raw)
    del headers[missing]
    before = row_counts()
    _refused(post_signal(Client(), credential, secret, raw, headers=headers), before)


def test_refuses_a_wrong_signature(setup) -> None:
    strategy, yes, credential, _secret = setup
    before = row_counts()
    response = post_signal(Client(), credential, "not-the-secret", signal_body(strategy, yes))
    _refused(response, before)


def test_refuses_a_body_changed_after_signing(setup) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    headers = signed_headers(credential, secret, raw)
    before = row_counts()
    tampered = raw.replace(b'"0.50"', b'"0.51"')
    _refused(post_signal(Client(), credential, secret, tampered, headers=headers), before)


def test_refuses_a_signature_for_another_path(setup) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    headers = signed_headers(credential, secret, raw, path="/api/v1/other/")
    before = row_counts()
    _refused(post_signal(Client(), credential, secret, raw, headers=headers), before)


@pytest.mark.parametrize(("age", "status"), [(300, 201), (301, 401), (-300, 201), (-301, 401)])
def test_the_timestamp_window_is_300_seconds_either_way_inclusive(setup, age, status) -> None:
    """With the clock stopped, a timestamp exactly 300 s away is taken, one second more is
    refused, in the past and in the future alike."""
    strategy, yes, credential, secret = setup
    now = 1_796_000_000
    with time_machine.travel(now, tick=False):
        before = row_counts()
        body = signal_body(strategy, yes)
        response = post_signal(Client(), credential, secret, body, ts=now - age)
    assert response.status_code == status, response.content
    if status == 401:
        assert row_counts() == before


def test_refuses_a_replayed_signed_request_and_writes_nothing_more(setup) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    headers = signed_headers(credential, secret, raw)
    assert post_signal(Client(), credential, secret, raw, headers=headers).status_code == 201
    before = row_counts()
    _refused(post_signal(Client(), credential, secret, raw, headers=headers), before)
    unpadded = {**headers, "X-LT-Signature": headers["X-LT-Signature"].rstrip("=")}
    _refused(post_signal(Client(), credential, secret, raw, headers=unpadded), before)


def test_refuses_a_revoked_key(setup) -> None:
    strategy, yes, credential, secret = setup
    credential.is_active = False
    credential.save()
    before = row_counts()
    _refused(post_signal(Client(), credential, secret, signal_body(strategy, yes)), before)


def test_refuses_a_key_of_another_strategy(setup) -> None:
    strategy, yes, credential, secret = setup
    other = StrategyFactory()
    before = row_counts()
    body = {**signal_body(strategy, yes), "strategy": other.slug}
    _refused(post_signal(Client(), credential, secret, body), before)


def test_marks_the_key_as_used(setup) -> None:
    strategy, yes, credential, secret = setup
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    credential.refresh_from_db()
    assert credential.last_used_at is not None


def test_pruning_forgets_only_signatures_outside_the_window() -> None:
    from strategies.models import SignalNonce
    from strategies.tasks import prune_signal_nonces
    from tests.factories import SignalNonceFactory

    now = int(time.time())
    SignalNonceFactory(request_ts=now - 302)
    recent = SignalNonceFactory(request_ts=now - 300)
    assert prune_signal_nonces() == 1
    assert list(SignalNonce.objects.all()) == [recent]


def test_a_runaway_sender_is_throttled_before_anything_is_written(setup, monkeypatch) -> None:
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    strategy, yes, credential, secret = setup
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"signals": "2/min"})
    cache.clear()
    for _ in range(2):
        response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
        assert response.status_code == 201
    before = row_counts()
    response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 429
    assert row_counts() == before
    cache.clear()


# --- keys a worker remembers (strategies.signing) -------------------------------------------


def _queries_of(credential, secret, body) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = post_signal(Client(), credential, secret, body)
    return response.status_code, len(captured.captured_queries)


def test_a_remembered_key_is_verified_without_a_query_of_its_own(setup) -> None:
    from strategies.signing import credential_forget

    strategy, yes, credential, secret = setup
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    credential_forget(credential.key_id)
    read = _queries_of(credential, secret, signal_body(strategy, yes))
    remembered = _queries_of(credential, secret, signal_body(strategy, yes))
    assert read[0] == remembered[0] == 201
    assert remembered[1] == read[1] - 1


def test_a_wrong_signature_for_a_remembered_key_is_still_refused(setup) -> None:
    strategy, yes, credential, secret = setup
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    before = row_counts()
    response = post_signal(Client(), credential, "not-the-secret", signal_body(strategy, yes))
    _refused(response, before)


def test_a_remembered_key_revoked_since_is_refused_and_writes_nothing(setup) -> None:
    from strategies.services import credential_revoke

    strategy, yes, credential, secret = setup
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    credential_revoke(credential=credential)
    before = row_counts()
    _refused(post_signal(Client(), credential, secret, signal_body(strategy, yes)), before)
    _refused(post_signal(Client(), credential, secret, signal_body(strategy, yes)), before)


def test_rules_changed_after_a_key_was_remembered_decide_the_next_signal(setup) -> None:
    from decimal import Decimal

    from risk.models import RiskRules

    strategy, yes, credential, secret = setup
    assert (
        post_signal(Client(), credential, secret, signal_body(strategy, yes)).json()["reason_code"]
        == "ACCEPTED"
    )
    RiskRules.objects.filter(pk=strategy.risk_rules_id).update(max_order_notional=Decimal("1"))
    response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 201
    assert response.json()["reason_code"] == "ORDER_NOTIONAL_ABOVE_MAX"


def test_a_strategy_switched_off_after_its_key_was_remembered_takes_no_signal(setup) -> None:
    from strategies.models import Strategy

    strategy, yes, credential, secret = setup
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    Strategy.objects.filter(pk=strategy.pk).update(mode="off")
    response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.json()["reason_code"] == "STRATEGY_OFF"


def test_a_strategy_renamed_after_its_key_was_remembered_is_known_by_its_new_name(setup) -> None:
    from strategies.models import Strategy

    strategy, yes, credential, secret = setup
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201
    old_slug = strategy.slug
    Strategy.objects.filter(pk=strategy.pk).update(slug="renamed")
    strategy.slug = "renamed"
    response = post_signal(Client(), credential, secret, signal_body(strategy, yes))
    assert response.status_code == 201, response.content
    before = row_counts()
    stale = {**signal_body(strategy, yes), "strategy": old_slug}
    _refused(post_signal(Client(), credential, secret, stale), before)
