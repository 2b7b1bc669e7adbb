"""Acceptance 2 and 3: concurrent and killed jobs, lost sends, RPC timeouts, stuck transactions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from web3 import Web3

from redemption.chain import Chain, Contracts
from redemption.models import ChainTransaction, Redemption, RedemptionState, TransactionStatus
from redemption.resolution import resolutions_detect
from redemption.services import redemptions_process
from tests.redemption.conftest import WALLET, WALLET_KEY, hold, tx_of
from tests.redemption.faults import FaultyProvider

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def paid_redeems(sandbox_chain, condition_id: str) -> int:
    """Successful redeems on-chain that paid something, for one condition."""
    logs = sandbox_chain.collateral_adapter.events.PayoutRedemption().get_logs(from_block=0)
    condition = bytes.fromhex(condition_id[2:])
    return sum(1 for e in logs if e.args.conditionId == condition and e.args.payout > 0)


def resolved_winners(sandbox_chain, chain, count: int) -> list:
    helds = [hold(sandbox_chain, outcome=0, shares=Decimal("2")) for _ in range(count)]
    for held in helds:
        sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == count
    return helds


def run_concurrently(chain_settings, times: int = 3) -> None:
    def job() -> None:
        try:
            own = Chain.connect(chain_settings.CHAIN_RPC_URL, chain_settings.CHAIN_CONTRACTS)
            redemptions_process(chain=own)
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_jobs_send_one_redeem_per_position(sandbox_chain, chain, chain_settings):
    helds = resolved_winners(sandbox_chain, chain, 6)
    run_concurrently(chain_settings)
    for held in helds:
        redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
        assert redemption.state == RedemptionState.CONFIRMED
        assert paid_redeems(sandbox_chain, held.onchain.condition_id) == 1
    assert ChainTransaction.objects.filter(purpose="redeem").count() == 6
    nonces = list(ChainTransaction.objects.values_list("nonce", flat=True))
    assert len(nonces) == len(set(nonces))


_CHILD = """
import os, signal, django
django.setup()
from redemption import services
from redemption.chain import get_chain
checkpoint = os.environ["KILL_AT"]
def die(*args, **kwargs):
    if checkpoint == "after_broadcast":
        real_broadcast(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
real_broadcast = services.transaction_broadcast
if checkpoint in ("before_broadcast", "after_broadcast"):
    services.transaction_broadcast = die
services.redemptions_process(chain=get_chain())
"""


@pytest.mark.parametrize("kill_at", ["before_broadcast", "after_broadcast"])
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_send_then_three_jobs_still_send_one_redeem(
    sandbox_chain, chain, chain_settings, kill_at
):
    held = resolved_winners(sandbox_chain, chain, 1)[0]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.test_settings",
        "DATABASE_URL": _database_url(),
        "SIGNER_PRIVATE_KEY": WALLET_KEY,
        "CHAIN_RPC_URL": chain_settings.CHAIN_RPC_URL,
        "CHAIN_CONTRACTS": json.dumps(chain_settings.CHAIN_CONTRACTS),
        "REDEMPTION_CONFIRMATIONS": "1",
        "REDEMPTION_PRIORITY_FEE_GWEI": "1",
        "KILL_AT": kill_at,
    }
    # The wallet approves the adapter first, so the killed send is the redeem itself.
    _approve(sandbox_chain)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, cwd=BASE_DIR, capture_output=True, timeout=60
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
    assert redemption.state == RedemptionState.SUBMITTED
    stored = tx_of(redemption)
    # Stored before the broadcast; killed before it, or after it reached the node.
    sent = kill_at == "after_broadcast"
    assert stored.status == (TransactionStatus.BROADCAST if sent else TransactionStatus.SIGNED)
    # The dead worker's lease runs out; then three jobs fire at once.
    Redemption.objects.filter(pk=redemption.pk).update(lease_until=timezone.now())
    run_concurrently(chain_settings)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED
    assert redemption.transaction_id == stored.pk  # the same bytes, never re-signed
    assert ChainTransaction.objects.filter(purpose="redeem").count() == 1
    assert paid_redeems(sandbox_chain, held.onchain.condition_id) == 1


def _approve(sandbox_chain) -> None:
    adapter = sandbox_chain.addresses["collateral_adapter"]
    tx = sandbox_chain.ctf.functions.setApprovalForAll(adapter, True).transact({"from": WALLET})
    sandbox_chain.w3.eth.wait_for_transaction_receipt(tx)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_hundred_winners_with_lost_sends_and_rpc_timeouts_are_all_paid_once(
    sandbox_chain, chain, chain_settings, no_backoff
):
    chain_settings.REDEMPTION_RECEIPT_TIMEOUT = 0.05
    helds = resolved_winners(sandbox_chain, chain, 100)
    provider = FaultyProvider(chain_settings.CHAIN_RPC_URL, drop=0.2, timeout=0.03)
    faulty = Chain(Web3(provider), Contracts.from_mapping(chain_settings.CHAIN_CONTRACTS))
    before = sandbox_chain.pusd_balance(WALLET)

    redemptions_process(chain=faulty, budget_seconds=120)
    first_pass = Redemption.objects.filter(state=RedemptionState.CONFIRMED).count()
    for _ in range(10):
        if not Redemption.objects.exclude(state=RedemptionState.CONFIRMED).exists():
            break
        redemptions_process(chain=faulty, budget_seconds=60)

    assert provider.dropped >= 10 and provider.timed_out >= 10
    assert first_pass >= 95, f"{first_pass} confirmed on the first pass"
    assert Redemption.objects.filter(state=RedemptionState.CONFIRMED).count() == 100
    assert sandbox_chain.pusd_balance(WALLET) - before == 100 * 2_000_000  # nobody paid twice
    assert all(paid_redeems(sandbox_chain, h.onchain.condition_id) == 1 for h in helds)


@pytest.mark.django_db
def test_stuck_transaction_is_replaced_with_the_same_nonce_not_duplicated(
    sandbox_chain, chain, chain_settings, no_backoff
):
    chain_settings.REDEMPTION_STUCK_AFTER_SECONDS = 0
    held = resolved_winners(sandbox_chain, chain, 1)[0]
    _approve(sandbox_chain)
    sandbox_chain.w3.provider.make_request("anvil_setAutomine", [False])
    redemptions_process(chain=chain)  # broadcast; no block: stuck, replaced with a fee bump
    redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
    replacement = tx_of(redemption)
    original = replacement.replaces
    assert original is not None and original.nonce == replacement.nonce
    assert replacement.max_priority_fee_per_gas >= original.max_priority_fee_per_gas * Decimal(
        "1.125"
    )
    sandbox_chain.w3.provider.make_request("anvil_setAutomine", [True])
    sandbox_chain.w3.provider.make_request("evm_mine", [])
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    original.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED
    assert tx_of(redemption).status == TransactionStatus.CONFIRMED
    assert original.status == TransactionStatus.REPLACED
    assert paid_redeems(sandbox_chain, held.onchain.condition_id) == 1


class LosesFirstSends(FaultyProvider):
    """Silently loses the first `n` raw transactions, then behaves."""

    def __init__(self, *args, n: int, **kwargs):
        super().__init__(*args, drop=0, timeout=0, **kwargs)
        self.left = n

    def make_request(self, method, params):
        if method == "eth_sendRawTransaction" and self.left > 0:
            self.left -= 1
            return {"jsonrpc": "2.0", "id": 0, "result": "0x" + "00" * 32}
        return super().make_request(method, params)


@pytest.mark.django_db
def test_a_lost_transaction_is_sent_again_before_it_can_block_later_nonces(
    sandbox_chain, chain, chain_settings, no_backoff
):
    chain_settings.REDEMPTION_RECEIPT_TIMEOUT = 0.05
    first, second = resolved_winners(sandbox_chain, chain, 2)
    _approve(sandbox_chain)
    provider = LosesFirstSends(chain_settings.CHAIN_RPC_URL, n=3)  # the send + 2 re-sends
    lossy = Chain(Web3(provider), Contracts.from_mapping(chain_settings.CHAIN_CONTRACTS))
    redemptions_process(chain=lossy)  # the first is lost; the second's send fills the gap
    redemptions_process(chain=lossy)
    for held in (first, second):
        redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
        assert redemption.state == RedemptionState.CONFIRMED
        assert paid_redeems(sandbox_chain, held.onchain.condition_id) == 1
    assert ChainTransaction.objects.filter(purpose="redeem").count() == 2
