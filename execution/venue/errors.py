"""Typed venue failures. Each carries the venue's own message, so an operator reading an
order row sees what Polymarket said, not our paraphrase.

The split that matters for money: `OrderRejected` means the order was certainly not placed;
`OutcomeUnknown` means it may have been (the request may have reached the venue), so the
caller must look the order up by its hash and must never sign a new one.
"""

from __future__ import annotations

import enum


class RejectReason(enum.StrEnum):
    INVALID_SIGNATURE = "invalid_signature"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    BELOW_MIN_SIZE = "below_min_size"
    INVALID_PRICE = "invalid_price"
    POST_ONLY_CROSSES = "post_only_crosses"
    MARKET_NOT_ACCEPTING = "market_not_accepting"
    FOK_NOT_FILLED = "fok_not_filled"
    FAK_NO_MATCH = "fak_no_match"
    INVALID_EXPIRATION = "invalid_expiration"
    CANCEL_ONLY = "cancel_only"
    VERSION_MISMATCH = "version_mismatch"
    DUPLICATE = "duplicate"
    OTHER = "other"


class VenueError(Exception):
    """Any failure talking to the venue."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class OrderRejected(VenueError):
    """The venue refused the order; nothing was placed."""

    def __init__(
        self, message: str, *, reason: RejectReason, status_code: int | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.reason = reason


class OutcomeUnknown(VenueError):
    """A write may or may not have reached the venue (timeout, connection reset, 5xx)."""


class RateLimited(VenueError):
    """HTTP 429: slow down; the request was not processed."""


class VenueUnavailable(VenueError):
    """The venue could not be reached or answered 5xx to a read; safe to retry later."""


class AuthError(VenueError):
    """Credentials or the request signature were refused (HTTP 401)."""


class UnsupportedVenueVersion(VenueError):
    """The venue does not say it runs CLOB version 2; LT refuses to trade against it."""


# Substrings of the venue's error texts (reference/polymarket.md §2, §7), most specific first.
_REASON_MARKERS: tuple[tuple[str, RejectReason], ...] = (
    ("invalid signature", RejectReason.INVALID_SIGNATURE),
    ("order_version_mismatch", RejectReason.VERSION_MISMATCH),
    ("invalid order version", RejectReason.VERSION_MISMATCH),
    ("not enough balance", RejectReason.INSUFFICIENT_BALANCE),
    ("lower than the minimum", RejectReason.BELOW_MIN_SIZE),
    ("crosses book", RejectReason.POST_ONLY_CROSSES),
    ("fully filled or killed", RejectReason.FOK_NOT_FILLED),
    ("couldn't be fully filled", RejectReason.FOK_NOT_FILLED),
    ("to match with fak", RejectReason.FAK_NO_MATCH),
    ("invalid expiration", RejectReason.INVALID_EXPIRATION),
    ("cancel-only", RejectReason.CANCEL_ONLY),
    ("cancel only", RejectReason.CANCEL_ONLY),
    ("closed-only", RejectReason.CANCEL_ONLY),
    ("not yet ready", RejectReason.MARKET_NOT_ACCEPTING),
    ("not accepting orders", RejectReason.MARKET_NOT_ACCEPTING),
    ("market is closed", RejectReason.MARKET_NOT_ACCEPTING),
    ("tick", RejectReason.INVALID_PRICE),
    ("invalid price", RejectReason.INVALID_PRICE),
    ("duplicate", RejectReason.DUPLICATE),
)


def reject_reason(message: str) -> RejectReason:
    lowered = message.lower()
    for marker, reason in _REASON_MARKERS:
        if marker in lowered:
            return reason
    return RejectReason.OTHER
