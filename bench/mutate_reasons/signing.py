"""Survivors of `strategies/signing.py`."""

from __future__ import annotations

REREAD = (
    "Equivalent: a signature that does not match a remembered key has the key forgotten just "
    "before this call, so the key is read from the database whether `remember` is False, "
    "None or True."
)

SURVIVOR_REASONS: dict[str, str] = {
    "strategies.signing.x_signed_request_verify__mutmut_32": (
        "Equivalent: the character before the one pad of a 32-byte digest in urlsafe base64 "
        "carries 4 bits and 2 zero bits (A, E, I, M, Q, U, Y, c, g, k, o, s, w, 0, 4 or 8), "
        "never X, so stripping X as well as = changes no signature."
    ),
    "strategies.signing.x_signed_request_verify__mutmut_40": (
        "Equivalent: the character before the one pad of a 32-byte digest in urlsafe base64 "
        "carries 4 bits and 2 zero bits (A, E, I, M, Q, U, Y, c, g, k, o, s, w, 0, 4 or 8), "
        "never X, so stripping X as well as = changes no signature."
    ),
    "strategies.signing.x_signed_request_verify__mutmut_41": (
        "Equivalent: the key is read again at once with remember=False, which replaces this "
        "process's entry for it (or forgets it, if the key is gone)."
    ),
    "strategies.signing.x__known_credential__mutmut_10": (
        "Killed by a test added after this measurement (tests/intake/test_signature_rules.py::"
        "test_a_key_revoked_since_it_was_remembered_is_forgotten_when_read_again: a key "
        "revoked since it was remembered must be forgotten when read again); not run again "
        "yet."
    ),
    "strategies.signing.x_signed_request_verify__mutmut_49": REREAD,
    "strategies.signing.x_signed_request_verify__mutmut_57": REREAD,
    "strategies.signing.x_signed_request_verify__mutmut_58": REREAD,
}

DIFF_REASONS: list[tuple[str, str, str]] = [
    (
        "strategies.signing.*",
        r'^\+.*int\(request\.META\.get\("CONTENT_LENGTH"\) or 1\)',
        "Equivalent: without a Content-Length the body size counts as 1 instead of 0, both "
        "far under the limit.",
    ),
    (
        "strategies.signing.*",
        r"^\+.*headers\.get\((KEY|TIMESTAMP|SIGNATURE)_HEADER, (None)?\)",
        'Equivalent: a missing header read as None instead of "" is refused the same way '
        '(`not None` and `not ""` are both true).',
    ),
    (
        "strategies.signing.*",
        r'^\+.*method=request\.method or "XXXX"',
        "Equivalent: Django always gives a request its method, so the default is never used.",
    ),
]
