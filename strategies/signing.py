"""HMAC request signing of the signal API (DESIGN.md §4).

X-LT-Signature = urlsafe-base64(HMAC-SHA256(secret, timestamp + METHOD + path + raw body)),
with the secret derived from the credential (strategies.credentials). A request is refused
when the key is unknown or revoked, the timestamp is more than 300 s away from now, or the
signature does not match (compared in constant time). Replays of an accepted signature are
refused by the intake transaction (lt_signal_nonces), not here, so that a refused request
writes nothing.

Each worker process remembers the keys it has verified (`_known`): the key's secret and its
strategy and rules as read, with the row versions they were read at. A known key is verified
without a query; the intake's transaction then reads the versions again in its first round
trip (`hotpath.credentials.credential_check_statement`) and refuses a revoked key, or starts
over with the rows read afresh when the strategy or its rules changed. So a revocation or a
rule change still applies to the next request, and a signal costs one round trip fewer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from hotpath.credentials import credential_with_rules
from hotpath.sql import Rows
from ltproject.clientip import client_address

from .credentials import derive_secret
from .lockouts import signature_failure_record
from .models import ApiCredential

WINDOW_SECONDS = 300
KEY_HEADER = "X-LT-Key"
TIMESTAMP_HEADER = "X-LT-Timestamp"
SIGNATURE_HEADER = "X-LT-Signature"


class SignatureInvalid(Exception):
    """The request is not signed by an active key of LT, or not recently."""


class SignatureMismatch(SignatureInvalid):
    """An active key, a wrong signature: counted against the key and the sender's address."""

    def __init__(self, message: str, credential: ApiCredential) -> None:
        super().__init__(message)
        self.credential = credential


def signature_compute(*, secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = timestamp.encode() + method.upper().encode() + path.encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()


class CredentialChanged(Exception):
    """The key's strategy or rules changed since this process read them: start over."""


@dataclass(frozen=True)
class SignedRequest:
    credential: ApiCredential
    signature: str  # canonical (padded) form, the replay key
    timestamp: int
    # Row versions of the strategy and its rules as `credential` holds them (xmin and ctid:
    # a new version of a row has a new ctid, even inside the transaction that wrote it).
    version: tuple[str, ...] = ()
    # Verified from this process's memory, with no query before the intake's transaction.
    remembered: bool = False


@dataclass
class _Known:
    credential: ApiCredential  # with its strategy and the strategy's rules
    secret: str
    version: tuple[str, ...]


# key id → what this process read of it. Small (one entry per key) and per process.
_known: dict[str, _Known] = {}


def credential_forget(key_id: str) -> None:
    """Read the key from the database next time (its rows changed, or it was revoked)."""
    _known.pop(key_id, None)


def _known_credential(key_id: str, *, remember: bool) -> tuple[_Known, bool]:
    """The key's credential, strategy and rules, and whether they came from memory."""
    known = _known.get(key_id) if remember else None
    if known is not None:
        return known, True
    # One plain (prepared) query for the key, its strategy and their rules.
    found = credential_with_rules(key_id)
    if found is None:
        credential_forget(key_id)
        raise SignatureInvalid("unknown or revoked key")
    credential, version = found
    secret = derive_secret(key_id=credential.key_id, salt=credential.salt)
    known = _Known(credential=credential, secret=secret, version=tuple(version))
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":  # row versions: PostgreSQL's
        _known[key_id] = known
    return known, False


def credential_check(signed: SignedRequest, rows: Rows) -> None:
    """Refuse a key revoked since it was verified; CredentialChanged if its strategy or rules
    are not the ones the request was verified with. Both must roll the transaction back."""
    key_id = signed.credential.key_id
    if not rows:
        credential_forget(key_id)
        raise SignatureInvalid("unknown or revoked key")
    if tuple(rows[0][0]) != signed.version:
        credential_forget(key_id)
        raise CredentialChanged(key_id)


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
    remember: bool = True,
) -> SignedRequest:
    """The credential behind a correctly signed, fresh request, or SignatureInvalid.

    `remember=False` reads the key from the database even if this process knows it.
    """
    if not key_id or not timestamp or not signature:
        raise SignatureInvalid(
            f"{KEY_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required"
        )
    ts = _timestamp(timestamp, now)
    known, remembered = _known_credential(key_id, remember=remember)
    expected = signature_compute(
        secret=known.secret, timestamp=timestamp, method=method, path=path, body=body
    )
    # Padding is optional on the wire; compare (and remember) one canonical form.
    given = signature.strip().rstrip("=")
    if not hmac.compare_digest(given.encode(), expected.rstrip("=").encode()):
        if remembered:  # read the key again before refusing: the database has the last word
            credential_forget(key_id)
            return signed_request_verify(
                key_id=key_id,
                timestamp=timestamp,
                signature=signature,
                method=method,
                path=path,
                body=body,
                now=now,
                remember=False,
            )
        raise SignatureMismatch("signature does not match", known.credential)
    if remembered:
        # No query was made: the connection's health check is the transaction's first
        # statement itself, and the view starts over if the connection turns out dead.
        db: Any = connections[DEFAULT_DB_ALIAS]
        db.health_check_done = True
    return SignedRequest(
        credential=known.credential,
        signature=expected,
        timestamp=ts,
        version=known.version,
        remembered=remembered,
    )


# A signal is a few hundred bytes; a body past this is refused (400) before it is read.
MAX_BODY_BYTES = 64 * 1024


def request_verify(request: Request, *, remember: bool = True) -> SignedRequest:
    """`signed_request_verify` of a DRF request; AuthenticationFailed (401) if it fails."""
    headers = request.headers
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise RequestDataTooBig
        body = request.body
    except (RequestDataTooBig, ValueError):
        raise exceptions.ParseError(f"The body is larger than {MAX_BODY_BYTES} bytes.") from None
    try:
        return signed_request_verify(
            key_id=headers.get(KEY_HEADER, ""),
            timestamp=headers.get(TIMESTAMP_HEADER, ""),
            signature=headers.get(SIGNATURE_HEADER, ""),
            method=request.method or "",
            path=request.path,
            body=body,
            now=time.time(),
            remember=remember,
        )
    except SignatureMismatch as error:
        outcome = signature_failure_record(
            credential=error.credential, address=client_address(request), reason=str(error)
        )
        if outcome.locked_until is not None:
            raise exceptions.Throttled(
                wait=outcome.retry_after(timezone.now()),
                detail="too many bad signatures under this key from this address",
            ) from None
        raise exceptions.AuthenticationFailed(str(error)) from None
    except SignatureInvalid as error:
        raise exceptions.AuthenticationFailed(str(error)) from None


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
        signed = request_verify(request)
        return SignalClient(signed=signed), signed

    def authenticate_header(self, request: Request) -> str:
        return 'LT-HMAC realm="signals"'
