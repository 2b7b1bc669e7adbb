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
    ACCOUNT_CLOSED_ONLY = "account_closed_only"
    ROUNDING = "rounding"
    PRICE_DISCREPANCY = "price_discrepancy"
    ADDRESS_BANNED = "address_banned"
    INVALID_ORDER = "invalid_order"
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


class VenuePaused(VenueError):
    """The matching engine refuses new orders for now (restarting, cancel-only, post-only
    mode): nothing was placed, and the same signed order may be sent again later."""


class AuthError(VenueError):
    """Credentials or the request signature were refused (HTTP 401)."""


class UnsupportedVenueVersion(VenueError):
    """The venue does not say it runs CLOB version 2; LT refuses to trade against it."""


# Substrings of the venue's error texts (reference/polymarket.md §2, §7, §9), most specific
# first. The venue wraps many as "order {id} is invalid. {why}": the why decides.
_REASON_MARKERS: tuple[tuple[str, RejectReason], ...] = (
    ("invalid signature", RejectReason.INVALID_SIGNATURE),
    ("order_version_mismatch", RejectReason.VERSION_MISMATCH),
    ("invalid order version", RejectReason.VERSION_MISMATCH),
    ("not enough balance", RejectReason.INSUFFICIENT_BALANCE),
    ("lower than the minimum", RejectReason.BELOW_MIN_SIZE),
    ("crosses book", RejectReason.POST_ONLY_CROSSES),
    ("crosses the book", RejectReason.POST_ONLY_CROSSES),
    ("fully filled or killed", RejectReason.FOK_NOT_FILLED),
    ("filled or killed", RejectReason.FOK_NOT_FILLED),
    ("couldn't be fully filled", RejectReason.FOK_NOT_FILLED),
    ("to match with fak", RejectReason.FAK_NO_MATCH),
    ("no matching orders", RejectReason.FAK_NO_MATCH),
    ("discrepancy greater than allowed", RejectReason.PRICE_DISCREPANCY),
    ("address banned", RejectReason.ADDRESS_BANNED),
    ("invalid expiration", RejectReason.INVALID_EXPIRATION),
    ("closed only mode", RejectReason.ACCOUNT_CLOSED_ONLY),
    ("cancel-only", RejectReason.CANCEL_ONLY),
    ("cancel only", RejectReason.CANCEL_ONLY),
    ("closed-only", RejectReason.CANCEL_ONLY),
    ("not yet ready", RejectReason.MARKET_NOT_ACCEPTING),
    ("not accepting orders", RejectReason.MARKET_NOT_ACCEPTING),
    ("market is closed", RejectReason.MARKET_NOT_ACCEPTING),
    ("rounding issues", RejectReason.ROUNDING),
    ("tick", RejectReason.INVALID_PRICE),
    ("invalid price", RejectReason.INVALID_PRICE),
    ("duplicate", RejectReason.DUPLICATE),
    ("is invalid", RejectReason.INVALID_ORDER),
)

# Matching-engine answers that come as HTTP 5xx but say the order was refused outright: a
# killed FOK/FAK, an amount the engine could not round. Nothing was placed.
_ENGINE_REFUSALS = frozenset(
    {
        RejectReason.FOK_NOT_FILLED,
        RejectReason.FAK_NO_MATCH,
        RejectReason.ROUNDING,
        RejectReason.PRICE_DISCREPANCY,
    }
)
# Engine modes that refuse every new order for a while: send the same bytes later.
_ENGINE_PAUSES = (
    "restarting",
    "cancel-only",
    "cancel only",
    "post-only mode",
    "trading is paused",
    "trading is currently disabled",
)
# Answers that do not say the order was left out: it may have been placed, or may still be
# matched. LT looks it up by its hash and never calls it refused (a refused order frees its
# budget and lets the strategy sign another). The venue sends "context canceled" as a 400
# whatever happened.
_MAYBE_PLACED = (
    "match delayed",
    "could not run the execution",
    "error delaying",
    "context canceled",
    "timed out",
    "could not insert order",
)


def reject_reason(message: str) -> RejectReason:
    lowered = message.lower()
    for marker, reason in _REASON_MARKERS:
        if marker in lowered:
            return reason
    return RejectReason.OTHER


def engine_refusal(message: str) -> RejectReason | None:
    """The reason when a 5xx answer to an order is the engine refusing it, else None."""
    reason = reject_reason(message)
    return reason if reason in _ENGINE_REFUSALS else None


def order_answer_error(message: str, *, status_code: int | None = None) -> VenueError | None:
    """What the venue's refusal text says happened to an order, as LT's typed error: placed
    perhaps (`OutcomeUnknown`), paused engine (`VenuePaused`), or refused (`OrderRejected`,
    for a 400, a `success: false` body, or a 5xx the engine wrote); None for an HTTP error
    that is not the venue's word on the order (the caller's transport rules apply)."""
    if maybe_placed(message):
        return OutcomeUnknown(message, status_code=status_code)
    if engine_paused(message):
        return VenuePaused(message, status_code=status_code)
    if status_code is not None and status_code >= 500:
        refused = engine_refusal(message)
        if refused is None:
            return None
        return OrderRejected(message, reason=refused, status_code=status_code)
    if status_code in (None, 400):
        return OrderRejected(message, reason=reject_reason(message), status_code=status_code)
    return None


def maybe_placed(message: str) -> bool:
    lowered = message.lower()
    return any(marker in lowered for marker in _MAYBE_PLACED)


def engine_paused(message: str) -> bool:
    lowered = message.lower()
    return any(marker in lowered for marker in _ENGINE_PAUSES)
