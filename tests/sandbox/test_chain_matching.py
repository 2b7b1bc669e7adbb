"""Mint and merge legs settle on-chain: balances on the chain equal the venue's ledger."""

from __future__ import annotations

import pytest

from sandbox.chain import SandboxChain
from sandbox.engine import MatchType, Order, OrderType, Side
from sandbox.fees import FEE_COLLECTOR
from sandbox.scenario import Market, parse_scenario
from sandbox.units import UNIT
from sandbox.venue import Venue

START = 1_800_000_000.0
YES_BUYER = "0x" + "a1" * 20
NO_BUYER = "0x" + "b2" * 20
FUNDS = 1_000 * UNIT
_ids = iter(range(1, 10**6))


def _venue(chain: SandboxChain, *, neg_risk: bool) -> Venue:
    """One still market at 0.50 with a 2% taker fee, and a crowd that only quotes."""
    market = {
        "slug": f"chain-{'nr' if neg_risk else 'std'}",
        "mid": "0.5",
        "volatility": 0,
        "neg_risk": neg_risk,
        "fee": {"r": 0.02, "e": 1},
    }
    raw = {"markets": [market], "crowd": {"take_probability": 0}, "accounts": []}
    venue = Venue(parse_scenario(raw), start=START, chain=chain)
    for who in (YES_BUYER, NO_BUYER):
        venue.fund(who, pusd=FUNDS)
    return venue


def _order(who: str, token: str, side: Side, price: int, size: int, kind=OrderType.GTC) -> Order:
    return Order(f"0x{next(_ids):064x}", who, who, token, side, price, size, order_type=kind)


def _assert_chain_is_ledger(venue: Venue, chain: SandboxChain, market: Market) -> None:
    assert venue.chain is not None and venue.chain.errors == []
    for who in (YES_BUYER, NO_BUYER, FEE_COLLECTOR):
        assert chain.pusd_balance(who) == venue.balance(who), who
        for token in market.tokens:
            held = chain.position_balance(who, int(token.token_id))
            assert held == venue.balance(who, token.token_id), (who, token.outcome)


@pytest.mark.parametrize("neg_risk", [False, True], ids=["standard", "neg-risk"])
def test_a_yes_buyer_and_a_no_buyer_mint_then_merge_on_chain(chain, neg_risk):
    venue = _venue(chain, neg_risk=neg_risk)
    market = venue.scenario.markets[0]
    yes, no = market.yes.token_id, market.no.token_id

    # Inside the crowd's 0.49 / 0.51 quotes: the two buyers meet only each other.
    venue.submit(_order(NO_BUYER, no, Side.BUY, 5_000, 10 * UNIT))
    (mint,) = venue.submit(_order(YES_BUYER, yes, Side.BUY, 5_000, 10 * UNIT)).trades
    assert [leg.kind for leg in mint.legs] == [MatchType.MINT]
    venue.step()

    fee = 50_000  # 10 x 0.02 x 0.5 x 0.5
    assert venue.balance(YES_BUYER) == FUNDS - 5 * UNIT - fee
    assert venue.balance(NO_BUYER) == FUNDS - 5 * UNIT
    assert venue.balance(YES_BUYER, yes) == venue.balance(NO_BUYER, no) == 10 * UNIT
    _assert_chain_is_ledger(venue, chain, market)

    venue.submit(_order(NO_BUYER, no, Side.SELL, 5_000, 10 * UNIT))
    (merge,) = venue.submit(_order(YES_BUYER, yes, Side.SELL, 5_000, 10 * UNIT)).trades
    assert [leg.kind for leg in merge.legs] == [MatchType.MERGE]
    venue.step()

    assert venue.balance(YES_BUYER, yes) == venue.balance(NO_BUYER, no) == 0
    assert venue.balance(YES_BUYER) == FUNDS - 2 * fee
    assert venue.balance(NO_BUYER) == FUNDS
    assert venue.balance(FEE_COLLECTOR) == 2 * fee
    _assert_chain_is_ledger(venue, chain, market)


def test_sweeps_through_the_crowds_quotes_on_both_books_settle_on_chain(chain):
    venue = _venue(chain, neg_risk=False)
    market = venue.scenario.markets[0]
    yes = market.yes.token_id
    venue.fund(YES_BUYER, token_id=yes, shares=500 * UNIT)
    book = venue.exchange.book(yes)
    (_, ask_size), (_, bid_size) = book.asks.depth()[0], book.bids.depth()[-1]

    # Past the crowd's best YES level, each reaches the NO quote mirroring it.
    buy_size, sell_size = ask_size + 10 * UNIT, bid_size + 10 * UNIT
    (buy,) = venue.submit(_order(YES_BUYER, yes, Side.BUY, 5_100, buy_size, OrderType.FAK)).trades
    (sell,) = venue.submit(
        _order(YES_BUYER, yes, Side.SELL, 4_900, sell_size, OrderType.FAK)
    ).trades
    venue.step()

    assert [leg.kind for leg in buy.legs] == [MatchType.COMPLEMENTARY, MatchType.MINT]
    assert [leg.kind for leg in sell.legs] == [MatchType.COMPLEMENTARY, MatchType.MERGE]
    assert venue.balance(YES_BUYER, yes) == 500 * UNIT + buy_size - sell_size
    _assert_chain_is_ledger(venue, chain, market)
