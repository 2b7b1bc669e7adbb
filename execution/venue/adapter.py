"""The one module boundary between LT and the Polymarket CLOB (py-clob-client-v2).

Everything above this file speaks Decimal, typed results and typed errors; everything below
is the client library. A later SDK swap replaces this file alone.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar

import httpx
from django.conf import settings
from py_clob_client_v2 import ClobClient
from py_clob_client_v2.clob_types import (
    ApiCreds,
    AssetType,
    BalanceAllowanceParams,
    BookParams,
    OpenOrderParams,
    OrderArgsV2,
    OrderMarketCancelParams,
    OrderPayload,
    PartialCreateOrderOptions,
    TradeParams,
)
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.constants import BYTES32_ZERO, END_CURSOR, INITIAL_CURSOR
from py_clob_client_v2.exceptions import PolyApiException, PolyException
from py_clob_client_v2.http_helpers import helpers as http_helpers
from py_clob_client_v2.order_builder.builder import ROUNDING_CONFIG
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2
from py_clob_client_v2.order_utils.model.signature_type_v2 import SignatureTypeV2
from py_clob_client_v2.order_utils.utils import generate_order_salt

from ltproject.domain import Side

from . import metrics
from .errors import (
    AuthError,
    OrderRejected,
    OutcomeUnknown,
    RateLimited,
    RejectReason,
    UnsupportedVenueVersion,
    VenueError,
    VenueUnavailable,
    order_answer_error,
    reject_reason,
)
from .hashing import order_digest
from .limits import throttle
from .signing import DigestSigner
from .types import (
    Balance,
    Book,
    BookLevel,
    MakerFill,
    MarketInfo,
    OrderAck,
    OrderRequest,
    SignedOrder,
    TradePage,
    VenueOrder,
    VenueTrade,
    dec,
    dec_or_none,
    dec_or_zero,
    from_base_units,
    timestamp_or_none,
)

T = TypeVar("T")

# CLOB versions LT signs for: 2 (Exchange V2, domain "2") and 3 (Exchange V3, domain "3";
# the markets of Polymarket's protocol V2). A venue answering anything else is refused.
SUPPORTED_VERSIONS = (2, 3)
MAX_BATCH = 15  # POST /orders takes at most 15 orders
BOOKS_BATCH = 500  # tokens per POST /books
DEFAULT_TIMEOUT_S = 5.0
# The client's rounding: shares to 2 decimals; price to the tick's decimals.
SIZE_QUANTUM = Decimal("0.01")
POLY_1271 = int(SignatureTypeV2.POLY_1271)

_transport_lock = threading.Lock()


def configure_transport(*, https: bool, timeout_s: float) -> None:
    """Give the client library explicit timeouts and keep-alive.

    py-clob-client-v2 sends every request through one module-level httpx client created
    with library defaults; replacing it is the only way to set the timeout that decides
    when a send becomes `OutcomeUnknown`. Plain-http hosts (the sandbox) use HTTP/1.1.
    """
    with _transport_lock:
        http_helpers._http_client = httpx.Client(
            http2=https,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )


def _http_post(url: httpx.URL, headers: dict[str, str], body: str) -> Any:
    """The client's `post` (same httpx client, headers, answers and exceptions; not its
    error log line) for a URL parsed once: httpx parses a URL given as text on every request
    (measured from `post_order` to the first byte on the socket: 0.34 ms, 0.26 ms so)."""
    client = http_helpers._http_client  # read per call: configure_transport may replace it
    try:
        response = client.post(
            url, headers=http_helpers._overload_headers("POST", headers), content=body.encode()
        )
    except httpx.RequestError as error:
        raise PolyApiException(error_msg="Request exception!") from error
    if response.status_code != 200:
        raise PolyApiException(response)
    try:
        return response.json()
    except ValueError:
        return response.text


def _message(error: PolyApiException) -> str:
    body = error.error_msg
    if isinstance(body, dict):
        return str(body.get("error") or body.get("errorMsg") or json.dumps(body))
    return str(body)


# What reading a venue answer of an unexpected shape raises (a missing key, "" for a number).
_SHAPE_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    ArithmeticError,
    AttributeError,
    IndexError,
    RecursionError,  # a frame nested deeper than the JSON parser goes
)


@contextmanager
def _translated(call: str, *, write: bool, order: bool = False) -> Iterator[None]:
    """Map the client's exceptions to LT's typed errors, and count the call (metrics.py).

    `call` names the request for the venue metrics ("" for work that may not reach the
    venue at all, such as signing). `write`: the request changes venue state, so a lost
    answer is `OutcomeUnknown`. `order`: a 400 is the venue refusing an order
    (`OrderRejected` with a reason code).
    """
    started = time.perf_counter()
    outcome: metrics.Outcome = "error"
    try:
        yield
        outcome = "ok"
    except PolyApiException as error:
        status, message = error.status_code, _message(error)
        if status is None:  # "Request exception!": timeout or network error
            raise (OutcomeUnknown if write else VenueUnavailable)(message) from error
        if status == 401:
            outcome = "client_error"
            raise AuthError(message, status_code=status) from error
        if status == 429:
            outcome = "rate_limited"
            raise RateLimited(message, status_code=status) from error
        if order and (typed := order_answer_error(message, status_code=status)) is not None:
            if isinstance(typed, OrderRejected):
                outcome = "rejected"  # the venue answered and did not place the order
            elif status < 500:
                outcome = "client_error"
            raise typed from error
        if status >= 500:
            raise (OutcomeUnknown if write else VenueUnavailable)(
                message, status_code=status
            ) from error
        outcome = "client_error"
        raise VenueError(message, status_code=status) from error
    except OrderRejected:  # the venue answered, and did not place the order
        outcome = "rejected"
        raise
    except PolyException as error:  # raised by the client before any request
        outcome = "client_error"
        raise VenueError(str(error.msg)) from error
    except _SHAPE_ERRORS as error:
        # An answer in a shape LT cannot read. After a write the venue may have acted on it.
        raise (OutcomeUnknown if write else VenueError)(
            f"unexpected answer from the venue ({call or 'order'}): {error!r}"[:500]
        ) from error
    finally:
        if call:
            metrics.record(call, time.perf_counter() - started, outcome)


class VenueAdapter:
    """Polymarket CLOB access for one wallet (signature type and funder from settings)."""

    def __init__(
        self,
        *,
        host: str,
        chain_id: int,
        private_key: str = "",
        signature_type: int = 0,
        funder: str = "",
        creds: ApiCreds | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        configure_transport(https=host.startswith("https"), timeout_s=timeout_s)
        self._client = ClobClient(
            host,
            chain_id=chain_id,
            key=private_key or None,
            creds=creds,
            signature_type=signature_type,
            funder=funder or None,
        )
        self._chain_id = chain_id
        self._heartbeat_id = ""
        self._urls: dict[str, httpx.URL] = {}
        config = get_contract_config(chain_id)
        # (exchange version, neg-risk) → the contract an order is signed for. Exchange V3
        # trades position ids and has no neg-risk twin (the client ignores neg-risk there).
        self._exchanges = {
            (2, False): str(config.exchange_v2),
            (2, True): str(config.neg_risk_exchange_v2),
            (3, False): str(config.exchange_v3),
            (3, True): str(config.exchange_v3),
        }
        self.venue_version = 2  # what /version said at connect(); orders default to it
        # Orders are signed here (sign_order) unless the client's builder has to: deposit
        # wallets (POLY_1271) sign through the wallet, builder codes add fields.
        builder_code = getattr(self._client.builder_config, "builder_code", None)
        self._signer = (
            DigestSigner(private_key)
            if private_key and signature_type != POLY_1271 and not builder_code
            else None
        )

    @classmethod
    def from_settings(cls, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> VenueAdapter:
        return cls(
            host=settings.CLOB_HOST,
            chain_id=settings.CHAIN_ID,
            private_key=settings.SIGNER_PRIVATE_KEY,
            signature_type=settings.SIGNATURE_TYPE,
            funder=settings.FUNDER_ADDRESS,
            timeout_s=timeout_s,
        )

    # --- session ---------------------------------------------------------------------

    @property
    def address(self) -> str:
        """The signing EOA."""
        return str(self._client.get_address())

    @property
    def funder(self) -> str:
        """The wallet that holds funds (the EOA itself for signature type 0)."""
        return str(self._client.builder.funder)

    def server_version(self) -> int:
        # Not `client.get_version()`: it answers 2 on any error, which would let LT trade
        # against a venue it cannot verify.
        throttle("other")
        with _translated("version", write=False):
            answer = self._client._get(f"{self._client.host}/version")
        if not isinstance(answer, dict) or "version" not in answer:
            raise UnsupportedVenueVersion(f"unexpected /version answer: {answer!r}")
        return int(answer["version"])

    def ensure_supported_version(self) -> None:
        version = self.server_version()
        if version not in SUPPORTED_VERSIONS:
            raise UnsupportedVenueVersion(
                f"venue runs CLOB version {version}, LT signs for versions 2 and 3"
            )
        self.venue_version = version

    def connect(self) -> None:
        """Refuse an unsupported venue, then create or derive the L2 API key (kept in memory)."""
        self.ensure_supported_version()
        # Without a signer key (paper trading) only public market data is available.
        if self._client.creds is None and self._client.signer is not None:
            throttle("auth")
            with _translated("auth", write=True):
                self._client.set_api_creds(self._client.create_or_derive_api_key())

    def credentials(self) -> ApiCreds:
        """The L2 API credentials (the user channel authenticates with them)."""
        self._require_l2()
        assert self._client.creds is not None
        creds: ApiCreds = self._client.creds
        return creds

    def server_time(self) -> int:
        throttle("other")
        with _translated("time", write=False):
            return int(self._client.get_server_time())

    # --- market data -----------------------------------------------------------------

    def market_info(self, condition_id: str) -> MarketInfo:
        throttle("other")
        with _translated("market_info", write=False):
            return _market_info(condition_id, self._client.get_clob_market_info(condition_id))

    def markets(self) -> list[dict[str, Any]]:
        """Every CLOB market, following `next_cursor` to the end."""
        result: list[dict[str, Any]] = []
        cursor = INITIAL_CURSOR
        while cursor != END_CURSOR:
            throttle("other")
            with _translated("markets", write=False):  # a page a call, as the venue sees it
                page = self._client.get_markets(next_cursor=cursor)
                result.extend(page["data"])
                cursor = page.get("next_cursor") or END_CURSOR
        return result

    def market(self, condition_id: str) -> dict[str, Any]:
        """The CLOB market object (`tokens[].winner`, `closed`, `accepting_orders`, ...)."""
        throttle("other")
        with _translated("market", write=False):
            answer: dict[str, Any] = self._client.get_market(condition_id)
        return answer

    def condition_for_token(self, token_id: str) -> str:
        """The condition (market) id a token belongs to."""
        throttle("other")
        with _translated("market", write=False):
            answer = self._client._get(f"{self._client.host}/markets-by-token/{token_id}")
        if not isinstance(answer, dict) or not answer.get("condition_id"):
            raise VenueError(f"venue knows no market for token {token_id}", status_code=404)
        return str(answer["condition_id"])

    def book(self, token_id: str) -> Book:
        throttle("book")
        with _translated("book", write=False):
            return _book(self._client.get_order_book(token_id))

    def books(self, token_ids: Sequence[str]) -> list[Book]:
        """Books for many tokens in ceil(n / 500) requests."""
        result: list[Book] = []
        for start in range(0, len(token_ids), BOOKS_BATCH):
            chunk = [BookParams(token_id=t) for t in token_ids[start : start + BOOKS_BATCH]]
            throttle("books")
            with _translated("books", write=False):
                result.extend(_book(raw) for raw in self._client.get_order_books(chunk))
        return result

    def tick_size(self, token_id: str) -> Decimal:
        throttle("other")  # one request per token; the client keeps the answer
        with _translated("tick_size", write=False):
            return dec(self._client.get_tick_size(token_id))

    def neg_risk(self, token_id: str) -> bool:
        throttle("other")  # one request per token; the client keeps the answer
        with _translated("neg_risk", write=False):
            return bool(self._client.get_neg_risk(token_id))

    # --- orders ----------------------------------------------------------------------

    def sign_order(
        self,
        request: OrderRequest,
        *,
        tick_size: Decimal | None = None,
        neg_risk: bool | None = None,
        exchange_version: int | None = None,
    ) -> SignedOrder:
        """Sign an order without sending it; returns the wire form and the order hash.

        `tick_size` and `neg_risk` are the market's as LT recorded them; without them the
        client looks them up (one request per token, then cached). `exchange_version` is
        the market's (3 for a protocol-V2 market), else the venue's.
        """
        version = exchange_version or self.venue_version
        if version not in SUPPORTED_VERSIONS:
            raise OrderRejected(
                f"exchange version {version} is not one LT signs for",
                reason=RejectReason.VERSION_MISMATCH,
            )
        with _translated("", write=False, order=True):
            tick = tick_size if tick_size is not None else self.tick_size(request.token_id)
            # A tick read from the database carries its column's places (0.010000): quantizing
            # to it checks decimal places only, so 0.055 would pass on a 0.01 market.
            tick = tick.normalize()
            price = request.price.quantize(tick)
            if price != request.price or request.price % tick != 0:
                raise OrderRejected(
                    f"price {request.price} is not on tick {tick}",
                    reason=RejectReason.INVALID_PRICE,
                )
            size = request.size.quantize(SIZE_QUANTUM, rounding=ROUND_DOWN)
            if neg_risk is None:
                neg_risk = self.neg_risk(request.token_id)
            exchange = self._exchanges[(version, neg_risk)]
            if self._signer is None:
                wire = self._client_signed(request, price, size, tick, neg_risk, version)
                digest = order_digest(
                    wire, chain_id=self._chain_id, exchange=exchange, version=version
                )
            else:
                wire, digest = self._signed(request, price, size, tick, exchange, version)
        return SignedOrder(
            order_hash="0x" + digest.hex(),
            order=wire,
            order_type=request.order_type,
            post_only=request.post_only,
            neg_risk=neg_risk,
            exchange_version=version,
        )

    def _signed(
        self,
        request: OrderRequest,
        price: Decimal,
        size: Decimal,
        tick: Decimal,
        exchange: str,
        version: int,
    ) -> tuple[dict[str, Any], bytes]:
        """The wire order and its digest, built and signed here, not by `create_order`.

        Same fields, amounts (the client's own rounding) and salt as the client's builder,
        hashed by hand and signed on that digest (signing.py): a fraction of the cost.
        """
        assert self._signer is not None
        literal = _tick_literal(tick)
        if not tick <= price <= 1 - tick:
            raise PolyException(f"invalid price ({price}), min: {tick} - max: {1 - tick}")
        builder = self._client.builder
        # Floats only here: the client's rounding takes them.
        _, maker_amount, taker_amount = builder.get_order_amounts(
            str(request.side), float(size), float(price), ROUNDING_CONFIG[literal]
        )
        wire: dict[str, Any] = {
            "salt": int(generate_order_salt()),
            "maker": builder.funder,
            "signer": builder.signer.address(),
            "tokenId": request.token_id,
            "makerAmount": str(maker_amount),
            "takerAmount": str(taker_amount),
            "side": str(request.side),
            "expiration": str(request.expiration),
            "signatureType": int(builder.signature_type),
            "timestamp": str(time.time_ns() // 1_000_000),
            "metadata": BYTES32_ZERO,
            "builder": BYTES32_ZERO,
        }
        digest = order_digest(wire, chain_id=self._chain_id, exchange=exchange, version=version)
        wire["signature"] = self._signer.sign(digest)
        return wire, digest

    def _client_signed(
        self,
        request: OrderRequest,
        price: Decimal,
        size: Decimal,
        tick: Decimal,
        neg_risk: bool,
        version: int,
    ) -> dict[str, Any]:
        """The wire order from the client's own builder (deposit wallets, builder codes)."""
        options = PartialCreateOrderOptions(
            tick_size=_tick_literal(tick), neg_risk=neg_risk, version=version
        )
        # Floats only here: the client's builder takes them and rounds by the tick.
        args = OrderArgsV2(
            token_id=request.token_id,
            price=float(price),
            size=float(size),
            side=str(request.side),
            expiration=request.expiration,
        )
        throttle("other")  # the builder may ask the venue (tick size, version), once per token
        signed = self._client.create_order(args, options)
        wire: dict[str, Any] = order_to_json_v2(
            signed, "", str(request.order_type), request.post_only
        )["order"]
        return wire

    def _payload(self, signed: SignedOrder) -> dict[str, Any]:
        return {
            "order": signed.order,
            "owner": self._client.creds.api_key if self._client.creds else "",
            "orderType": str(signed.order_type),
            "deferExec": False,
            "postOnly": signed.post_only,
        }

    def _post_json(self, path: str, payload: Any) -> Any:
        # Not `client.post_order()`: after a match it polls /data/trades for up to 30 s to
        # fill in transaction hashes. LT follows fills with its own trade sync, so the send
        # returns as soon as the venue answers.
        serialized = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        headers = self._client._l2_headers("POST", path, body=payload, serialized_body=serialized)
        url = self._urls.get(path) or self._urls.setdefault(
            path, httpx.URL(self._client.host + path)
        )
        return _http_post(url, headers, serialized)

    def post_order(self, signed: SignedOrder) -> OrderAck:
        """Send a signed order. Raises OrderRejected (not placed) or OutcomeUnknown (maybe)."""
        throttle("post_order")
        with _translated("post_order", write=True, order=True):
            self._require_l2()
            return _ack(self._post_json("/order", self._payload(signed)))

    def post_orders(self, orders: Sequence[SignedOrder]) -> list[OrderAck | VenueError]:
        """Send up to 15 signed orders in one request; one result per order, in order."""
        if not 0 < len(orders) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} orders, got {len(orders)}")
        throttle("post_orders")
        with _translated("post_orders", write=True, order=True):
            self._require_l2()
            answers = self._post_json("/orders", [self._payload(o) for o in orders])
        return [_ack_or_rejection(answer) for answer in answers]

    def get_order(self, order_id: str) -> VenueOrder | None:
        """The venue's view of one order, or None when the venue does not know it."""
        try:
            throttle("data")
            with _translated("get_order", write=False):
                self._require_l2()
                raw = self._client.get_order(order_id)
                if not raw or not isinstance(raw, dict) or not raw.get("id"):
                    return None
                return _venue_order(raw)
        except VenueError as error:
            if error.status_code in (400, 404):
                return None
            raise

    def open_orders(self, *, condition_id: str = "", token_id: str = "") -> list[VenueOrder]:
        params = OpenOrderParams(market=condition_id or None, asset_id=token_id or None)
        throttle("data")
        with _translated("open_orders", write=False):
            self._require_l2()
            return [_venue_order(raw) for raw in self._client.get_open_orders(params)]

    def trades(self, *, cursor: str = INITIAL_CURSOR, **filters: str) -> TradePage:
        """Every trade from `cursor` to the end, following `next_cursor` until "LTE="."""
        params = TradeParams(**filters) if filters else None
        trades: list[VenueTrade] = []
        resume = cursor
        self._require_l2()
        while cursor != END_CURSOR:
            throttle("data")
            with _translated("trades", write=False):  # a page a call, as the venue sees it
                page = self._client.get_trades_paginated(params, next_cursor=cursor)
                trades.extend(_venue_trade(raw) for raw in page["trades"])
                resume, cursor = cursor, page.get("next_cursor") or END_CURSOR
        return TradePage(trades=tuple(trades), resume_cursor=resume)

    def cancel(self, order_id: str) -> dict[str, Any]:
        return self._cancel(lambda: self._client.cancel_order(OrderPayload(orderID=order_id)))

    def cancel_many(self, order_ids: Sequence[str]) -> dict[str, Any]:
        return self._cancel(lambda: self._client.cancel_orders(list(order_ids)))

    def cancel_all(self) -> dict[str, Any]:
        return self._cancel(self._client.cancel_all)

    def cancel_market(self, *, condition_id: str = "", token_id: str = "") -> dict[str, Any]:
        params = OrderMarketCancelParams(market=condition_id, asset_id=token_id)
        return self._cancel(lambda: self._client.cancel_market_orders(params))

    def _cancel(self, call: Callable[[], Any]) -> dict[str, Any]:
        """`{"canceled": [...], "not_canceled": {id: reason}}`, as the venue answers."""
        throttle("cancel")
        with _translated("cancel", write=True):
            self._require_l2()
            answer = call()
        return answer if isinstance(answer, dict) else {"canceled": [], "not_canceled": {}}

    # --- account ---------------------------------------------------------------------

    def balance(self, token_id: str = "") -> Balance:
        """pUSD (no token) or outcome-share balance and allowances, in whole units."""
        throttle("balance")
        with _translated("balance", write=False):
            self._require_l2()
            raw = self._client.get_balance_allowance(_balance_params(token_id))
        return _balance(raw)

    def refresh_balance(self, token_id: str = "") -> Balance:
        """Ask the venue to re-read balance and allowance from chain (stale-cache fix)."""
        throttle("balance")
        with _translated("balance", write=False):
            self._require_l2()
            self._client.update_balance_allowance(_balance_params(token_id))
            raw = self._client.get_balance_allowance(_balance_params(token_id))
        return _balance(raw)

    def heartbeat(self) -> str:
        """Keep resting orders alive; without one for 10 s the venue cancels them all."""
        throttle("other")
        with _translated("heartbeat", write=True):
            self._require_l2()
            answer = self._client.post_heartbeat(self._heartbeat_id)
        if isinstance(answer, dict) and answer.get("heartbeat_id"):
            self._heartbeat_id = str(answer["heartbeat_id"])
        return self._heartbeat_id

    def _require_l2(self) -> None:
        if self._client.creds is None:
            raise AuthError("no API credentials: call connect() first")


# --- parsing -------------------------------------------------------------------------------

_TICKS = ("0.1", "0.01", "0.005", "0.0025", "0.001", "0.0001")
# Equal Decimals hash alike, so a tick read as 0.010000 finds "0.01".
_TICK_LITERALS = {Decimal(literal): literal for literal in _TICKS}


def _tick_literal(tick: Decimal) -> Any:
    literal = _TICK_LITERALS.get(tick)
    if literal is None:
        raise OrderRejected(f"unsupported tick size {tick}", reason=RejectReason.INVALID_PRICE)
    return literal


def _levels(raw: list[dict[str, Any]], *, descending: bool) -> tuple[BookLevel, ...]:
    levels = [BookLevel(price=dec(x["price"]), size=dec(x["size"])) for x in raw or []]
    return tuple(sorted(levels, key=lambda level: level.price, reverse=descending))


def _book(raw: dict[str, Any]) -> Book:
    return Book(
        token_id=str(raw["asset_id"]),
        condition_id=str(raw.get("market", "")),
        bids=_levels(raw.get("bids", []), descending=True),
        asks=_levels(raw.get("asks", []), descending=False),
        tick_size=dec_or_none(raw.get("tick_size")),
        min_order_size=dec_or_zero(raw.get("min_order_size")),
        neg_risk=bool(raw.get("neg_risk", False)),
        last_trade_price=dec_or_none(raw.get("last_trade_price")),
        timestamp=str(raw.get("timestamp", "")),
    )


def _market_info(condition_id: str, raw: dict[str, Any]) -> MarketInfo:
    """`/clob-markets/{condition_id}`'s short keys: `mts` tick, `nr` neg-risk, `mos` minimum
    size, `t` tokens, `fd` fee details {r, e, to} (absent on a fee-free market)."""
    if not isinstance(raw, dict) or "mts" not in raw:
        raise VenueError(f"unexpected market info for {condition_id}: {raw!r}"[:500])
    fees = raw.get("fd") or {}
    return MarketInfo(
        condition_id=condition_id,
        tick_size=dec(raw["mts"]),
        neg_risk=bool(raw.get("nr", False)),
        min_order_size=dec_or_none(raw.get("mos")),
        token_ids=tuple(str(t["t"]) for t in raw.get("t") or () if t),
        fee_rate=dec(fees.get("r") or 0),
        fee_exponent=dec(fees.get("e", 1)),  # the fees page's formula has p(1 − p) once
        fee_taker_only=bool(fees.get("to", True)),
    )


def _ack(raw: dict[str, Any]) -> OrderAck:
    """An accepted answer, or OrderRejected when the venue says it did not execute."""
    status = str(raw.get("status", "")).lower()
    error = str(raw.get("errorMsg") or raw.get("error") or "")
    said = order_answer_error(error) if error else None
    if said is not None and not isinstance(said, OrderRejected):
        raise said  # even beside `success: true` (a batch's answers in post-only mode)
    if raw.get("success") is False or status == "unmatched" or not raw.get("orderID"):
        message = error or f"order not placed (status {status or 'missing'})"
        raise OrderRejected(message, reason=reject_reason(message))
    return OrderAck(
        order_id=str(raw["orderID"]),
        status=status,
        making_amount=dec_or_none(raw.get("makingAmount")),
        taking_amount=dec_or_none(raw.get("takingAmount")),
        trade_ids=tuple(str(t) for t in raw.get("tradeIDs") or ()),
        transaction_hashes=tuple(str(h) for h in raw.get("transactionsHashes") or ()),
        raw=raw,
    )


def _ack_or_rejection(raw: dict[str, Any]) -> OrderAck | VenueError:
    """One order's answer in a batch: accepted, or the typed error that says what happened
    to it (refused, paused, or perhaps placed)."""
    try:
        return _ack(raw)
    except VenueError as error:
        return error


def _venue_order(raw: dict[str, Any]) -> VenueOrder:
    return VenueOrder(
        order_id=str(raw["id"]),
        status=str(raw.get("status", "")).upper(),
        token_id=str(raw.get("asset_id", "")),
        condition_id=str(raw.get("market", "")),
        side=Side(str(raw.get("side", "BUY")).upper()),
        price=dec_or_zero(raw.get("price")),
        original_size=dec_or_zero(raw.get("original_size")),
        size_matched=dec_or_zero(raw.get("size_matched")),
        order_type=str(raw.get("order_type", "")),
        created_at=timestamp_or_none(raw.get("created_at")),
        raw=raw,
    )


def _venue_trade(raw: dict[str, Any]) -> VenueTrade:
    status = str(raw.get("status", "")).upper().removeprefix("TRADE_STATUS_")
    return VenueTrade(
        trade_id=str(raw["id"]),
        status=status,
        taker_order_id=str(raw.get("taker_order_id", "")),
        token_id=str(raw.get("asset_id", "")),
        condition_id=str(raw.get("market", "")),
        side=Side(str(raw.get("side", "BUY")).upper()),
        trader_side=str(raw.get("trader_side", "")).upper(),
        price=dec_or_zero(raw.get("price")),
        size=dec_or_zero(raw.get("size")),
        fee_rate_bps=dec_or_none(raw.get("fee_rate_bps")),
        # REST and the newer user-channel frames say `match_time`, older frames `matchtime`.
        match_time=timestamp_or_none(raw.get("match_time") or raw.get("matchtime")),
        transaction_hash=str(raw.get("transaction_hash") or ""),
        maker_orders=tuple(
            MakerFill(
                order_id=str(m.get("order_id", "")),
                maker_address=str(m.get("maker_address", "")),
                matched_amount=dec_or_zero(m.get("matched_amount")),
                price=dec_or_zero(m.get("price")),
                token_id=str(m.get("asset_id", "")),
                side=str(m.get("side", "")).upper(),
                fee_rate_bps=dec_or_zero(m.get("fee_rate_bps")),
            )
            for m in raw.get("maker_orders") or ()
        ),
        raw=raw,
    )


def _balance_params(token_id: str) -> BalanceAllowanceParams:
    if token_id:
        return BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=token_id)
    return BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)


def _balance(raw: dict[str, Any]) -> Balance:
    allowances = raw.get("allowances") or {}
    return Balance(
        balance=from_base_units(raw.get("balance") or 0),
        allowances={spender: from_base_units(v or 0) for spender, v in allowances.items()},
    )
