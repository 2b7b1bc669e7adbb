"""The venue boundary: `VenueAdapter` over py-clob-client-v2, typed results and errors."""

from .adapter import VenueAdapter, configure_transport
from .errors import (
    AuthError,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    RejectReason,
    UnsupportedVenueVersion,
    VenueError,
    VenuePaused,
    VenueUnavailable,
)
from .types import (
    Balance,
    Book,
    BookLevel,
    MarketInfo,
    OrderAck,
    OrderRequest,
    SignedOrder,
    TradePage,
    VenueOrder,
    VenueTrade,
)

__all__ = [
    "AuthError",
    "Balance",
    "Book",
    "BookLevel",
    "MarketInfo",
    "OrderAck",
    "OrderRejected",
    "OrderRequest",
    "OutcomeUnknown",
    "RateLimited",
    "RejectReason",
    "SignedOrder",
    "TradePage",
    "UnsupportedVenueVersion",
    "VenueAdapter",
    "VenueError",
    "VenueOrder",
    "VenuePaused",
    "VenueTrade",
    "VenueUnavailable",
    "configure_transport",
]
