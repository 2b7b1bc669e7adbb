"""Safe, proxy and deposit wallets redeem and merge through the relayer (the sandbox's, over
HTTP, executing on anvil); the owner EOA signs but never sends a transaction."""

from __future__ import annotations

import threading
from decimal import Decimal

import httpx
import pytest
from django.db import connection
from eth_account import Account

from execution.models import PositionStatus
from ltproject.domain import TradingMode
from redemption import wallet_calls
from redemption.chain import Chain
from redemption.merging import merges_plan
from redemption.models import (
    Redemption,
    RedemptionKind,
    RedemptionState,
    RelayedTransaction,
    RelayState,
    WalletType,
)
from redemption.reasons import RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import redemptions_process
from sandbox.chain import SandboxChain, SandboxWallets
from sandbox.relayer import RELAYER_KEY
from sandbox.testing import SandboxHandle
from tests.factories import PositionFactory, StrategyFactory
from tests.redemption.conftest import WALLET, WALLET_KEY, new_market

SIGNATURE_TYPES = {"proxy": 1, "safe": 2, "deposit_wallet": 3}


@pytest.fixture
def venue(sandbox_factory, sandbox_chain) -> SandboxHandle:
    return sandbox_factory(chain=sandbox_chain)


def smart_wallet(venue: SandboxHandle, settings, kind: str) -> str:
    """Deploy the signer's wallet of `kind` in the sandbox and point LT at it."""
    answer = httpx.post(f"{venue.url}/_sandbox/wallet", json={"owner": WALLET, "type": kind})
    assert answer.status_code == 200, answer.text
    wallet = answer.json()["address"]
    settings.SIGNATURE_TYPE = SIGNATURE_TYPES[kind]
    settings.FUNDER_ADDRESS = wallet
    settings.RELAYER_URL = f"{venue.url}/relayer"
    settings.RELAYER_API_KEY = "sandbox-relayer-key"
    settings.RELAYER_API_KEY_ADDRESS = WALLET
    return wallet


def held_by(sandbox_chain, wallet: str, *, outcomes=((0, Decimal("10")),), strategy=None):
    onchain, market = new_market(sandbox_chain)
    strategy = strategy or StrategyFactory()
    positions = []
    for outcome, shares in outcomes:
        sandbox_chain.give_position(wallet, onchain, outcome, int(shares * 10**6))
        positions.append(
            PositionFactory(
                strategy=strategy,
                market=market,
                token_id=str(onchain.token_ids[outcome]),
                mode=TradingMode.LIVE,
                size=shares,
                avg_cost=Decimal("0.4"),
                cost_basis=shares * Decimal("0.4"),
            )
        )
    return onchain, positions


@pytest.mark.parametrize("kind", ["safe", "proxy", "deposit_wallet"])
def test_a_winner_held_by_a_smart_wallet_is_redeemed_through_the_relayer(
    kind, venue, sandbox_chain, chain: Chain, settings, db
):
    wallet = smart_wallet(venue, settings, kind)
    onchain, (position,) = held_by(sandbox_chain, wallet)
    eoa_nonce = chain.transaction_count(WALLET)
    before = sandbox_chain.pusd_balance(wallet)

    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    redemptions_process(chain=chain)

    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.wallet_type == kind
    assert redemption.wallet_address == wallet
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.outcome_code == RedemptionCode.PAID
    assert redemption.actual_payout == Decimal("10")
    assert sandbox_chain.pusd_balance(wallet) - before == 10_000_000
    assert sandbox_chain.position_balance(wallet, onchain.yes_token_id) == 0
    assert redemption.transaction is None
    relayed = redemption.relayed
    assert relayed is not None and relayed.state == RelayState.CONFIRMED
    assert relayed.tx_hash and relayed.transaction_id
    # The approval and the redeem were both wallet calls: the EOA paid no gas at all.
    assert chain.transaction_count(WALLET) == eoa_nonce
    assert RelayedTransaction.objects.filter(wallet_address=wallet).count() == 2
    position.refresh_from_db()
    assert position.status == PositionStatus.REDEEMED
    assert position.realised_pnl == Decimal("6")


def test_a_safe_merges_yes_and_no_through_the_relayer(
    venue, sandbox_chain, chain: Chain, settings, db
):
    wallet = smart_wallet(venue, settings, "safe")
    _onchain, (yes, no) = held_by(
        sandbox_chain, wallet, outcomes=((0, Decimal("5")), (1, Decimal("5")))
    )
    before = sandbox_chain.pusd_balance(wallet)
    assert merges_plan(chain=chain) == 1
    redemptions_process(chain=chain)
    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.wallet_type == WalletType.SAFE
    assert merge.state == RedemptionState.CONFIRMED, merge.last_error
    assert merge.outcome_code == RedemptionCode.MERGED
    assert sandbox_chain.pusd_balance(wallet) - before == 5_000_000
    for position in (yes, no):
        position.refresh_from_db()
        assert position.status == PositionStatus.CLOSED
    assert yes.realised_pnl + no.realised_pnl == Decimal("1")  # 5 pairs at 0.80, paid 5


def test_a_lost_relayer_answer_is_found_again_not_signed_twice(
    venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet = smart_wallet(venue, settings, "safe")
    onchain, _ = held_by(sandbox_chain, wallet)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)
    # Every submit executes on-chain, then the answer is lost in transit.
    venue.venue.faults.add("relayer_lost_answer", count=2)

    for _ in range(4):
        redemptions_process(chain=chain)

    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.actual_payout == Decimal("10")
    # One approval and one redeem: two relayed calls, each signed once, each executed once.
    rows = RelayedTransaction.objects.filter(wallet_address=wallet)
    assert rows.count() == 2
    assert all(r.posts == 1 for r in rows)
    safe_nonce = httpx.get(
        f"{venue.url}/relayer/nonce", params={"address": WALLET, "type": "SAFE"}
    ).json()["nonce"]
    assert safe_nonce == "2"


def test_a_refused_wallet_call_counts_a_failed_attempt_and_pays_nothing(
    venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet = smart_wallet(venue, settings, "safe")
    settings.RELAYER_API_KEY_ADDRESS = sandbox_chain.deployer  # a key of another account
    onchain, _ = held_by(sandbox_chain, wallet)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)
    redemptions_process(chain=chain)
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.PENDING
    assert redemption.attempts == 1
    assert "approval" in redemption.last_error
    assert sandbox_chain.position_balance(wallet, onchain.yes_token_id) == 10_000_000


@pytest.mark.django_db(transaction=True)
def test_three_workers_at_once_redeem_a_safe_position_once(
    venue, sandbox_chain, chain: Chain, settings
):
    wallet = smart_wallet(venue, settings, "safe")
    onchain, _ = held_by(sandbox_chain, wallet)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)

    def work() -> None:
        try:
            for _ in range(3):
                redemptions_process(chain=chain)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    executed = [c for c in venue_calls(venue) if c["state"] != "STATE_INVALID"]
    assert len(executed) == 2  # the approval and one redeem


def venue_calls(venue: SandboxHandle) -> list[dict]:
    headers = {"RELAYER_API_KEY": "k", "RELAYER_API_KEY_ADDRESS": WALLET}
    return httpx.get(f"{venue.url}/relayer/transactions", headers=headers).json()


# --- a relayed call that fails is a failure, whatever the receipt says ----------------------------


def owner_relays(sandbox_chain: SandboxChain, chain: Chain, call: tuple[str, str]) -> None:
    """The signer's own proxy call, relayed outside LT (from another app of the same owner):
    it uses up the hub nonce it was signed for."""
    wallets = SandboxWallets(sandbox_chain)
    relay = Account.from_key(RELAYER_KEY).address
    body = wallet_calls.proxy_request(
        private_key=WALLET_KEY,
        proxy_factory=chain.contracts.proxy_factory,
        relay_hub=chain.contracts.proxy_relay_hub,
        relay=relay,
        proxy_wallet=wallets.address_for("proxy", WALLET),
        calls=[call],
        nonce=chain.relay_hub_nonce(WALLET),
        gas_limit=500_000,
    )
    wallets.execute(body, relayer_key=RELAYER_KEY)


def redeem_signed_but_not_posted(venue, sandbox_chain, chain: Chain, settings):
    """A proxy wallet with a resolved winner whose adapter approval is done (by the owner
    itself); LT signs its redeem, but the relayer is down when LT posts it."""
    wallet = smart_wallet(venue, settings, "proxy")
    onchain, (position,) = held_by(sandbox_chain, wallet)
    owner_relays(sandbox_chain, chain, approval(chain))
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)
    venue.venue.faults.add("status", path="/relayer/submit", status=502)
    redemptions_process(chain=chain)
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.SUBMITTED
    assert redemption.relayed is not None and redemption.relayed.nonce == 1
    return wallet, onchain, position, redemption


def approval(chain: Chain) -> tuple[str, str]:
    return chain.approval_call(chain.contracts.collateral_adapter)


def assert_failed_then_redeemed_on_the_next_nonce(
    redemption: Redemption, position, *, failed_nonce: int, reason: str, chain: Chain
) -> None:
    assert redemption.relayed_id is not None
    failed = RelayedTransaction.objects.get(pk=redemption.relayed_id)
    redemption.refresh_from_db()
    assert failed.state == RelayState.FAILED and reason in failed.error
    assert failed.nonce == failed_nonce and failed.tx_hash  # mined, receipt status 1
    assert chain.receipt(failed.tx_hash).status == 1  # type: ignore[union-attr]
    # Recorded as a failed attempt: nothing booked, the redemption waits for its retry.
    assert redemption.state == RedemptionState.PENDING
    assert redemption.outcome_code == RedemptionCode.RELAYER_REFUSED
    assert redemption.attempts == 1 and reason in redemption.last_error
    assert redemption.actual_payout is None
    position.refresh_from_db()
    assert position.status == PositionStatus.RESOLVED_WON

    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.actual_payout == Decimal("10")
    retry = redemption.relayed
    assert retry is not None and retry.pk != failed.pk
    assert retry.nonce > failed_nonce and retry.state == RelayState.CONFIRMED
    position.refresh_from_db()
    assert position.status == PositionStatus.REDEEMED


def test_a_proxy_redeem_whose_call_fails_in_the_hub_is_a_failure_retried_on_the_next_nonce(
    venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet, onchain, position, redemption = redeem_signed_but_not_posted(
        venue, sandbox_chain, chain, settings
    )
    # The approval is withdrawn before the signed redeem reaches the chain: the adapter cannot
    # take the positions, the hub's call reverts inside a successful relay transaction.
    revoke = sandbox_chain.ctf.functions.setApprovalForAll(
        chain.contracts.collateral_adapter, False
    )
    sandbox_chain.act_as(wallet, revoke)
    assert not chain.is_approved_for_all(wallet, chain.contracts.collateral_adapter)

    redemptions_process(chain=chain)

    assert chain.relay_hub_nonce(WALLET) == 2  # the failed call used its nonce up
    assert sandbox_chain.position_balance(wallet, onchain.yes_token_id) == 10_000_000
    assert_failed_then_redeemed_on_the_next_nonce(
        redemption, position, failed_nonce=1, reason="RelayedCallFailed", chain=chain
    )
    # The retry approved the adapter again (nonce 2) and redeemed (nonce 3).
    assert redemption.relayed is not None and redemption.relayed.nonce == 3


def test_a_proxy_redeem_sent_with_a_stale_nonce_is_a_failure_retried_on_the_next_nonce(
    venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet, onchain, position, redemption = redeem_signed_but_not_posted(
        venue, sandbox_chain, chain, settings
    )
    # Another app of the owner uses hub nonce 1 before LT's signed redeem is posted.
    owner_relays(sandbox_chain, chain, approval(chain))

    redemptions_process(chain=chain)

    assert chain.relay_hub_nonce(WALLET) == 2  # refused: the nonce was not LT's to use
    assert sandbox_chain.position_balance(wallet, onchain.yes_token_id) == 10_000_000
    assert_failed_then_redeemed_on_the_next_nonce(
        redemption, position, failed_nonce=1, reason="WrongNonce", chain=chain
    )
    assert redemption.relayed is not None and redemption.relayed.nonce == 2


def test_a_proxy_approval_refused_by_the_hub_is_not_booked_as_approved(
    venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet = smart_wallet(venue, settings, "proxy")
    onchain, _ = held_by(sandbox_chain, wallet)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)
    venue.venue.faults.add("status", path="/relayer/submit", status=502)
    redemptions_process(chain=chain)  # the approval is signed for hub nonce 0, not posted
    # Another app of the owner spends nonce 0 on something else.
    neg_risk = chain.approval_call(chain.contracts.neg_risk_adapter)
    owner_relays(sandbox_chain, chain, neg_risk)

    redemptions_process(chain=chain)

    adapter = chain.contracts.collateral_adapter
    (refused,) = RelayedTransaction.objects.filter(wallet_address=wallet)
    assert refused.purpose.startswith("approve:") and refused.nonce == 0
    assert refused.state == RelayState.FAILED and "WrongNonce" in refused.error
    assert not chain.is_approved_for_all(wallet, adapter)
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.PENDING and redemption.attempts == 1
    assert "the CTF approval failed" in redemption.last_error

    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert chain.is_approved_for_all(wallet, adapter)
    nonces = sorted(r.nonce for r in RelayedTransaction.objects.filter(wallet_address=wallet))
    assert nonces == [0, 1, 2]  # refused approval, approval on the next nonce, redeem


def test_a_call_the_relayer_gives_up_on_is_signed_again_and_redeemed(
    venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet = smart_wallet(venue, settings, "safe")
    onchain, _ = held_by(sandbox_chain, wallet)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)
    venue.venue.faults.add("relayer_failed", count=1)  # the approval: STATE_FAILED

    redemptions_process(chain=chain)
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.PENDING and redemption.attempts == 1
    (given_up,) = RelayedTransaction.objects.filter(wallet_address=wallet)
    assert given_up.state == RelayState.FAILED and not given_up.tx_hash

    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    # The Safe's nonce 0 was never used: the approval was signed for it again.
    approvals = RelayedTransaction.objects.filter(wallet_address=wallet, nonce=0)
    assert sorted(a.state for a in approvals) == [RelayState.CONFIRMED, RelayState.FAILED]


@pytest.mark.parametrize("kind", ["safe", "proxy"])
def test_nothing_is_signed_while_the_relayers_nonce_is_not_the_chains(
    kind, venue, sandbox_chain, chain: Chain, settings, db, no_backoff
):
    wallet = smart_wallet(venue, settings, kind)
    onchain, _ = held_by(sandbox_chain, wallet)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    resolutions_detect(chain=chain)
    venue.venue.faults.add("relayer_nonce_skew", count=1)

    redemptions_process(chain=chain)
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert redemption.state == RedemptionState.PENDING
    assert redemption.attempts == 0  # nothing was signed, so nothing failed
    assert "the relayer's next nonce 1 is not" in redemption.last_error
    assert not RelayedTransaction.objects.filter(wallet_address=wallet).exists()

    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
