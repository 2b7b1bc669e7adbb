"""Every adapter call, through the real py-clob-client-v2, over HTTP to the sandbox venue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.venue import (
    AuthError,
    OrderRejected,
    OrderRequest,
    OutcomeUnknown,
    RateLimited,
    RejectReason,
    UnsupportedVenueVersion,
    VenueAdapter,
)
from ltproject.domain import OrderType, Side
from sandbox.testing import SandboxHandle

D = Decimal


@pytest.fixture
def adapter(sandbox_venue: SandboxHandle) -> VenueAdapter:
    venue = VenueAdapter(
        host=sandbox_venue.url,
        chain_id=137,
        private_key=sandbox_venue.account.private_key,
        timeout_s=2.0,
    )
    venue.connect()
    return venue


def _yes(sandbox: SandboxHandle, slug: str = "btc-above-150k-2026") -> str:
    return sandbox.market(slug).yes.token_id


def _buy(token: str, price: str, size: str, order_type: OrderType = OrderType.GTC) -> OrderRequest:
    return OrderRequest(
        token_id=token, side=Side.BUY, price=D(price), size=D(size), order_type=order_type
    )


def test_connect_checks_version_and_derives_credentials(sandbox_venue: SandboxHandle) -> None:
    venue = VenueAdapter(
        host=sandbox_venue.url, chain_id=137, private_key=sandbox_venue.account.private_key
    )
    venue.connect()
    assert venue.server_version() == 2
    assert venue.address == sandbox_venue.account.address == venue.funder
    assert abs(venue.server_time() - sandbox_venue.venue.now()) < 5


@pytest.mark.parametrize("version", [1, 4])
def test_refuses_a_venue_of_a_version_it_does_not_sign_for(
    sandbox_venue: SandboxHandle, version: int
) -> None:
    sandbox_venue.venue.clob_version = version
    venue = VenueAdapter(
        host=sandbox_venue.url, chain_id=137, private_key=sandbox_venue.account.private_key
    )
    with pytest.raises(UnsupportedVenueVersion, match=f"version {version}"):
        venue.connect()


def test_a_version_3_venue_gets_exchange_v3_orders(sandbox_venue: SandboxHandle) -> None:
    """As py-clob-client-v2 does, LT follows the venue's /version: at 3 it signs for Exchange
    V3 (domain "3"), and the venue, which checks that domain, takes the order."""
    sandbox_venue.venue.clob_version = 3
    venue = VenueAdapter(
        host=sandbox_venue.url, chain_id=137, private_key=sandbox_venue.account.private_key
    )
    venue.connect()
    token = _yes(sandbox_venue)
    signed = venue.sign_order(_buy(token, "0.05", "10"), tick_size=D("0.01"), neg_risk=False)
    assert signed.exchange_version == 3
    ack = venue.post_order(signed)
    assert ack.order_id == signed.order_hash and ack.status == "live"
    v2 = venue.sign_order(
        _buy(token, "0.05", "10"), tick_size=D("0.01"), neg_risk=False, exchange_version=2
    )
    with pytest.raises(OrderRejected) as refused:  # signed for the wrong exchange
        venue.post_order(v2)
    assert refused.value.reason == RejectReason.INVALID_SIGNATURE


def test_market_metadata_and_books_come_back_as_decimals(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    market = sandbox_venue.market("btc-above-150k-2026")
    info = adapter.market_info(market.condition_id)
    assert info.tick_size == D("0.01") and not info.neg_risk
    assert set(info.token_ids) == {t.token_id for t in market.tokens}
    assert adapter.condition_for_token(market.yes.token_id) == market.condition_id
    assert adapter.market(market.condition_id)["condition_id"] == market.condition_id
    listed = {m["condition_id"] for m in adapter.markets()}
    assert listed == {m.condition_id for m in sandbox_venue.venue.scenario.markets}
    book = adapter.book(market.yes.token_id)
    assert book.best_bid is not None and book.best_ask is not None
    assert book.best_bid < book.best_ask and book.bids[0].price == max(b.price for b in book.bids)
    assert adapter.tick_size(market.yes.token_id) == D("0.01")
    assert adapter.neg_risk(sandbox_venue.market("mayor-election-alice").yes.token_id) is True


def test_books_are_batched(adapter: VenueAdapter, sandbox_venue: SandboxHandle) -> None:
    tokens = [t.token_id for m in sandbox_venue.venue.scenario.markets for t in m.tokens]
    books = adapter.books(tokens)
    assert [b.token_id for b in books] == tokens


def test_sign_returns_the_hash_the_venue_uses_as_order_id(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    signed = adapter.sign_order(_buy(_yes(sandbox_venue), "0.20", "10"))
    assert (signed.size, signed.notional) == (D(10), D(2))
    assert sandbox_venue.orders() == []  # signing sends nothing
    ack = adapter.post_order(signed)
    assert ack.order_id == signed.order_hash and ack.status == "live"
    found = adapter.get_order(signed.order_hash)
    assert found is not None and found.status == "LIVE" and found.original_size == D(10)


def test_sign_refuses_a_price_off_tick(adapter: VenueAdapter, sandbox_venue: SandboxHandle) -> None:
    with pytest.raises(OrderRejected) as excinfo:
        adapter.sign_order(_buy(_yes(sandbox_venue), "0.205", "10"))
    assert excinfo.value.reason == RejectReason.INVALID_PRICE


@pytest.mark.parametrize("tick", ["0.01", "0.010000"])  # as the venue says it, as LT stores it
def test_a_price_between_ticks_is_refused_whatever_places_the_tick_carries(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle, tick: str
) -> None:
    order = _buy(_yes(sandbox_venue), "0.055", "10")
    with pytest.raises(OrderRejected) as excinfo:
        adapter.sign_order(order, tick_size=D(tick), neg_risk=False)
    assert excinfo.value.reason == RejectReason.INVALID_PRICE
    signed = adapter.sign_order(_buy(_yes(sandbox_venue), "0.05", "10"), tick_size=D(tick))
    assert signed.size == D(10)


def test_a_wrongly_signed_order_is_rejected_as_invalid_signature(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    signed = adapter.sign_order(_buy(_yes(sandbox_venue), "0.20", "10"))
    tampered = type(signed)(
        order_hash=signed.order_hash,
        order={**signed.order, "takerAmount": str(int(signed.order["takerAmount"]) * 2)},
        order_type=signed.order_type,
        post_only=signed.post_only,
        neg_risk=signed.neg_risk,
    )
    with pytest.raises(OrderRejected) as excinfo:
        adapter.post_order(tampered)
    assert excinfo.value.reason == RejectReason.INVALID_SIGNATURE
    assert excinfo.value.message == "invalid signature"


def test_bad_hmac_is_an_auth_error(adapter: VenueAdapter, sandbox_venue: SandboxHandle) -> None:
    adapter._client.creds.api_secret = "c2VjcmV0LXRoYXQtaXMtd3Jvbmc="
    with pytest.raises(AuthError):
        adapter.open_orders()


def test_unfillable_fok_is_rejected_and_nothing_rests(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    signed = adapter.sign_order(_buy(_yes(sandbox_venue), "0.02", "50", OrderType.FOK))
    with pytest.raises(OrderRejected) as excinfo:
        adapter.post_order(signed)
    assert excinfo.value.reason == RejectReason.FOK_NOT_FILLED
    assert adapter.open_orders() == []


def test_marketable_order_matches_and_its_trade_is_listed(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    token = _yes(sandbox_venue)
    ask = adapter.book(token).best_ask
    assert ask is not None
    ack = adapter.post_order(adapter.sign_order(_buy(token, str(ask), "5", OrderType.FAK)))
    assert ack.status == "matched" and ack.trade_ids and ack.transaction_hashes
    page = adapter.trades()
    mine = [t for t in page.trades if t.taker_order_id == ack.order_id]
    assert sum(t.size for t in mine) == D(5) and all(t.price <= ask for t in mine)
    assert page.resume_cursor


def test_batch_post_returns_one_result_per_order(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    token = _yes(sandbox_venue)
    good = adapter.sign_order(_buy(token, "0.10", "10"))
    too_small = adapter.sign_order(_buy(token, "0.10", "1"))
    results = adapter.post_orders([good, too_small])
    assert results[0].order_id == good.order_hash  # type: ignore[union-attr]
    assert isinstance(results[1], OrderRejected)
    assert results[1].reason == RejectReason.BELOW_MIN_SIZE


def test_cancel_one_many_market_and_all(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    token = _yes(sandbox_venue)
    ids = [
        adapter.post_order(adapter.sign_order(_buy(token, f"0.1{i}", "10"))).order_id
        for i in range(4)
    ]
    elsewhere = _yes(sandbox_venue, "fed-cut-december")
    ids.append(adapter.post_order(adapter.sign_order(_buy(elsewhere, "0.05", "10"))).order_id)
    assert adapter.cancel(ids[0])["canceled"] == [ids[0]]
    assert sorted(adapter.cancel_many(ids[1:3])["canceled"]) == sorted(ids[1:3])
    market = sandbox_venue.market("btc-above-150k-2026")
    assert adapter.cancel_market(condition_id=market.condition_id)["canceled"] == [ids[3]]
    assert adapter.cancel_all()["canceled"] == [ids[4]]
    assert adapter.open_orders() == []


def test_balance_and_refresh_in_whole_units(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    assert adapter.balance().balance == D(10_000)
    token = _yes(sandbox_venue)
    sandbox_venue.fund(sandbox_venue.account.address, token_id=token, shares=25)
    assert adapter.refresh_balance(token).balance == D(25)


def test_heartbeat_chains_its_id(adapter: VenueAdapter) -> None:
    first = adapter.heartbeat()
    assert first and adapter.heartbeat()


def test_accept_then_stall_is_outcome_unknown_and_found_by_hash(
    sandbox_venue: SandboxHandle,
) -> None:
    venue = VenueAdapter(
        host=sandbox_venue.url,
        chain_id=137,
        private_key=sandbox_venue.account.private_key,
        timeout_s=0.5,
    )
    venue.connect()
    signed = venue.sign_order(_buy(_yes(sandbox_venue), "0.20", "10"))
    sandbox_venue.faults.stall("/order", seconds=1.5)
    with pytest.raises(OutcomeUnknown):
        venue.post_order(signed)
    found = venue.get_order(signed.order_hash)
    assert found is not None and found.order_id == signed.order_hash
    # Sending the same signed bytes again cannot make a second order.
    with pytest.raises(OrderRejected) as excinfo:
        venue.post_order(signed)
    assert excinfo.value.reason == RejectReason.DUPLICATE
    assert len(sandbox_venue.orders()) == 1


def test_429_is_rate_limited_and_places_nothing(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    sandbox_venue.faults.rate_limit("/order")
    with pytest.raises(RateLimited):
        adapter.post_order(adapter.sign_order(_buy(_yes(sandbox_venue), "0.20", "10")))
    assert sandbox_venue.orders() == []


def test_5xx_on_post_is_outcome_unknown(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    sandbox_venue.faults.http_status("/order", 502)
    with pytest.raises(OutcomeUnknown):
        adapter.post_order(adapter.sign_order(_buy(_yes(sandbox_venue), "0.20", "10")))


def test_unknown_order_is_none(adapter: VenueAdapter) -> None:
    assert adapter.get_order("0x" + "ab" * 32) is None


def test_thousand_trades_come_back_through_paging(
    adapter: VenueAdapter, sandbox_venue: SandboxHandle
) -> None:
    token = _yes(sandbox_venue)
    sandbox_venue.fund(adapter.address, token_id=token, shares=5000)
    sell = OrderRequest(token_id=token, side=Side.SELL, price=D("0.90"), size=D(5))
    mine = {adapter.post_order(adapter.sign_order(sell)).order_id for _ in range(1000)}
    # Another trader clears the crowd's liquidity below 0.90, then takes LT's 1,000 orders
    # one at a time: one trade (with one maker leg) each, as the venue reports them.
    buyer = sandbox_venue.other_account
    sandbox_venue.fund(buyer.address, pusd=100_000)
    other = VenueAdapter(host=sandbox_venue.url, chain_id=137, private_key=buyer.private_key)
    other.connect()
    other.post_order(other.sign_order(_buy(token, "0.89", "20000", OrderType.FAK)))
    take = _buy(token, "0.90", "5", OrderType.FAK)
    for _ in range(1000):
        other.post_order(other.sign_order(take))
    page = adapter.trades()
    fills = [leg for t in page.trades for leg in t.maker_orders if leg.order_id in mine]
    assert len(page.trades) == 1000 and len({f.order_id for f in fills}) == 1000
    assert sum(f.matched_amount for f in fills) == D(5000)
