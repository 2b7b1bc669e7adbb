"""The wire protocol, driven by the real py-clob-client-v2 over HTTP."""

from __future__ import annotations

import dataclasses
import time
from decimal import Decimal

import httpx
from py_clob_client_v2.clob_types import (
    ApiCreds,
    AssetType,
    BalanceAllowanceParams,
    CreateOrderOptions,
    OrderArgsV2,
    OrderMarketCancelParams,
    OrderPayload,
    OrderType,
    PartialCreateOrderOptions,
    PostOrdersV2Args,
    TradeParams,
)
from py_clob_client_v2.config import get_contract_config
from py_clob_client_v2.order_utils import ExchangeOrderBuilderV2

from tests.sandbox.helpers import api_error, post_limit


def order_hash(client, order, neg_risk=False) -> str:
    config = get_contract_config(137)
    exchange = config.neg_risk_exchange_v2 if neg_risk else config.exchange_v2
    builder = ExchangeOrderBuilderV2(exchange, 137, client.signer)
    return builder.build_order_hash(builder.build_order_typed_data(order))


def test_public_endpoints_answer_like_the_venue(sandbox_venue, clob, btc):
    assert clob.get_ok() == "OK"
    assert clob.get_version() == 2
    assert clob.get_server_time() == int(sandbox_venue.venue.now())
    assert clob.get_tick_size(btc.yes.token_id) == "0.01"
    assert clob.get_neg_risk(btc.yes.token_id) is False
    assert clob.get_fee_rate_bps(btc.yes.token_id) == 0
    info = clob.get_clob_market_info(btc.condition_id)
    assert info["t"] == [{"t": btc.yes.token_id, "o": "Yes"}, {"t": btc.no.token_id, "o": "No"}]
    assert info["mos"] == 5 and info["nr"] is False


def test_book_lists_best_prices_last_with_a_hash_the_client_accepts(clob, btc):
    book = clob.get_order_book(btc.yes.token_id)

    bids = [float(level["price"]) for level in book["bids"]]
    asks = [float(level["price"]) for level in book["asks"]]
    assert bids == sorted(bids) and asks == sorted(asks, reverse=True)
    assert bids[-1] < asks[-1]
    assert clob.get_order_book_hash(dict(book)) == book["hash"]
    assert book["tick_size"] == "0.01" and book["min_order_size"] == "5"
    assert clob.get_midpoint(btc.yes.token_id) == {
        "mid": f"{(bids[-1] + asks[-1]) / 2:.3f}".rstrip("0")
    }
    assert clob.get_spread(btc.yes.token_id) == {"spread": f"{asks[-1] - bids[-1]:.2f}"}
    books = clob.get_order_books([{"token_id": btc.yes.token_id}, {"token_id": btc.no.token_id}])
    assert [b["asset_id"] for b in books] == [btc.yes.token_id, btc.no.token_id]


def test_markets_are_paged_and_found_by_condition_id(sandbox_venue, clob, btc):
    page = clob.get_markets()
    assert page["next_cursor"] == "LTE="
    assert len(page["data"]) == len(sandbox_venue.venue.markets) >= 6
    market = clob.get_market(btc.condition_id)
    assert market["closed"] is False and market["neg_risk"] is False
    assert [t["token_id"] for t in market["tokens"]] == [btc.yes.token_id, btc.no.token_id]
    neg_risk = [m for m in page["data"] if m["neg_risk"]]
    assert len(neg_risk) == 3 and len({m["neg_risk_market_id"] for m in neg_risk}) == 1


def test_api_keys_are_derived_deterministically(sandbox_venue):
    first = sandbox_venue.client().creds
    second = sandbox_venue.client().creds
    assert first == second
    assert sandbox_venue.client().derive_api_key() == first


def test_l1_request_with_a_bad_signature_is_refused(sandbox_venue, clob):
    headers = clob._l1_headers()
    headers["POLY_NONCE"] = "1"  # signed for nonce 0
    answer = httpx.get(f"{sandbox_venue.url}/auth/derive-api-key", headers=headers)
    assert answer.status_code == 401


def test_bad_or_missing_hmac_is_401(sandbox_venue, clob):
    creds = clob.creds
    clob.set_api_creds(dataclasses.replace(creds, api_secret="c2VjcmV0LXRoYXQtaXMtd3Jvbmc="))
    with api_error(401, "Unauthorized/Invalid api key"):
        clob.get_open_orders()
    clob.set_api_creds(dataclasses.replace(creds, api_passphrase="nope"))
    with api_error(401):
        clob.get_trades()
    assert httpx.get(f"{sandbox_venue.url}/data/orders").status_code == 401
    assert httpx.post(f"{sandbox_venue.url}/order", content=b"{}").status_code == 401
    clob.set_api_creds(ApiCreds(creds.api_key, creds.api_secret, creds.api_passphrase))
    assert clob.get_open_orders() == []


def test_a_tampered_order_is_rejected_as_invalid_signature(sandbox_venue, clob, btc):
    order = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.30, size=10, side="BUY")
    )
    order.makerAmount = str(int(order.makerAmount) - 1_000_000)  # after signing

    with api_error(400, "invalid signature"):
        clob.post_order(order, OrderType.GTC)
    assert sandbox_venue.orders() == []


def test_orders_signed_against_the_wrong_exchange_are_invalid(
    sandbox_venue, clob, btc, mayor_alice
):
    wrong_for_neg_risk = PartialCreateOrderOptions(neg_risk=False)
    with api_error(400, "invalid signature"):
        post_limit(clob, mayor_alice.yes.token_id, 0.30, 10, options=wrong_for_neg_risk)
    with api_error(400, "invalid signature"):
        post_limit(
            clob, btc.yes.token_id, 0.30, 10, options=PartialCreateOrderOptions(neg_risk=True)
        )

    answer = post_limit(clob, mayor_alice.yes.token_id, 0.30, 10)  # the client asks /neg-risk
    assert answer["success"] and answer["status"] == "live"


def test_an_order_for_another_wallets_api_key_is_refused(sandbox_venue, clob, btc):
    other = sandbox_venue.client(sandbox_venue.other_account.private_key)
    order = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.30, size=10, side="BUY")
    )
    with api_error(400, "signer address has to be the address of the API KEY"):
        other.post_order(order, OrderType.GTC)


def test_safe_and_deposit_wallet_orders_spend_the_funders_balance(sandbox_venue, btc):
    key = sandbox_venue.other_account.private_key
    wallets = {2: ("0x" + "5a" * 20, 100), 3: ("0x" + "de" * 20, 70)}
    for signature_type, (funder, pusd) in wallets.items():
        sandbox_venue.fund(funder, pusd=pusd)
        client = sandbox_venue.client(key, signature_type=signature_type, funder=funder)

        answer = post_limit(client, btc.yes.token_id, 0.30, 100)

        assert answer["status"] == "live"
        assert client.get_order(answer["orderID"])["maker_address"].lower() == funder
        with api_error(400, "not enough balance / allowance"):
            post_limit(client, btc.yes.token_id, 0.30, 300)
    for signature_type, (funder, pusd) in wallets.items():
        client = sandbox_venue.client(key, signature_type=signature_type, funder=funder)
        balance = client.get_balance_allowance(
            BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
        )
        assert balance["balance"] == str(pusd * 1_000_000)


def test_a_deposit_wallet_order_signed_by_another_eoa_is_invalid(sandbox_venue, clob, btc):
    deposit = "0x" + "de" * 20
    sandbox_venue.fund(deposit, pusd=100)
    stranger = sandbox_venue.client(
        sandbox_venue.other_account.private_key, signature_type=3, funder=deposit
    )
    order = stranger.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.30, size=10, side="BUY")
    )
    with api_error(400, "invalid signature"):
        clob.post_order(order, OrderType.GTC)


def test_gtd_orders_expire_on_the_sandbox_clock(sandbox_venue, clob, btc):
    now = int(sandbox_venue.venue.now())
    with api_error(400, "invalid expiration"):
        post_limit(clob, btc.yes.token_id, 0.20, 10, order_type=OrderType.GTD, expiration=now + 30)
    gtd = post_limit(
        clob, btc.yes.token_id, 0.20, 10, order_type=OrderType.GTD, expiration=now + 120
    )
    order_id = gtd["orderID"]

    sandbox_venue.step(119)
    assert clob.get_order(order_id)["status"] == "LIVE"
    sandbox_venue.step(1)
    assert clob.get_order(order_id)["status"] == "CANCELED_EXPIRED_ORDER"


def test_order_id_is_the_eip712_hash_and_stays_findable(sandbox_venue, clob, btc):
    order = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.30, size=10, side="BUY")
    )
    answer = clob.post_order(order, OrderType.GTC)
    assert answer["orderID"] == order_hash(clob, order)
    assert clob.get_order(answer["orderID"])["status"] == "LIVE"

    assert clob.cancel_order(OrderPayload(orderID=answer["orderID"]))["canceled"] == [
        answer["orderID"]
    ]
    assert clob.get_order(answer["orderID"])["status"] == "CANCELED"

    ask = float(clob.get_order_book(btc.yes.token_id)["asks"][-1]["price"])
    filled = post_limit(clob, btc.yes.token_id, ask, 5, order_type=OrderType.FOK)
    found = clob.get_order(filled["orderID"])
    assert found["status"] == "MATCHED" and found["size_matched"] == "5"
    assert found["associate_trades"] == filled["tradeIDs"]
    with api_error(404):
        clob.get_order("0x" + "00" * 32)


def test_the_same_signed_order_is_not_accepted_twice(clob, btc):
    order = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.30, size=10, side="BUY")
    )
    clob.post_order(order, OrderType.GTC)
    with api_error(400, "duplicate order"):
        clob.post_order(order, OrderType.GTC)


def test_size_tick_and_price_bounds_are_enforced(clob, btc):
    with api_error(400, "Size lower than the minimum: 5"):
        post_limit(clob, btc.yes.token_id, 0.30, 4.99)
    off_tick = clob.builder.build_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.305, size=10, side="BUY"),
        CreateOrderOptions(tick_size="0.001", neg_risk=False),
    )
    with api_error(400, "tick size"):
        clob.post_order(off_tick, OrderType.GTC)
    at_one = clob.builder.build_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=1.0, size=10, side="BUY"),
        CreateOrderOptions(tick_size="0.01", neg_risk=False),
    )
    with api_error(400, "invalid price"):
        clob.post_order(at_one, OrderType.GTC)


def test_orders_without_funds_are_rejected(sandbox_venue, btc):
    poor = sandbox_venue.client(sandbox_venue.other_account.private_key)
    with api_error(400, "not enough balance / allowance"):
        post_limit(poor, btc.yes.token_id, 0.30, 10)
    with api_error(400, "not enough balance / allowance"):
        post_limit(poor, btc.yes.token_id, 0.30, 10, side="SELL")

    sandbox_venue.fund(sandbox_venue.other_account.address, token_id=btc.yes.token_id, shares=10)
    assert post_limit(poor, btc.yes.token_id, 0.90, 10, side="SELL")["status"] == "live"


def test_unfillable_fok_is_killed_with_nothing_resting(sandbox_venue, clob, btc):
    book_before = clob.get_order_book(btc.yes.token_id)
    no_bids = clob.get_order_book(btc.no.token_id)["bids"]
    # Within reach: every YES ask, and every NO bid (minted against) at the worst ask.
    depth = sum(float(level["size"]) for level in book_before["asks"] + no_bids)
    ask = float(book_before["asks"][0]["price"])

    with api_error(400, "FOK orders are fully filled or killed"):
        post_limit(clob, btc.yes.token_id, ask, depth + 10, order_type=OrderType.FOK)

    assert [o["status"] for o in sandbox_venue.orders()] == ["UNMATCHED"]
    assert clob.get_open_orders() == []
    book_after = clob.get_order_book(btc.yes.token_id)
    assert (book_after["bids"], book_after["asks"]) == (book_before["bids"], book_before["asks"])
    assert clob.get_trades() == []


def test_crossing_gtc_matches_then_rests_and_reports_hashes(sandbox_venue, clob, btc):
    best = clob.get_order_book(btc.yes.token_id)["asks"][-1]
    no_bid = clob.get_order_book(btc.no.token_id)["bids"][-1]
    # The crowd's best NO bid mirrors its best YES ask: a YES buyer mints against it too.
    assert Decimal(no_bid["price"]) == 1 - Decimal(best["price"])
    reach = Decimal(best["size"]) + Decimal(no_bid["size"])
    started = time.monotonic()

    answer = post_limit(clob, btc.yes.token_id, float(best["price"]), float(reach) + 20)

    assert time.monotonic() - started < 2  # no 30 s poll for transaction hashes
    assert answer["status"] == "matched" and Decimal(answer["takingAmount"]) == reach
    assert len(answer["transactionsHashes"]) == len(answer["tradeIDs"]) == 1
    order = clob.get_order(answer["orderID"])
    assert order["status"] == "LIVE" and Decimal(order["size_matched"]) == reach
    trades = clob.get_trades(TradeParams(id=answer["tradeIDs"][0]))
    assert trades[0]["trader_side"] == "TAKER" and trades[0]["status"] == "MATCHED"


def test_market_fok_buy_by_amount_fills(clob, btc):
    from py_clob_client_v2.clob_types import MarketOrderArgsV2

    order = clob.create_market_order(
        MarketOrderArgsV2(token_id=btc.yes.token_id, amount=10, side="BUY")
    )
    answer = clob.post_order(order, OrderType.FOK)
    assert answer["status"] == "matched"
    assert float(answer["makingAmount"]) <= 10


def test_cancel_variants(clob, btc):
    yes, no = btc.yes.token_id, btc.no.token_id
    a, b, c, d = (post_limit(clob, t, 0.10, 10)["orderID"] for t in (yes, yes, no, no))

    assert clob.cancel_orders([a, "0xmissing"]) == {
        "canceled": [a],
        "not_canceled": {"0xmissing": "order not found"},
    }
    assert clob.cancel_market_orders(OrderMarketCancelParams(asset_id=yes))["canceled"] == [b]
    assert sorted(clob.cancel_all()["canceled"]) == sorted([c, d])
    assert clob.get_open_orders() == []


def test_post_orders_answers_each_order(clob, btc):
    good = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.20, size=10, side="BUY")
    )
    small = clob.create_order(
        OrderArgsV2(token_id=btc.yes.token_id, price=0.20, size=2, side="BUY")
    )

    answers = clob.post_orders(
        [PostOrdersV2Args(good, OrderType.GTC), PostOrdersV2Args(small, OrderType.GTC)]
    )

    assert [a["success"] for a in answers] == [True, False]
    assert "minimum" in answers[1]["errorMsg"]


def test_post_only_crossing_is_rejected(clob, btc):
    ask = float(clob.get_order_book(btc.yes.token_id)["asks"][-1]["price"])
    with api_error(400, "crosses book"):
        post_limit(clob, btc.yes.token_id, ask, 10, post_only=True)


def test_heartbeat_and_balance_allowance(clob, btc):
    assert clob.post_heartbeat("")["heartbeat_id"]
    collateral = clob.get_balance_allowance(BalanceAllowanceParams(asset_type=AssetType.COLLATERAL))
    assert collateral["balance"] == "10000000000"
    shares = clob.update_balance_allowance(
        BalanceAllowanceParams(asset_type=AssetType.CONDITIONAL, token_id=btc.yes.token_id)
    )
    assert shares["balance"] == "0"


def test_malformed_requests_get_a_400(sandbox_venue):
    assert httpx.post(f"{sandbox_venue.url}/books", content=b"not json").status_code == 400
    assert httpx.post(f"{sandbox_venue.url}/books", json=[{"x": 1}]).status_code == 400
    assert httpx.get(f"{sandbox_venue.url}/nowhere").status_code == 404
