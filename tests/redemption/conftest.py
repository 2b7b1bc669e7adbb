"""Redemption tests: the sandbox chain (tests/conftest.py: one anvil per session, one snapshot
per test) as LT's chain, and builders of positions on it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from eth_account import Account

from execution.models import Market, Position
from ltproject.domain import TradingMode
from redemption.chain import Chain
from redemption.models import ChainTransaction, Redemption, RedemptionState
from redemption.transactions import fees_current, transaction_sign_and_store
from sandbox.chain import ANVIL_KEYS, SandboxChain, SandboxMarket
from tests.factories import MarketFactory, MarketTokenFactory, PositionFactory

WALLET_KEY = ANVIL_KEYS[1]
WALLET = Account.from_key(WALLET_KEY).address
_questions = itertools.count(1)


@pytest.fixture
def chain_settings(settings, sandbox_chain: SandboxChain):
    settings.SIGNER_PRIVATE_KEY = WALLET_KEY
    settings.SIGNATURE_TYPE = 0
    settings.CHAIN_ID = 137
    settings.CHAIN_RPC_URL = sandbox_chain.rpc_url
    settings.CHAIN_CONTRACTS = dict(sandbox_chain.addresses)
    settings.REDEMPTION_CONFIRMATIONS = 1
    settings.REDEMPTION_RECEIPT_TIMEOUT = 0.3
    settings.REDEMPTION_PRIORITY_FEE_GWEI = 1
    return settings


@pytest.fixture
def chain(chain_settings, sandbox_chain: SandboxChain) -> Chain:
    return Chain.connect(sandbox_chain.rpc_url, sandbox_chain.addresses)


@pytest.fixture
def no_backoff(monkeypatch):
    """Retries due at once, so a test can run the next pass without waiting."""
    from datetime import timedelta

    from redemption import services

    for name in (
        "RETRY_BASE",
        "TRANSIENT_RETRY",
        "FOLLOW_UP",
        "NOT_RESOLVED_RETRY",
        "WALLET_NOT_READY_RETRY",
    ):
        monkeypatch.setattr(services, name, timedelta(0))


@dataclass
class Held:
    """A sandbox market, its rows, and the wallet's live positions in it."""

    onchain: SandboxMarket
    market: Market
    positions: list[Position]


def new_market(sandbox: SandboxChain, *, neg_risk: bool = False) -> tuple[SandboxMarket, Market]:
    question = next(_questions).to_bytes(32, "big")
    onchain = sandbox.prepare_condition(question, neg_risk=neg_risk)
    market = MarketFactory(condition_id=onchain.condition_id, neg_risk=neg_risk)
    MarketTokenFactory(
        market=market, token_id=str(onchain.yes_token_id), outcome="Yes", outcome_index=0
    )
    MarketTokenFactory(
        market=market, token_id=str(onchain.no_token_id), outcome="No", outcome_index=1
    )
    return onchain, market


def hold(
    sandbox: SandboxChain,
    *,
    outcome: int = 0,
    shares: Decimal = Decimal("10"),
    price: Decimal = Decimal("0.4"),
    neg_risk: bool = False,
    strategies: int = 1,
) -> Held:
    """The wallet holds `shares` of one outcome, split evenly between `strategies` strategies."""
    onchain, market = new_market(sandbox, neg_risk=neg_risk)
    sandbox.give_position(WALLET, onchain, outcome, int(shares * 10**6))
    each = shares / strategies
    positions = [
        PositionFactory(
            market=market,
            token_id=str(onchain.token_ids[outcome]),
            mode=TradingMode.LIVE,
            size=each,
            avg_cost=price,
            cost_basis=each * price,
        )
        for _ in range(strategies)
    ]
    return Held(onchain, market, positions)  # type: ignore[arg-type]


def tx_of(redemption: Redemption) -> ChainTransaction:
    assert redemption.transaction is not None
    return redemption.transaction


def approve_adapter(sandbox: SandboxChain) -> None:
    """The wallet approves the collateral adapter on the CTF itself, outside LT (mined)."""
    adapter = sandbox.addresses["collateral_adapter"]
    tx = sandbox.ctf.functions.setApprovalForAll(adapter, True).transact({"from": WALLET})
    sandbox.w3.eth.wait_for_transaction_receipt(tx)


def automine(sandbox: SandboxChain, on: bool) -> None:
    """Anvil mines each transaction as it arrives (on) or leaves it pending (off)."""
    sandbox.w3.provider.make_request("anvil_setAutomine", [on])  # type: ignore[arg-type]


def stored_transaction(
    chain: Chain, to: str, data: str, *, gas: int, purpose: str
) -> ChainTransaction:
    """A transaction of the wallet at its next nonce, signed and stored, not sent."""
    return transaction_sign_and_store(
        chain=chain,
        sender=WALLET,
        chain_next=chain.transaction_count(WALLET),
        to=to,
        data=data,
        gas=gas,
        fees=fees_current(chain=chain),
        purpose=purpose,
    )


def submitted_redeem(chain: Chain, redemption: Redemption) -> ChainTransaction:
    """The redemption submitted with its redeem of 10 winning shares signed and stored (not
    sent), as a worker that stopped after storing it leaves it."""
    to, data = chain.redeem_call(
        route=redemption.route,
        condition_id=redemption.condition_id,
        collateral=redemption.collateral_token,
        index_sets=redemption.index_sets,
        amounts=[10_000_000, 0],
    )
    stored = stored_transaction(chain, to, data, gas=300_000, purpose="redeem")
    Redemption.objects.filter(pk=redemption.pk).update(
        state=RedemptionState.SUBMITTED, transaction=stored, expected_payout=Decimal("10")
    )
    return stored
