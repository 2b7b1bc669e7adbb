"""The sandbox venue with a chain (issue 6): real conditions, funding and fills on-chain,
resolutions reported on-chain, `GET /_sandbox/chain` for whoever needs the contracts."""

from __future__ import annotations

import httpx
import pytest
from py_clob_client_v2.clob_types import OrderArgs, OrderType

from sandbox.chain import SandboxChain
from sandbox.testing import SandboxHandle
from tests.redemption.conftest import WALLET, WALLET_KEY

SLUG = "btc-above-150k-2026"


@pytest.fixture
def chained(sandbox_factory, sandbox_chain: SandboxChain) -> SandboxHandle:
    return sandbox_factory(chain=sandbox_chain)


def test_every_market_is_a_condition_whose_token_ids_are_the_ctf_position_ids(
    chained, sandbox_chain
):
    legacy = sandbox_chain.addresses["legacy_collateral"]
    wcol = sandbox_chain.addresses["neg_risk_wrapped_collateral"]
    for market in chained.venue.markets.values():
        collateral = wcol if market.neg_risk else legacy
        yes = sandbox_chain.position_id(collateral, market.condition_id, 1)
        no = sandbox_chain.position_id(collateral, market.condition_id, 2)
        assert [t.token_id for t in market.tokens] == [str(yes), str(no)]
    # The scenario's pre-funded account holds its pUSD and shares on-chain.
    bob = chained.market("mayor-election-bob")
    assert sandbox_chain.position_balance(chained.account.address, int(bob.yes.token_id)) == (
        100 * 10**6
    )


def test_a_second_venue_on_the_same_chain_gets_fresh_conditions(sandbox_factory, sandbox_chain):
    first = sandbox_factory(chain=sandbox_chain).market(SLUG).condition_id
    second = sandbox_factory(chain=sandbox_chain).market(SLUG).condition_id
    assert first != second


def test_chain_route_reports_rpc_and_contracts_and_is_404_without_a_chain(
    chained, sandbox_venue, sandbox_chain
):
    info = httpx.get(f"{chained.url}/_sandbox/chain").json()
    assert info == sandbox_chain.info()
    assert httpx.get(f"{sandbox_venue.url}/_sandbox/chain").status_code == 404


def test_fund_mints_pusd_and_a_fill_settles_on_chain_when_the_venue_steps(chained, sandbox_chain):
    before = sandbox_chain.pusd_balance(WALLET)
    answer = httpx.post(f"{chained.url}/_sandbox/fund", json={"address": WALLET, "pusd": "100"})
    assert answer.status_code == 200
    assert sandbox_chain.pusd_balance(WALLET) == before + 100 * 10**6
    market = chained.market(SLUG)
    token = market.yes.token_id
    ask = chained.venue.exchange.book(token).best_ask()
    client = chained.client(WALLET_KEY)
    order = client.create_order(OrderArgs(token_id=token, price=ask / 10_000, size=10, side="BUY"))
    assert client.post_order(order, OrderType.FAK)["success"]
    assert sandbox_chain.position_balance(WALLET, int(token)) == 0  # matched, not yet mined
    chained.step(1)
    assert sandbox_chain.position_balance(WALLET, int(token)) == 10 * 10**6
    paid = 10 * ask * 100  # 10 shares at ask/10_000 pUSD, in base units
    assert sandbox_chain.pusd_balance(WALLET) == before + 100 * 10**6 - paid
    assert chained.venue.chain is not None and chained.venue.chain.errors == []


def test_a_sell_to_the_crowd_moves_the_shares_off_and_the_pusd_in_on_chain(chained, sandbox_chain):
    chained.fund(WALLET, pusd=100)
    token = chained.market(SLUG).yes.token_id
    client = chained.client(WALLET_KEY)
    book = chained.venue.exchange.book(token)
    buy = client.create_order(
        OrderArgs(token_id=token, price=book.best_ask() / 10_000, size=10, side="BUY")
    )
    assert client.post_order(buy, OrderType.FAK)["success"]
    chained.step(1)
    before = sandbox_chain.pusd_balance(WALLET)
    bid = book.best_bid()
    sell = client.create_order(OrderArgs(token_id=token, price=bid / 10_000, size=6, side="SELL"))
    assert client.post_order(sell, OrderType.FAK)["success"]
    chained.step(1)
    assert sandbox_chain.position_balance(WALLET, int(token)) == 4 * 10**6
    assert sandbox_chain.pusd_balance(WALLET) == before + 6 * bid * 100
    assert chained.venue.balance(WALLET) == sandbox_chain.pusd_balance(WALLET)  # ledger = chain


def test_resolve_reports_payouts_on_chain_and_closes_neg_risk_siblings(chained, sandbox_chain):
    alice, bob = chained.market("mayor-election-alice"), chained.market("mayor-election-bob")
    answer = httpx.post(
        f"{chained.url}/_sandbox/resolve",
        json={"condition_id": alice.condition_id, "winner_token_id": alice.yes.token_id},
    )
    assert answer.status_code == 200 and answer.json()["closed"] is True
    ctf = sandbox_chain.ctf.functions
    for market, winner in ((alice, 0), (bob, 1)):
        condition = bytes.fromhex(market.condition_id[2:])
        assert ctf.payoutDenominator(condition).call() == 1
        assert ctf.payoutNumerators(condition, winner).call() == 1
