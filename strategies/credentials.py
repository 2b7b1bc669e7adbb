"""Signal-signing secrets, derived rather than stored.

secret = urlsafe_b64(HMAC-SHA256(CREDENTIALS_KEY, "lt-signal-credential:" + key_id + ":" + salt))

The database keeps only the key id and the salt, so a database leak alone cannot sign a
signal, and the secret can be recomputed to verify a request without ever being written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings

_PURPOSE = b"lt-signal-credential:"


def derive_secret(*, key_id: str, salt: str) -> str:
    digest = hmac.new(
        settings.CREDENTIALS_KEY.encode(),
        _PURPOSE + key_id.encode() + b":" + salt.encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(digest).decode()
