"""strategies/signing.py rule by rule: what is signed, the timestamp's form and window, the
canonical signature, the per-process memory of keys and what the API answers on each refusal."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from strategies import signing
from strategies.signing import (
    MAX_BODY_BYTES,
    CredentialChanged,
    SignatureInvalid,
    SignatureMismatch,
    credential_check,
    credential_forget,
    signature_compute,
    signed_request_verify,
)
from tests.risk.helpers import SIGNALS_PATH, post_signal, signal_body, signed_headers

pytestmark = pytest.mark.django_db

NOW = 1_796_000_000
BODY = b'{"a": 1}'
PATH = "/api/v1/signals/"


def _reference(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """DESIGN.md §4 written out: urlsafe-base64(HMAC-SHA256(secret, ts + METHOD + path + body))."""
    message = timestamp.encode() + method.encode() + path.encode() + body
    return base64.urlsafe_b64encode(
        hmac.new(secret.encode(), message, hashlib.sha256).digest()
    ).decode()


def _verify(credential, secret: str, *, timestamp: str = str(NOW), **changes):
    fields = {
        "key_id": credential.key_id,
        "timestamp": timestamp,
        "signature": _reference(secret, timestamp, "POST", PATH, BODY),
        "method": "POST",
        "path": PATH,
        "body": BODY,
        "now": float(NOW),
    }
    return signed_request_verify(**{**fields, **changes})


@pytest.fixture
def key(setup):
    _strategy, _yes, credential, secret = setup
    credential_forget(credential.key_id)
    yield credential, secret
    credential_forget(credential.key_id)


def test_the_signature_is_the_design_documents_hmac_with_the_method_in_capitals() -> None:
    expected = _reference("s3cret", "1796000000", "POST", PATH, BODY)
    assert expected.endswith("=")  # 32 bytes: one pad character
    assert (
        signature_compute(
            secret="s3cret", timestamp="1796000000", method="post", path=PATH, body=BODY
        )
        == expected
    )


def test_a_verified_request_carries_the_credential_the_padded_signature_and_the_time(key) -> None:
    credential, secret = key
    signed = _verify(credential, secret)
    assert signed.credential.pk == credential.pk
    assert signed.signature == _reference(secret, str(NOW), "POST", PATH, BODY)
    assert signed.timestamp == NOW and signed.remembered is False
    assert len(signed.version) == 4  # xmin and ctid of the strategy's and the rules' rows
    # Remembered by this process (PostgreSQL gives row versions), and verified from memory.
    assert signing._known[credential.key_id].credential.pk == credential.pk
    again = _verify(credential, secret)
    assert (again.remembered, again.version, again.signature) == (
        True,
        signed.version,
        signed.signature,
    )


def test_remember_false_reads_the_key_again(key) -> None:
    credential, secret = key
    _verify(credential, secret)
    assert _verify(credential, secret, remember=False).remembered is False


def test_a_request_verified_from_memory_counts_as_the_connections_health_check(key) -> None:
    credential, secret = key
    _verify(credential, secret)
    db: Any = connection
    db.health_check_done = False
    assert _verify(credential, secret).remembered is True
    assert db.health_check_done is True


@pytest.mark.parametrize("given", ["padded", "unpadded", "spaced"])
def test_padding_and_surrounding_blanks_of_the_signature_are_optional(key, given) -> None:
    credential, secret = key
    padded = _reference(secret, str(NOW), "POST", PATH, BODY)
    wire = {"padded": padded, "unpadded": padded.rstrip("="), "spaced": f" {padded} "}[given]
    assert _verify(credential, secret, signature=wire).signature == padded


def test_a_wrong_signature_is_a_mismatch_naming_the_key(key) -> None:
    credential, secret = key
    with pytest.raises(SignatureMismatch, match=r"^signature does not match$") as refused:
        _verify(credential, "another-secret")
    assert refused.value.credential.pk == credential.pk
    # Remembered first: the key is read again, then still refused.
    _verify(credential, secret)
    with pytest.raises(SignatureMismatch) as again:
        _verify(credential, "another-secret")
    assert again.value.credential.pk == credential.pk


def test_an_unknown_key_is_refused_and_not_remembered(key) -> None:
    credential, secret = key
    with pytest.raises(SignatureInvalid, match=r"^unknown or revoked key$"):
        _verify(credential, secret, key_id="no-such-key")
    assert "no-such-key" not in signing._known


@pytest.mark.parametrize("missing", ["key_id", "timestamp", "signature"])
def test_each_header_is_required(key, missing) -> None:
    credential, secret = key
    with pytest.raises(
        SignatureInvalid,
        match=r"^X-LT-Key, X-LT-Timestamp and X-LT-Signature are required$",
    ):
        _verify(credential, secret, **{missing: ""})


@pytest.mark.parametrize(
    ("timestamp", "accepted"),
    [
        ("001796000000", True),  # twelve digits: the longest taken
        ("0001796000000", False),  # thirteen
        ("1796000000.5", False),
        ("-1796000000", False),
        ("１７９６０００００００", False),  # digits, but not ASCII ones
    ],
)
def test_the_timestamp_is_at_most_twelve_ascii_digits(key, timestamp, accepted) -> None:
    credential, secret = key
    if accepted:
        assert _verify(credential, secret, timestamp=timestamp).timestamp == NOW
    else:
        with pytest.raises(SignatureInvalid, match=r"^timestamp must be unix seconds$"):
            _verify(credential, secret, timestamp=timestamp)


@pytest.mark.parametrize("offset", [-301, 301])
def test_the_window_message_names_its_seconds(key, offset) -> None:
    credential, secret = key
    stamp = str(NOW + offset)
    with pytest.raises(SignatureInvalid, match=r"^timestamp is more than 300 s from now$"):
        _verify(
            credential,
            secret,
            timestamp=stamp,
            signature=_reference(secret, stamp, "POST", PATH, BODY),
        )


def test_a_key_revoked_or_changed_since_it_was_verified(key) -> None:
    credential, secret = key
    signed = _verify(credential, secret)
    credential_check(signed, [(list(signed.version), "more columns")])  # unchanged: nothing
    assert credential.key_id in signing._known
    with pytest.raises(SignatureInvalid, match=r"^unknown or revoked key$"):
        credential_check(signed, [])
    assert credential.key_id not in signing._known
    signed = _verify(credential, secret)
    with pytest.raises(CredentialChanged, match=rf"^{credential.key_id}$"):
        credential_check(signed, [(["other", "versions"], "more columns")])
    assert credential.key_id not in signing._known


def _post_raw(credential, secret, raw: bytes, **headers: str):
    sent = signed_headers(credential, secret, raw) | headers
    return Client().post(SIGNALS_PATH, data=raw, content_type="application/json", headers=sent)


@pytest.mark.parametrize(("size", "status"), [(MAX_BODY_BYTES, 401), (MAX_BODY_BYTES + 1, 400)])
def test_a_body_is_refused_unread_one_byte_past_its_limit(key, size, status) -> None:
    credential, secret = key
    raw = b" " * size
    response = _post_raw(credential, secret, raw, **{"X-LT-Signature": "wrong"})
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["detail"] == f"The body is larger than {MAX_BODY_BYTES} bytes."


def test_the_answer_says_why_a_request_was_refused(setup) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    bad = post_signal(Client(), credential, "another-secret", raw)
    assert bad.status_code == 401
    assert bad.json()["detail"] == "signature does not match"
    assert bad["WWW-Authenticate"] == 'LT-HMAC realm="signals"'
    unknown = _post_raw(credential, secret, raw, **{"X-LT-Key": "no-such-key"})
    assert unknown.json()["detail"] == "unknown or revoked key"
    assert post_signal(Client(), credential, secret, signal_body(strategy, yes)).status_code == 201


def test_a_locked_out_sender_is_told_so(setup, settings) -> None:
    settings.SIGNAL_KEY_FAILURE_LIMIT = 1
    settings.SIGNAL_KEY_LOCKOUT_MINUTES = 15
    strategy, yes, credential, _secret = setup
    answer = post_signal(Client(), credential, "another-secret", signal_body(strategy, yes))
    assert answer.status_code == 429
    assert answer.json()["detail"] == (
        "too many bad signatures under this key from this address Expected available in 900 "
        "seconds."
    )
    assert int(answer["Retry-After"]) == 15 * 60


@pytest.mark.parametrize("missing", ["X-LT-Key", "X-LT-Timestamp", "X-LT-Signature"])
def test_the_answer_names_the_required_headers(setup, missing) -> None:
    strategy, yes, credential, secret = setup
    raw = json.dumps(signal_body(strategy, yes)).encode()
    sent = {k: v for k, v in signed_headers(credential, secret, raw).items() if k != missing}
    response = Client().post(SIGNALS_PATH, data=raw, content_type="application/json", headers=sent)
    assert response.status_code == 401
    assert response.json()["detail"] == ("X-LT-Key, X-LT-Timestamp and X-LT-Signature are required")


def test_a_key_revoked_since_it_was_remembered_is_forgotten_when_read_again(key) -> None:
    credential, secret = key
    _verify(credential, secret)
    assert credential.key_id in signing._known
    type(credential).objects.filter(pk=credential.pk).update(is_active=False)
    with pytest.raises(SignatureInvalid, match=r"^unknown or revoked key$"):
        _verify(credential, secret, remember=False)
    assert credential.key_id not in signing._known
