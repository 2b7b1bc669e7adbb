"""HMAC request signing of the signal API (DESIGN.md §4).

X-LT-Signature = urlsafe-base64(HMAC-SHA256(secret, timestamp + METHOD + path + raw body)),
with the secret derived from the credential (strategies.credentials). A request is refused
when the key is unknown or revoked, the timestamp is more than 300 s away from now, or the
signature does not match (compared in constant time). Replays of an accepted signature are
refused by the intake transaction (lt_signal_nonces), not here, so that a refused request
writes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from risk.models import RiskRules
from risk.selectors import Rows, columns_of, instances_from, statements_run

from .credentials import derive_secret
from .models import ApiCredential, Strategy

WINDOW_SECONDS = 300
KEY_HEADER = "X-LT-Key"
TIMESTAMP_HEADER = "X-LT-Timestamp"
SIGNATURE_HEADER = "X-LT-Signature"


class SignatureInvalid(Exception):
    """The request is not signed by an active key of LT, or not recently."""


def signature_compute(*, secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = timestamp.encode() + method.upper().encode() + path.encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


@dataclass(frozen=True)
class SignedRequest:
    credential: ApiCredential
    signature: str  # canonical (padded) form, the replay key
    timestamp: int


def _credential(key_id: str) -> ApiCredential:
    # Every signal starts here: one plain (prepared) query for the key, its strategy and their
    # rules (read fresh each time: a revocation or a rule change applies to the next request).
    rows = _credential_rows(key_id)
    if not rows:
        raise SignatureInvalid("unknown or revoked key")
    credential, strategy, rules = instances_from(rows[0], ApiCredential, Strategy, RiskRules)
    assert isinstance(credential, ApiCredential) and isinstance(strategy, Strategy)
    strategy.risk_rules = rules  # type: ignore[assignment]  # RiskRules, by the query
    credential.strategy = strategy
    return credential


def _credential_rows(key_id: str) -> Rows:
    """Run the credential query, which is also the request's database health check.

    With CONN_HEALTH_CHECKS, Django sends `SELECT 1` on a reused connection before its first
    query of a request, to replace one the server dropped: a round trip per signal. This
    query is that first one, outside any transaction, and only reads: on a dead connection it
    fails, and is asked again on a new one, so it does the check's job at no cost.
    """
    statement = (_credential_sql(), [key_id])
    # The health-check flags (Django 4.1+) are not in django-stubs.
    db: Any = connections[DEFAULT_DB_ALIAS]
    if db.in_atomic_block or not db.health_check_enabled:
        return statements_run([statement])[0]
    checking, db.health_check_done = not db.health_check_done, True
    try:
        return statements_run([statement])[0]
    except (InterfaceError, OperationalError):
        if not checking:
            raise
        db.close()
        return statements_run([statement])[0]


@cache
def _credential_sql() -> str:
    return (
        f"SELECT {columns_of(ApiCredential, 'c')}, {columns_of(Strategy, 's')}, "
        f"{columns_of(RiskRules, 'r')} "
        "FROM lt_api_credentials c JOIN lt_strategies s ON s.id = c.strategy_id "
        "JOIN lt_risk_rules r ON r.id = s.risk_rules_id "
        "WHERE c.key_id = %s AND c.is_active"
    )


def _timestamp(value: str, now: float) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise SignatureInvalid("timestamp must be unix seconds")
    timestamp = int(value)
    if abs(now - timestamp) > WINDOW_SECONDS:
        raise SignatureInvalid(f"timestamp is more than {WINDOW_SECONDS} s from now")
    return timestamp


def signed_request_verify(
    *,
    key_id: str,
    timestamp: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    now: float,
) -> SignedRequest:
    """The credential behind a correctly signed, fresh request, or SignatureInvalid."""
    if not key_id or not timestamp or not signature:
        raise SignatureInvalid(
            f"{KEY_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required"
        )
    ts = _timestamp(timestamp, now)
    credential = _credential(key_id)
    secret = derive_secret(key_id=credential.key_id, salt=credential.salt)
    expected = signature_compute(
        secret=secret, timestamp=timestamp, method=method, path=path, body=body
    )
    # Padding is optional on the wire; compare (and remember) one canonical form.
    given = signature.strip().rstrip("=")
    if not hmac.compare_digest(given.encode(), expected.rstrip("=").encode()):
        raise SignatureInvalid("signature does not match")
    return SignedRequest(credential=credential, signature=expected, timestamp=ts)


@dataclass(frozen=True)
class SignalClient:
    """The authenticated caller of the signal API (what DRF calls `request.user`)."""

    signed: SignedRequest
    is_authenticated: bool = True

    @property
    def pk(self) -> int:  # throttles key on this
        return self.signed.credential.pk

    @property
    def credential(self) -> ApiCredential:
        return self.signed.credential


class SignalSignatureAuthentication(authentication.BaseAuthentication):
    """DRF authentication for the HMAC-signed signal API (answers 401 when it fails)."""

    def authenticate(self, request: Request) -> tuple[SignalClient, SignedRequest]:
        headers = request.headers
        try:
            signed = signed_request_verify(
                key_id=headers.get(KEY_HEADER, ""),
                timestamp=headers.get(TIMESTAMP_HEADER, ""),
                signature=headers.get(SIGNATURE_HEADER, ""),
                method=request.method or "",
                path=request.path,
                body=request.body,
                now=time.time(),
            )
        except SignatureInvalid as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        return SignalClient(signed=signed), signed

    def authenticate_header(self, request: Request) -> str:
        return 'LT-HMAC realm="signals"'
