"""Fault injection: the venue's misbehaviours, seen through the real client."""

from __future__ import annotations

import time

import httpx
import pytest
from py_clob_client_v2.clob_types import (
    AssetType,
    BalanceAllowanceParams,
    OrderArgsV2,
    OrderType,
    TradeParams,
)
from py_clob_client_v2.http_helpers import helpers as http_helpers

from tests.sandbox.helpers import api_error, post_limit
from tests.sandbox.test_protocol import order_hash


@pytest.fixture
def short_timeout(monkeypatch):
    """The client's module-global httpx client, with a 0.5 s timeout instead of 5 s."""
    client = httpx.Client(timeout=0.5)
    monkeypatch.setattr(http_helpers, "_http_client", client)
    yield
    client.close()


def test_accept_then_stall_places_the_order_but_the_client_times_out(
    sandbox_venue, clob, btc, short_timeout
):
    sandbox_venue.faults.stall("/order", seconds=1.0)
    order = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.20, size=10, side="BUY")
    )
    started = time.monotonic()

    with api_error(None, "Request exception!"):  # type: ignore[arg-type]
        clob.post_order(order, OrderType.GTC)

    assert time.monotonic() - started >= 0.5
    placed = sandbox_venue.orders()
    assert [(o["id"], o["status"]) for o in placed] == [(order_hash(clob, order), "LIVE")]
    assert clob.get_order(order_hash(clob, order))["status"] == "LIVE"


def test_stall_delays_the_response(sandbox_venue, clob, btc):
    sandbox_venue.faults.stall("/order", seconds=0.3)
    started = time.monotonic()
    answer = post_limit(clob, btc.yes.token_id, 0.20, 10)
    assert time.monotonic() - started >= 0.3
    assert answer["status"] == "live"


def test_429_is_injected_and_the_order_is_not_placed(sandbox_venue, clob, btc):
    sandbox_venue.faults.rate_limit("/order")
    with api_error(429, "Too Many Requests"):
        post_limit(clob, btc.yes.token_id, 0.20, 10)
    assert sandbox_venue.orders() == []
    assert post_limit(clob, btc.yes.token_id, 0.20, 10)["status"] == "live"


def test_5xx_is_injected_per_path(sandbox_venue, clob, btc):
    sandbox_venue.faults.http_status("/book", 503, count=2)
    for _ in range(2):
        with api_error(503):
            clob.get_order_book(btc.yes.token_id)
    assert clob.get_order_book(btc.yes.token_id)["asset_id"] == btc.yes.token_id


def test_latency_is_added_per_endpoint(sandbox_venue, clob, btc):
    sandbox_venue.faults.latency("/midpoint", seconds=0.2)
    started = time.monotonic()
    clob.get_midpoint(btc.yes.token_id)
    assert time.monotonic() - started >= 0.2
    # Another endpoint is not delayed: the fault names /midpoint alone.
    (rule,) = sandbox_venue.faults.snapshot()
    assert rule["path"] == "/midpoint"


def test_balance_error_while_funds_exist(sandbox_venue, clob, btc):
    sandbox_venue.faults.balance_error()
    with api_error(400, "not enough balance / allowance"):
        post_limit(clob, btc.yes.token_id, 0.20, 10)
    balance = clob.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))
    assert int(balance["balance"]) > 0
    assert post_limit(clob, btc.yes.token_id, 0.20, 10)["status"] == "live"


def test_delayed_orders_match_at_the_next_step(sandbox_venue, clob, btc):
    sandbox_venue.faults.delayed()
    ask = clob.get_order_book(btc.yes.token_id)["asks"][-1]

    answer = post_limit(clob, btc.yes.token_id, float(ask["price"]), 5)

    assert answer["status"] == "delayed"
    assert (answer["makingAmount"], answer["takingAmount"], answer["tradeIDs"]) == ("", "", [])
    assert clob.get_order(answer["orderID"])["status"] == "DELAYED"
    sandbox_venue.step()
    order = clob.get_order(answer["orderID"])
    assert order["status"] == "MATCHED" and order["size_matched"] == "5"


def test_a_trade_can_end_failed(sandbox_venue, clob, btc):
    sandbox_venue.faults.trade_failed()
    before = sandbox_venue.venue.balance(sandbox_venue.account.address)
    ask = clob.get_order_book(btc.yes.token_id)["asks"][-1]
    answer = post_limit(clob, btc.yes.token_id, float(ask["price"]), 5, order_type=OrderType.FOK)
    (trade_id,) = answer["tradeIDs"]

    statuses = []
    for _ in range(3):
        statuses.append(clob.get_trades(TradeParams(id=trade_id))[0]["status"])
        sandbox_venue.step()

    assert statuses == ["MATCHED", "RETRYING", "FAILED"]
    assert sandbox_venue.venue.balance(sandbox_venue.account.address) == before
    later = post_limit(clob, btc.yes.token_id, float(ask["price"]), 5, order_type=OrderType.FOK)
    sandbox_venue.step(2)
    assert clob.get_trades(TradeParams(id=later["tradeIDs"][0]))[0]["status"] == "CONFIRMED"


def test_split_legs_report_one_maker_order_as_two_legs(sandbox_venue, clob, btc):
    sandbox_venue.faults.split_legs()
    ask = clob.get_order_book(btc.yes.token_id)["asks"][-1]
    answer = post_limit(clob, btc.yes.token_id, float(ask["price"]), 6, order_type=OrderType.FOK)

    (trade,) = clob.get_trades(TradeParams(id=answer["tradeIDs"][0]))
    legs = trade["maker_orders"]
    assert len(legs) == 2 and legs[0]["order_id"] == legs[1]["order_id"]
    assert [leg["matched_amount"] for leg in legs] == ["3", "3"]
    assert trade["size"] == "6" and sandbox_venue.faults.snapshot() == []


def test_heartbeats_keep_orders_alive_and_silence_cancels_them(sandbox_venue, clob, btc):
    clob.post_heartbeat("")
    order_id = post_limit(clob, btc.yes.token_id, 0.20, 10)["orderID"]
    for _ in range(4):
        sandbox_venue.step(5)
        clob.post_heartbeat("")
    assert clob.get_order(order_id)["status"] == "LIVE"

    sandbox_venue.step(10)
    assert clob.get_order(order_id)["status"] == "LIVE"
    sandbox_venue.step(1)
    assert clob.get_order(order_id)["status"] == "CANCELED"


def test_heartbeat_loss_cancels_resting_orders(sandbox_venue, clob, btc):
    clob.post_heartbeat("")
    order_id = post_limit(clob, btc.yes.token_id, 0.20, 10)["orderID"]
    sandbox_venue.faults.heartbeat_loss()

    for _ in range(11):
        sandbox_venue.step()
        clob.post_heartbeat("")  # answered, but lost

    assert clob.get_order(order_id)["status"] == "CANCELED"
    assert clob.get_open_orders() == []


def test_cancel_only_mode_refuses_orders_but_allows_cancels(sandbox_venue, clob, btc):
    order_id = post_limit(clob, btc.yes.token_id, 0.20, 10)["orderID"]
    sandbox_venue.faults.cancel_only()

    with api_error(503, "cancel-only"):
        post_limit(clob, btc.yes.token_id, 0.20, 10)
    assert clob.cancel_all()["canceled"] == [order_id]


def test_control_routes_over_http(sandbox_venue, btc):
    url = sandbox_venue.url
    rules = httpx.post(
        f"{url}/_sandbox/faults", json={"kind": "status", "path": "/book", "status": 429}
    )
    assert rules.status_code == 200 and rules.json()[0]["status"] == 429
    assert httpx.get(f"{url}/book", params={"token_id": btc.yes.token_id}).status_code == 429
    assert httpx.post(f"{url}/_sandbox/faults", json={"kind": "bogus"}).status_code == 400
    httpx.post(f"{url}/_sandbox/faults", json={"kind": "cancel_only", "count": None})
    assert httpx.delete(f"{url}/_sandbox/faults").json() == []
    assert sandbox_venue.faults.snapshot() == []

    funded = httpx.post(
        f"{url}/_sandbox/fund",
        json={
            "address": "0x" + "ab" * 20,
            "pusd": "12.5",
            "token_id": btc.yes.token_id,
            "shares": 7,
        },
    ).json()
    assert funded["pusd"] == "12.5" and funded["shares"] == {btc.yes.token_id: "7"}
    assert httpx.post(f"{url}/_sandbox/fund", json={"pusd": 1}).status_code == 400
    assert httpx.get(f"{url}/_sandbox/orders").json() == []
    before = sandbox_venue.venue.now()
    assert httpx.post(f"{url}/_sandbox/step", json={"steps": 3}).json()["now"] == before + 3
