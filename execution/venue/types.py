"""What the venue adapter hands to the rest of LT: Decimal values, never floats or raw JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

from ltproject.domain import OrderType, Side

BASE_UNIT = Decimal("0.000001")  # pUSD and outcome shares both have 6 decimals on-chain
_UINT256_CONTEXT = Context(prec=80)  # room for any uint256 without rounding


def from_base_units(value: str | int) -> Decimal:
    """Exact: an integer shifted six places (allowances can be 2**256 - 1, "unlimited")."""
    return Decimal(int(value)).scaleb(-6, _UINT256_CONTEXT)


def dec(value: Any) -> Decimal:
    """A venue number (string or int) as a Decimal; floats go through str() to stay exact.
    "NaN" and "Infinity" are not amounts: ValueError, as for any other unreadable number."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return number


def dec_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return dec(value)


def dec_or_zero(value: Any) -> Decimal:
    """A venue amount that may come as "" or null (`size_matched: ""` on a fresh order)."""
    parsed = dec_or_none(value)
    return Decimal(0) if parsed is None else parsed


@dataclass(frozen=True)
class BookLevel:
    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class Book:
    """An order book with both sides best-first (the venue sends best-last)."""

    token_id: str
    condition_id: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    tick_size: Decimal | None  # older books omit it: the market's recorded tick stands
    min_order_size: Decimal
    neg_risk: bool
    last_trade_price: Decimal | None
    timestamp: str

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0].price if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0].price if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return (self.best_bid + self.best_ask) / 2

    @property
    def spread(self) -> Decimal | None:
        if self.best_bid is None or self.best_ask is None:
            return None
        return self.best_ask - self.best_bid


@dataclass(frozen=True)
class MarketInfo:
    """CLOB market parameters (`/clob-markets/{condition_id}`)."""

    condition_id: str
    tick_size: Decimal
    neg_risk: bool
    min_order_size: Decimal | None
    token_ids: tuple[str, ...]
    fee_rate: Decimal
    fee_exponent: Decimal
    fee_taker_only: bool = True


@dataclass(frozen=True)
class OrderRequest:
    token_id: str
    side: Side
    price: Decimal
    size: Decimal
    order_type: OrderType = OrderType.GTC
    expiration: int = 0  # unix seconds, GTD only
    post_only: bool = False


@dataclass(frozen=True)
class SignedOrder:
    """A signed order as it goes on the wire, plus its hash (the venue's order id).

    Stored before the POST so that an ambiguous send is resolved by looking up `order_hash`
    and, if needed, re-sending these exact bytes — never by signing again.
    """

    order_hash: str
    order: dict[str, Any]  # the wire `order` object (amounts in base units, signature)
    order_type: OrderType
    post_only: bool
    neg_risk: bool
    exchange_version: int = 2  # the exchange (and EIP-712 domain version) it is signed for

    @property
    def token_id(self) -> str:
        return str(self.order["tokenId"])

    @property
    def side(self) -> Side:
        return Side(self.order["side"])

    @property
    def maker_amount(self) -> Decimal:
        return from_base_units(self.order["makerAmount"])

    @property
    def taker_amount(self) -> Decimal:
        return from_base_units(self.order["takerAmount"])

    @property
    def size(self) -> Decimal:
        """Shares: what a BUY receives or a SELL gives."""
        return self.taker_amount if self.side == Side.BUY else self.maker_amount

    @property
    def notional(self) -> Decimal:
        """pUSD: what a BUY pays or a SELL receives at the limit price."""
        return self.maker_amount if self.side == Side.BUY else self.taker_amount

    def to_json(self) -> dict[str, Any]:
        return {
            "order_hash": self.order_hash,
            "order": self.order,
            "order_type": str(self.order_type),
            "post_only": self.post_only,
            "neg_risk": self.neg_risk,
            "exchange_version": self.exchange_version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedOrder:
        return cls(
            order_hash=data["order_hash"],
            order=data["order"],
            order_type=OrderType(data["order_type"]),
            post_only=bool(data["post_only"]),
            neg_risk=bool(data["neg_risk"]),
            exchange_version=int(data.get("exchange_version", 2)),
        )


@dataclass(frozen=True)
class OrderAck:
    """The venue's answer to an accepted POST /order."""

    order_id: str
    status: str  # live | matched | delayed | unmatched
    making_amount: Decimal | None
    taking_amount: Decimal | None
    trade_ids: tuple[str, ...]
    transaction_hashes: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class VenueOrder:
    order_id: str
    status: str
    token_id: str
    condition_id: str
    side: Side
    price: Decimal
    original_size: Decimal
    size_matched: Decimal
    order_type: str
    created_at: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class MakerFill:
    """One maker leg of a trade: its order, shares matched and price, on the maker's token.

    A complementary match (a BUY of YES against a BUY of NO, a SELL against a SELL) carries
    the other token and the same side as the taker; an empty side or token means "not sent".
    """

    order_id: str
    maker_address: str
    matched_amount: Decimal
    price: Decimal
    token_id: str
    side: str
    fee_rate_bps: Decimal = Decimal(0)


@dataclass(frozen=True)
class VenueTrade:
    trade_id: str
    status: str
    taker_order_id: str
    token_id: str
    condition_id: str
    side: Side
    trader_side: str
    price: Decimal
    size: Decimal
    fee_rate_bps: Decimal | None  # the rate the match was charged at, when the trade says
    match_time: datetime | None
    transaction_hash: str
    maker_orders: tuple[MakerFill, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class TradePage:
    trades: tuple[VenueTrade, ...]
    resume_cursor: str  # where the next sync should start (the last page is re-read)


@dataclass(frozen=True)
class Balance:
    balance: Decimal
    allowances: dict[str, Decimal]


# Unix seconds stay under this until the year 5138; milliseconds have passed it since 1973.
_MILLISECONDS_FROM = 10**11


def timestamp_or_none(value: Any) -> datetime | None:
    """The venue sends unix seconds or milliseconds (as int or string) or ISO strings:
    REST order objects carry seconds, user-channel order messages milliseconds."""
    if value in (None, "", 0, "0"):
        return None
    text = str(value)
    if text.isdigit():
        number = int(text)
        seconds = number / 1000 if number >= _MILLISECONDS_FROM else number
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None  # beyond any date the venue could mean
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
