"""The sandbox-only `/_sandbox/` routes: faults, funding, the clock, resolutions, ticks,
orders, WebSocket connections (`GET /_sandbox/ws`: counters; `POST /_sandbox/ws
{"drop": true}`: drop every connection now).

They exist only here (the real venue has no such thing) so a test or the demo can steer the
venue over HTTP as the pytest fixture does in-process.
"""

from __future__ import annotations

from typing import Any

from sandbox import views
from sandbox.faults import FaultError
from sandbox.units import parse_price, parse_units
from sandbox.venue import Venue
from sandbox.wire import ApiError, Handler, Request


class ControlRoutes:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("POST", "/_sandbox/faults"): self.add_faults,
            ("DELETE", "/_sandbox/faults"): self.clear_faults,
            ("GET", "/_sandbox/faults"): lambda r: self.venue.faults.snapshot(),
            ("POST", "/_sandbox/fund"): self.fund,
            ("GET", "/_sandbox/orders"): self.orders,
            ("POST", "/_sandbox/step"): self.step,
            ("POST", "/_sandbox/resolve"): self.resolve,
            ("POST", "/_sandbox/tick"): self.tick,
            ("GET", "/_sandbox/chain"): self.chain,
            ("GET", "/_sandbox/ws"): lambda r: self.venue.ws_stats,
            ("POST", "/_sandbox/ws"): self.websockets,
        }

    def websockets(self, request: Request) -> dict[str, Any]:
        """`{"drop": true}`: every WebSocket connection ends at once; the counters after."""
        body = request.json() or {}
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid payload")
        dropped = self.venue.feed.drop_all() if body.get("drop") else 0
        return self.venue.ws_stats | {"dropped": dropped}

    def chain(self, request: Request) -> dict[str, Any]:
        """Where the venue's chain is: `{"rpc_url", "chain_id", "contracts"}` (lt_run reads it
        to point LT's redemption at the same contracts)."""
        if self.venue.chain is None:
            raise ApiError(404, "this sandbox runs without a chain")
        return self.venue.chain.chain.info()

    def orders(self, request: Request) -> list[dict[str, Any]]:
        return [views.order_json(self.venue, o) for o in self.venue.orders()]

    def add_faults(self, request: Request) -> list[dict[str, Any]]:
        body = request.json()
        rules = body if isinstance(body, list) else [body]
        try:
            for rule in rules:
                if rule.get("clear"):
                    self.venue.faults.clear()
                    continue
                options = {k: v for k, v in rule.items() if k != "kind"}
                self.venue.faults.add(str(rule.get("kind", "")), **options)
        except (FaultError, AttributeError) as exc:
            raise ApiError(400, str(exc)) from exc
        return self.venue.faults.snapshot()

    def clear_faults(self, request: Request) -> list[dict[str, Any]]:
        self.venue.faults.clear()
        return []

    def fund(self, request: Request) -> dict[str, Any]:
        body = request.json()
        if not isinstance(body, dict) or not body.get("address"):
            raise ApiError(400, "address is required")
        address, token = str(body["address"]), str(body.get("token_id") or "")
        try:
            self.venue.fund(
                address,
                pusd=parse_units(body.get("pusd", 0)),
                token_id=token,
                shares=parse_units(body.get("shares", 0)),
                signer=str(body.get("signer") or ""),
            )
        except (KeyError, ArithmeticError, ValueError) as exc:
            raise ApiError(400, f"cannot fund: {exc}") from exc
        return views.account_json(self.venue, address)

    def step(self, request: Request) -> dict[str, Any]:
        body = request.json() or {}
        self.venue.step(int(body.get("steps", 1)))
        return {"now": self.venue.now(), "steps": self.venue.steps}

    def resolve(self, request: Request) -> dict[str, Any]:
        body = request.json() or {}
        try:
            self.venue.resolve(str(body.get("condition_id")), str(body.get("winner_token_id")))
        except KeyError as exc:
            raise ApiError(400, f"cannot resolve: {exc}") from exc
        return views.clob_market(self.venue.markets[str(body["condition_id"])])

    def tick(self, request: Request) -> dict[str, Any]:
        """`{"condition_id", "tick_size": "0.001"}`: change a market's tick mid-life."""
        body = request.json() or {}
        condition_id = str(body.get("condition_id", ""))
        try:
            self.venue.set_tick(condition_id, parse_price(str(body.get("tick_size", ""))))
        except KeyError as exc:
            raise ApiError(404, f"market not found: {exc}") from exc
        except (ValueError, ArithmeticError) as exc:
            raise ApiError(400, f"cannot set the tick: {exc}") from exc
        return views.clob_market(self.venue.markets[condition_id])
