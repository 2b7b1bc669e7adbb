"""The venue's HTTP API as plain functions: Request in, Response out (no sockets here).

Routes and answers follow what py-clob-client-v2 sends and parses (reference/polymarket.md
§2, §3, §8): errors are `{"error": "..."}` with 400/401/404/429/5xx, pages end at "LTE=".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sandbox import views
from sandbox.auth import ApiKey, AuthError, verify_l1, verify_l2, verify_order
from sandbox.control import ControlRoutes
from sandbox.engine import Order, OrderRejected, Trade
from sandbox.intake import check_order, order_from, parse_post
from sandbox.relayer import RelayerRoutes
from sandbox.scenario import Market
from sandbox.units import decode_cursor, encode_cursor
from sandbox.venue import Venue
from sandbox.wire import ApiError, Handler, Request, Response

logger = logging.getLogger(__name__)

CANCEL_ONLY_ERROR = (
    "Trading is currently cancel-only. New orders are not accepted, but cancels are allowed."
)
MAX_BATCH = 15
PAGE_SIZE = 500


class SandboxAPI:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        v = views
        self.exact: dict[tuple[str, str], Handler] = {
            ("GET", "/"): lambda r: "OK",
            ("GET", "/ok"): lambda r: "OK",
            ("GET", "/version"): lambda r: {"version": self.venue.clob_version},
            ("GET", "/time"): lambda r: int(self.venue.now()),
            ("POST", "/auth/api-key"): self.create_api_key,
            ("GET", "/auth/derive-api-key"): self.create_api_key,
            ("GET", "/auth/api-keys"): self._l2(self.list_api_keys),
            ("GET", "/auth/ban-status/closed-only"): self._l2(lambda r, k: {"closed_only": False}),
            ("GET", "/book"): lambda r: v.book(self.venue, self._token(r.arg("token_id"))),
            ("POST", "/books"): lambda r: [v.book(self.venue, t) for t in self._tokens(r)],
            ("GET", "/midpoint"): lambda r: {
                "mid": v.mid(self.venue, self._token(r.arg("token_id")))
            },
            ("POST", "/midpoints"): lambda r: {t: v.mid(self.venue, t) for t in self._tokens(r)},
            ("GET", "/price"): self.price,
            ("POST", "/prices"): self.prices,
            ("GET", "/spread"): lambda r: {
                "spread": v.spread(self.venue, self._token(r.arg("token_id")))
            },
            ("POST", "/spreads"): lambda r: {t: v.spread(self.venue, t) for t in self._tokens(r)},
            ("GET", "/last-trade-price"): lambda r: v.last_trade(
                self.venue, self._token(r.arg("token_id"))
            ),
            ("GET", "/tick-size"): lambda r: {"minimum_tick_size": v.tick_size(self._market(r))},
            ("GET", "/neg-risk"): lambda r: {"neg_risk": self._market(r).neg_risk},
            ("GET", "/fee-rate"): self.fee_rate,
            ("GET", "/markets"): self.markets,
            ("GET", "/sampling-markets"): self.markets,
            ("GET", "/gamma/markets"): self.gamma_markets,
            ("POST", "/order"): self._l2(self.post_order),
            ("POST", "/orders"): self._l2(self.post_orders),
            ("DELETE", "/order"): self._l2(self.cancel_order),
            ("DELETE", "/orders"): self._l2(self.cancel_orders),
            ("DELETE", "/cancel-all"): self._l2(self.cancel_all),
            ("DELETE", "/cancel-market-orders"): self._l2(self.cancel_market_orders),
            ("GET", "/data/orders"): self._l2(self.open_orders),
            ("GET", "/data/trades"): self._l2(self.trades),
            ("GET", "/balance-allowance"): self._l2(self.balance_allowance),
            ("GET", "/balance-allowance/update"): self._l2(self.balance_allowance),
            ("POST", "/v1/heartbeats"): self._l2(self.heartbeat),
            **ControlRoutes(venue).routes(),
            **RelayerRoutes(venue).routes(),
        }
        self.prefixed: list[tuple[str, str, Handler]] = [
            ("GET", "/markets/", lambda r: v.clob_market(self._condition(r, "/markets/"))),
            (
                "GET",
                "/clob-markets/",
                lambda r: v.clob_market_info(self._condition(r, "/clob-markets/")),
            ),
            ("GET", "/markets-by-token/", self.market_by_token),
            ("GET", "/data/order/", self._l2(self.get_order)),
        ]

    # -- dispatch -------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        faults = self.venue.faults
        latency = faults.take("latency", request.path)
        if latency:
            time.sleep(latency.seconds)
        injected = faults.take("status", request.path)
        if injected:
            message = "Too Many Requests" if injected.status == 429 else "Internal Server Error"
            return Response(injected.status, {"error": message})
        response = self._handle(request)
        stall = faults.take("stall", request.path)
        if stall:
            response.stall = stall.seconds
        return response

    def _handle(self, request: Request) -> Response:
        handler = self._route(request)
        if handler is None:
            return Response(404, {"error": "not found"})
        try:
            return Response(200, handler(request))
        except ApiError as exc:
            return Response(exc.status, {"error": exc.message})
        except AuthError as exc:
            return Response(401, {"error": exc.message})
        except OrderRejected as exc:
            return Response(400, {"error": exc.message})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Malformed input the handlers did not anticipate: answer, never drop the socket.
            logger.warning("sandbox: bad request %s %s: %r", request.method, request.path, exc)
            return Response(400, {"error": f"Invalid payload: {exc}"})

    def _route(self, request: Request) -> Handler | None:
        handler = self.exact.get((request.method, request.path))
        if handler is not None:
            return handler
        for method, prefix, candidate in self.prefixed:
            if request.method == method and request.path.startswith(prefix):
                return candidate
        return None

    def _l2(self, handler: Callable[[Request, ApiKey], Any]) -> Handler:
        def authenticated(request: Request) -> Any:
            body = request.body.decode()
            key = verify_l2(self.venue.keys, request.headers, request.method, request.path, body)
            return handler(request, key)

        return authenticated

    # -- lookups --------------------------------------------------------------------------
    def _token(self, token_id: str) -> str:
        if not token_id:
            raise ApiError(400, "Invalid token id")
        if token_id not in self.venue.tokens:
            raise ApiError(404, "No orderbook exists for the requested token id")
        return token_id

    def _tokens(self, request: Request) -> list[str]:
        items = request.json()
        if not isinstance(items, list):
            raise ApiError(400, "Invalid payload")
        return [self._token(str(item.get("token_id", ""))) for item in items]

    def _market(self, request: Request) -> Market:
        return self.venue.tokens[self._token(request.arg("token_id"))][0]

    def _condition(self, request: Request, prefix: str) -> Market:
        market = self.venue.markets.get(request.path.removeprefix(prefix))
        if market is None:
            raise ApiError(404, "market not found")
        return market

    # -- auth -----------------------------------------------------------------------------
    def create_api_key(self, request: Request) -> dict[str, str]:
        address, nonce = verify_l1(request.headers, self.venue.chain_id)
        with self.venue.lock:
            return self.venue.keys.issue(address, nonce).as_json()

    def list_api_keys(self, request: Request, key: ApiKey) -> dict[str, list[str]]:
        return {"apiKeys": [k.key for k in self.venue.keys.of_address(key.address)]}

    # -- market data ----------------------------------------------------------------------
    def price(self, request: Request) -> dict[str, str]:
        side = request.arg("side").upper()
        if side not in ("BUY", "SELL"):
            raise ApiError(400, "Invalid side")
        return {"price": views.side_price(self.venue, self._token(request.arg("token_id")), side)}

    def prices(self, request: Request) -> dict[str, dict[str, str]]:
        answer: dict[str, dict[str, str]] = {}
        for item in request.json() or []:
            token, side = self._token(str(item.get("token_id", ""))), str(item.get("side", ""))
            if side not in ("BUY", "SELL"):
                raise ApiError(400, "Invalid side")
            answer.setdefault(token, {})[side] = views.side_price(self.venue, token, side)
        return answer

    def fee_rate(self, request: Request) -> dict[str, int]:
        """The market's taker rate in basis points (py-clob-client-v2 reads it for v1 orders)."""
        return {"base_fee": int(self._market(request).fee_rate * 10_000)}

    def markets(self, request: Request) -> dict[str, Any]:
        rows = [views.clob_market(m) for m in self.venue.markets.values()]
        return _page(rows, request.arg("next_cursor"), PAGE_SIZE)

    def market_by_token(self, request: Request) -> dict[str, str]:
        token = self._token(request.path.removeprefix("/markets-by-token/"))
        return {"condition_id": self.venue.tokens[token][0].condition_id}

    def gamma_markets(self, request: Request) -> list[dict[str, Any]]:
        wanted = {c for v in request.query.get("condition_ids", []) for c in v.split(",") if c}
        markets = [m for m in self.venue.markets.values() if not wanted or m.condition_id in wanted]
        return [views.gamma_market(self.venue, m, i) for i, m in enumerate(markets, 1)]

    # -- orders ---------------------------------------------------------------------------
    def post_order(self, request: Request, key: ApiKey) -> dict[str, Any]:
        self._refuse_if_cancel_only()
        return self._place(request.json(), key)

    def post_orders(self, request: Request, key: ApiKey) -> list[dict[str, Any]]:
        self._refuse_if_cancel_only()
        payloads = request.json()
        if not isinstance(payloads, list) or not payloads:
            raise ApiError(400, "Invalid order payload")
        if len(payloads) > MAX_BATCH:
            raise ApiError(400, f"Too many orders in payload, max allowed is {MAX_BATCH}")
        answers = []
        for payload in payloads:
            try:
                answers.append(self._place(payload, key))
            except (ApiError, AuthError, OrderRejected) as exc:
                answers.append(views.rejected(str(exc)))
        return answers

    def _refuse_if_cancel_only(self) -> None:
        if self.venue.faults.active("cancel_only"):
            raise ApiError(503, CANCEL_ONLY_ERROR)

    def _place(self, payload: Any, key: ApiKey) -> dict[str, Any]:
        signed, order_type, post_only = parse_post(payload, key)
        market = self.venue.market_of(signed.token_id)
        if market is None:
            raise ApiError(400, "Invalid token id")
        try:
            order_id = verify_order(
                signed,
                chain_id=self.venue.chain_id,
                neg_risk=market.neg_risk,
                key_owner=key.address,
                # A venue that answers /version 3 takes Exchange V3 orders, as py-clob-client-v2
                # signs them for it.
                version=3 if self.venue.clob_version == 3 else 2,
            )
        except AuthError as exc:
            raise ApiError(400, exc.message) from exc  # a bad order signature is a 400, not 401
        order = order_from(signed, order_id, order_type, post_only, key, market.tick)
        check_order(order, market.tick, market.min_order_size, self.venue.now())
        self.venue.link_funder(key.address, signed.signature_type, signed.maker)
        return views.placement(self.venue.submit(order))

    def get_order(self, request: Request, key: ApiKey) -> dict[str, Any]:
        order = self.venue.order(request.path.removeprefix("/data/order/"))
        if order is None or order.owner != key.key:
            raise ApiError(404, "order not found")
        return views.order_json(self.venue, order)

    def open_orders(self, request: Request, key: ApiKey) -> dict[str, Any]:
        with self.venue.lock:
            rows = [
                views.order_json(self.venue, o)
                for o in self.venue.exchange.open_orders()
                if o.owner == key.key and _order_matches(self.venue, o, request)
            ]
        return _page(rows, request.arg("next_cursor"), PAGE_SIZE)

    def trades(self, request: Request, key: ApiKey) -> dict[str, Any]:
        with self.venue.lock:
            rows = [
                views.trade_json(self.venue, t, key.key)
                for t in self.venue.exchange.trade_log
                if t.involves(key.key) and _trade_matches(self.venue, t, request)
            ]
        return _page(rows, request.arg("next_cursor"), PAGE_SIZE)

    def cancel_order(self, request: Request, key: ApiKey) -> dict[str, Any]:
        body = request.json()
        order_id = str(body.get("orderID", "")) if isinstance(body, dict) else ""
        return _cancel_answer(*self.venue.cancel(key.key, [order_id]))

    def cancel_orders(self, request: Request, key: ApiKey) -> dict[str, Any]:
        ids = request.json()
        if not isinstance(ids, list):
            raise ApiError(400, "Invalid payload")
        return _cancel_answer(*self.venue.cancel(key.key, [str(i) for i in ids]))

    def cancel_all(self, request: Request, key: ApiKey) -> dict[str, Any]:
        return _cancel_answer(self.venue.cancel_owner(key.key), {})

    def cancel_market_orders(self, request: Request, key: ApiKey) -> dict[str, Any]:
        body = request.json() or {}
        canceled = self.venue.cancel_owner(
            key.key, market=str(body.get("market", "")), asset_id=str(body.get("asset_id", ""))
        )
        return _cancel_answer(canceled, {})

    # -- account --------------------------------------------------------------------------
    def balance_allowance(self, request: Request, key: ApiKey) -> dict[str, Any]:
        signature_type = int(request.arg("signature_type", "0") or 0)
        holder = self.venue.funder_of(key.address, signature_type)
        asset_type = request.arg("asset_type", "COLLATERAL").upper()
        token = self._token(request.arg("token_id")) if asset_type == "CONDITIONAL" else ""
        return views.balance_allowance(self.venue.balance(holder, token))

    def heartbeat(self, request: Request, key: ApiKey) -> dict[str, Any]:
        self.venue.heartbeat(key.key)
        return {"heartbeat_id": f"hb-{key.key[:8]}-{int(self.venue.now())}", "error": None}


def _order_matches(venue: Venue, order: Order, request: Request) -> bool:
    market = venue.market_of(order.token_id)
    return (
        (not request.arg("id") or order.id == request.arg("id"))
        and (not request.arg("asset_id") or order.token_id == request.arg("asset_id"))
        and (
            not request.arg("market")
            or (market is not None and market.condition_id == request.arg("market"))
        )
    )


def _trade_matches(venue: Venue, trade: Trade, request: Request) -> bool:
    """The /data/trades filters; `asset_id` and `maker_address` match the taker or any leg
    (a maker on the complement token finds its trade by its own token)."""
    market = venue.market_of(trade.token_id)
    after, before = request.arg("after"), request.arg("before")
    maker_address = request.arg("maker_address").lower()
    tokens = {trade.token_id} | {leg.token_id for leg in trade.legs}
    addresses = {trade.taker.maker.lower()} | {leg.maker.maker.lower() for leg in trade.legs}
    return (
        (not request.arg("id") or trade.id == request.arg("id"))
        and (not request.arg("asset_id") or request.arg("asset_id") in tokens)
        and (
            not request.arg("market")
            or (market is not None and market.condition_id == request.arg("market"))
        )
        and (not after or trade.match_time > float(after))
        and (not before or trade.match_time < float(before))
        and (not maker_address or maker_address in addresses)
    )


def _page(rows: list[Any], cursor: str, size: int) -> dict[str, Any]:
    start = max(0, decode_cursor(cursor))
    chunk = rows[start : start + size]
    following = start + size
    next_cursor = encode_cursor(following) if following < len(rows) else encode_cursor(-1)
    return {"limit": size, "count": len(chunk), "next_cursor": next_cursor, "data": chunk}


def _cancel_answer(canceled: list[str], not_canceled: dict[str, str]) -> dict[str, Any]:
    return {"canceled": canceled, "not_canceled": not_canceled}


__all__ = ["ApiError", "Request", "Response", "SandboxAPI"]
