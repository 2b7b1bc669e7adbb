"""Small helpers for sandbox tests: place orders through the real client, expect API errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from py_clob_client_v2.clob_types import OrderArgsV2, OrderType, PartialCreateOrderOptions
from py_clob_client_v2.exceptions import PolyApiException

from sandbox.engine import Order, Side
from sandbox.engine import OrderType as EngineOrderType
from sandbox.units import UNIT, parse_price


def post_limit(
    client: Any,
    token_id: str,
    price: float,
    size: float,
    side: str = "BUY",
    order_type: str = OrderType.GTC,
    *,
    post_only: bool = False,
    options: PartialCreateOrderOptions | None = None,
    expiration: int = 0,
) -> dict[str, Any]:
    args = OrderArgsV2(token_id=token_id, price=price, size=size, side=side, expiration=expiration)
    order = client.create_order(args, options)
    return client.post_order(order, order_type, post_only)


@contextlib.contextmanager
def api_error(status: int, text: str = "") -> Iterator[None]:
    with pytest.raises(PolyApiException) as caught:
        yield
    assert caught.value.status_code == status, caught.value
    if text:
        assert text in str(caught.value.error_msg), caught.value.error_msg


_seq = iter(range(1, 10**9))


def engine_order(
    owner: str,
    token_id: str,
    side: str,
    price: str,
    size: float,
    order_type: str = "GTC",
    *,
    maker: str = "",
    **extra: Any,
) -> Order:
    """An order for the in-process engine (no signature: the engine trusts its caller)."""
    return Order(
        id=f"0x{next(_seq):064x}",
        owner=owner,
        maker=maker or owner,
        token_id=token_id,
        side=Side(side),
        price=parse_price(price),
        size=round(size * UNIT),
        order_type=EngineOrderType(order_type),
        **extra,
    )
