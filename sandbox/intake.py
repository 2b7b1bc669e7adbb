"""Order intake: turn a POST /order payload into an engine Order, or a 400 saying why not."""

from __future__ import annotations

from typing import Any

from sandbox.auth import ApiKey, SignedOrder
from sandbox.engine import Order, OrderType, Side
from sandbox.units import PRICE_SCALE, UNIT
from sandbox.wire import ApiError


def parse_post(payload: Any, key: ApiKey) -> tuple[SignedOrder, OrderType, bool]:
    try:
        signed = SignedOrder.parse(payload["order"])
        order_type = OrderType(str(payload.get("orderType", "GTC")).upper())
        post_only = bool(payload.get("postOnly", False))
        owner = str(payload["owner"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(400, "Invalid order payload") from exc
    if owner != key.key:
        raise ApiError(400, "the order owner has to be the owner of the API KEY")
    if post_only and order_type not in (OrderType.GTC, OrderType.GTD):
        raise ApiError(400, "invalid post-only order: only GTC and GTD orders can be post-only")
    return signed, order_type, post_only


def order_from(
    signed: SignedOrder,
    order_id: str,
    order_type: OrderType,
    post_only: bool,
    key: ApiKey,
    tick: int,
) -> Order:
    side = Side(signed.side)
    shares, pusd = (
        (signed.taker_amount, signed.maker_amount)
        if side is Side.BUY
        else (signed.maker_amount, signed.taker_amount)
    )
    return Order(
        id=order_id,
        owner=key.key,
        maker=signed.maker,
        signer=signed.signer,
        token_id=signed.token_id,
        side=side,
        price=limit_price(
            side, pusd, shares, tick, exact=order_type in (OrderType.GTC, OrderType.GTD)
        ),
        size=shares,
        order_type=order_type,
        post_only=post_only,
        expiration=signed.expiration,
    )


def limit_price(side: Side, pusd: int, shares: int, tick: int, *, exact: bool) -> int:
    """The signed limit price on the market's tick.

    Limit orders (GTC/GTD) must sit exactly on a tick. Market orders (FOK/FAK) carry amounts
    rounded by the client, so their implied price is snapped: a BUY never pays more, a SELL
    never receives less than it signed for.
    """
    if shares <= 0 or pusd <= 0:
        raise ApiError(400, "invalid order amounts")
    ticks, rest = divmod(pusd * PRICE_SCALE, shares * tick)
    if rest and exact:
        raise ApiError(400, f"order price breaks minimum tick size rule: {tick / PRICE_SCALE}")
    if rest and side is Side.SELL:
        ticks += 1
    return int(ticks * tick)


def check_order(order: Order, tick: int, min_size: int, now: float) -> None:
    if not tick <= order.price <= PRICE_SCALE - tick:
        low, high = tick / PRICE_SCALE, 1 - tick / PRICE_SCALE
        raise ApiError(
            400, f"invalid price ({order.price / PRICE_SCALE}), min: {low} - max: {high}"
        )
    if order.size < min_size:
        raise ApiError(400, f"Size lower than the minimum: {min_size // UNIT}")
    if order.order_type is OrderType.GTD and order.expiration <= now + 60:
        raise ApiError(400, "invalid expiration")
