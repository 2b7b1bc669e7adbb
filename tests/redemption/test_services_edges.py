"""Redemption edges an EOA meets on anvil, and the alerts an operator reads.

A reverted redeem, a redeem waiting for its receipt and replaced at the stuck time exactly,
lost sends re-sent twice a pass, a loss and a short wallet closed without a transaction,
a merge of several strategies' pairs, failed attempts that name their error.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone
from web3 import Web3
from web3.types import RPCEndpoint

from execution.models import PositionStatus
from ltproject.domain import TradingMode
from monitoring.models import Alert
from redemption.chain import Chain, Contracts
from redemption.merging import merges_plan
from redemption.models import (
    ChainTransaction,
    Redemption,
    RedemptionKind,
    RedemptionState,
    RelayedTransaction,
    TransactionStatus,
    WalletType,
)
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import (
    FOLLOW_UP,
    LEASE,
    RETRY_BASE,
    TRANSIENT_RETRY,
    _split,
    redemption_mark,
    redemption_preview,
    redemptions_alert_overdue,
    redemptions_process,
)
from tests.factories import MarketFactory, PositionFactory, RedemptionFactory, StrategyFactory
from tests.redemption.conftest import (
    WALLET,
    approve_adapter,
    automine,
    hold,
    new_market,
    submitted_redeem,
    tx_of,
)
from tests.redemption.faults import FaultyProvider

D = Decimal

pytestmark = pytest.mark.django_db


def _resolved_winner(sandbox_chain, chain) -> Redemption:
    held = hold(sandbox_chain, outcome=0, shares=D("10"))
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    return Redemption.objects.get(condition_id=held.onchain.condition_id)


def _lossy_chain(chain_settings, provider_class: type[FaultyProvider], **kwargs: Any) -> Chain:
    provider = provider_class(chain_settings.CHAIN_RPC_URL, drop=0, timeout=0, **kwargs)
    return Chain(Web3(provider), Contracts.from_mapping(chain_settings.CHAIN_CONTRACTS))


# --- a redeem that reverts -------------------------------------------------------------------


def test_a_reverted_redeem_pays_nothing_counts_an_attempt_and_is_sent_again(
    sandbox_chain, chain, chain_settings
):
    redemption = _resolved_winner(sandbox_chain, chain)
    # A redeem signed while the adapter could pull the positions, mined after it could not
    # (no approval on the CTF): the transaction reverts.
    reverting = submitted_redeem(chain, redemption)
    before = timezone.now()
    redemptions_process(chain=chain)

    redemption.refresh_from_db()
    reverting.refresh_from_db()
    assert reverting.status == TransactionStatus.REVERTED
    assert (redemption.state, redemption.outcome_code, redemption.attempts) == (
        RedemptionState.PENDING,
        RedemptionCode.REVERTED,
        1,
    )
    assert redemption.last_error == f"transaction {reverting.tx_hash} reverted"
    assert redemption.actual_payout is None and redemption.lease_until is None
    assert redemption.next_attempt_at is not None
    assert before + RETRY_BASE <= redemption.next_attempt_at <= timezone.now() + RETRY_BASE
    position = redemption.allocations.get().position
    assert position.status == PositionStatus.RESOLVED_WON
    assert sandbox_chain.position_balance(WALLET, int(redemption.token_ids[0])) == 10_000_000

    # The retry approves the adapter and sends a new redeem, which pays.
    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=timezone.now())
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.actual_payout == D("10")
    assert tx_of(redemption).pk != reverting.pk


# --- waiting for a receipt; replaced at the stuck time exactly ---------------------------------


def test_a_pending_redeem_waits_and_is_replaced_once_stuck_for_exactly_the_stuck_time(
    sandbox_chain, chain, chain_settings
):
    chain_settings.REDEMPTION_STUCK_AFTER_SECONDS = 60
    stuck_after = timedelta(seconds=60)
    redemption = _resolved_winner(sandbox_chain, chain)
    approve_adapter(sandbox_chain)
    automine(sandbox_chain, False)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        redemptions_process(chain=chain)  # sent; no block is mined
    redemption.refresh_from_db()
    sent = tx_of(redemption)
    assert sent.broadcast_at == start
    assert (redemption.state, redemption.attempts, redemption.lease_until) == (
        RedemptionState.SUBMITTED,
        0,
        None,
    )
    assert redemption.last_error == "waiting for the receipt"
    assert redemption.next_attempt_at == start + FOLLOW_UP
    # Stored long before its first send (a crash between the two): the stuck time counts
    # from the send.
    ChainTransaction.objects.filter(pk=sent.pk).update(created_at=start - timedelta(hours=1))

    almost = start + stuck_after - timedelta(microseconds=1)
    with time_machine.travel(almost, tick=False):
        redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert tx_of(redemption).pk == sent.pk  # not replaced yet
    assert redemption.next_attempt_at == almost + FOLLOW_UP
    assert redemption.last_error == "waiting for the receipt"

    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=None)  # due again
    with time_machine.travel(start + stuck_after, tick=False):
        redemptions_process(chain=chain)
    redemption.refresh_from_db()
    replacement = tx_of(redemption)
    assert replacement.replaces_id == sent.pk and replacement.nonce == sent.nonce
    assert (redemption.state, redemption.attempts, redemption.lease_until) == (
        RedemptionState.SUBMITTED,
        0,
        None,
    )
    assert redemption.last_error == "replaced a stuck transaction"
    assert redemption.next_attempt_at == start + stuck_after + FOLLOW_UP


class LosesSends(FaultyProvider):
    """Loses every raw transaction silently (answers as if sent) and counts them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sends = 0

    def make_request(self, method, params):
        if method == "eth_sendRawTransaction":
            self.sends += 1
            return {"jsonrpc": "2.0", "id": 0, "result": "0x" + "00" * 32}
        return super().make_request(method, params)


def test_a_lost_send_is_sent_again_twice_a_pass_then_left_for_the_next_pass(
    sandbox_chain, chain, chain_settings
):
    chain_settings.REDEMPTION_RECEIPT_TIMEOUT = 0.05
    redemption = _resolved_winner(sandbox_chain, chain)
    approve_adapter(sandbox_chain)
    lossy = _lossy_chain(chain_settings, LosesSends)
    redemptions_process(chain=lossy)
    provider = lossy.w3.provider
    assert isinstance(provider, LosesSends)
    # The send, the same bytes twice more while waiting for them, and once more as the gap
    # at the node's next nonce.
    assert provider.sends == 4
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.SUBMITTED
    assert redemption.last_error == "waiting for the receipt"
    assert ChainTransaction.objects.filter(purpose="redeem").count() == 1  # never re-signed


class LosesFirstSendThenMinesLate(FaultyProvider):
    """Loses the first raw transaction; once the re-send went through (no automine), mines a
    block at the third receipt look-up after it: the re-sent redeem lands a little later."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sends = 0
        self.lookups_after_resend = 0

    def make_request(self, method, params):
        if method == "eth_sendRawTransaction":
            self.sends += 1
            if self.sends == 1:
                return {"jsonrpc": "2.0", "id": 0, "result": "0x" + "00" * 32}
        if method == "eth_getTransactionReceipt" and self.sends > 1:
            self.lookups_after_resend += 1
            if self.lookups_after_resend == 3:
                super().make_request(RPCEndpoint("evm_mine"), [])
        return super().make_request(method, params)


def test_after_a_re_send_the_pass_waits_a_full_receipt_timeout_for_it(
    sandbox_chain, chain, chain_settings
):
    chain_settings.REDEMPTION_RECEIPT_TIMEOUT = 0.5
    redemption = _resolved_winner(sandbox_chain, chain)
    approve_adapter(sandbox_chain)
    automine(sandbox_chain, False)
    late = _lossy_chain(chain_settings, LosesFirstSendThenMinesLate)
    redemptions_process(chain=late)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.actual_payout == D("10")
    provider = late.w3.provider
    assert isinstance(provider, LosesFirstSendThenMinesLate)
    assert provider.sends == 2


# --- closed without a transaction ------------------------------------------------------------


def test_a_winner_whose_wallet_holds_only_the_loser_books_a_zero_payout_and_closes(
    sandbox_chain, chain, chain_settings
):
    onchain, market = new_market(sandbox_chain)
    # The ledger says YES; the wallet holds NO (the books were wrong).
    sandbox_chain.give_position(WALLET, onchain, 1, 10_000_000)
    position = PositionFactory(
        market=market,
        token_id=str(onchain.yes_token_id),
        mode=TradingMode.LIVE,
        size=D("10"),
        avg_cost=D("0.4"),
        cost_basis=D("4"),
    )
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    later = timezone.now() + timedelta(hours=2)
    assert redemptions_alert_overdue(now=later) == 1
    nonce = chain.transaction_count(WALLET)

    redemptions_process(chain=chain)

    redemption.refresh_from_db()
    assert (redemption.state, redemption.outcome_code) == (
        RedemptionState.NOT_NEEDED,
        RedemptionCode.LOSS,
    )
    assert redemption.lease_until is None and redemption.confirmed_at is not None
    assert chain.transaction_count(WALLET) == nonce  # nothing sent
    assert redemption.allocations.get().payout == D("0")
    position.refresh_from_db()
    assert (position.status, position.realised_pnl) == (PositionStatus.REDEEMED, D("-4"))
    overdue = Alert.objects.get(reason_code=RedemptionAlert.OVERDUE)
    assert overdue.state == Alert.State.RESOLVED
    assert overdue.resolution == f"closed without a transaction ({RedemptionCode.LOSS})"


def test_a_merge_the_wallet_cannot_cover_records_why_and_alerts_with_it(
    sandbox_chain, chain, chain_settings
):
    onchain, market = new_market(sandbox_chain)
    sandbox_chain.give_position(WALLET, onchain, 0, 5_000_000)
    sandbox_chain.give_position(WALLET, onchain, 1, 5_000_000)
    strategy = StrategyFactory()
    legs = [
        PositionFactory(
            strategy=strategy,
            market=market,
            token_id=str(token_id),
            mode=TradingMode.LIVE,
            size=D("5"),
            avg_cost=D("0.45"),
            cost_basis=D("2.25"),
        )
        for token_id in onchain.token_ids
    ]
    assert merges_plan(chain=chain) == 1
    sandbox_chain.move_position(WALLET, sandbox_chain.deployer, onchain.no_token_id, 1_000_000)

    redemptions_process(chain=chain)

    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert (merge.state, merge.outcome_code) == (
        RedemptionState.NOT_NEEDED,
        RedemptionCode.BALANCE_SHORT,
    )
    assert merge.last_error == "merge of 5.000000 but the wallet holds [5000000, 4000000]"
    alert = Alert.objects.get(reason_code=RedemptionAlert.BALANCE_SHORT)
    assert alert.subject == f"Redemption holds less than the ledger: {market.question}"
    assert alert.message == merge.last_error
    for leg in legs:
        leg.refresh_from_db()
        assert (leg.status, leg.size) == (PositionStatus.OPEN, D("5"))


# --- a merge of several strategies' pairs ----------------------------------------------------


def _pair(sandbox_chain, onchain, market, *, size: Decimal, yes_cost: Decimal, no_cost: Decimal):
    strategy = StrategyFactory()
    sandbox_chain.give_position(WALLET, onchain, 0, int(size * 10**6))
    sandbox_chain.give_position(WALLET, onchain, 1, int(size * 10**6))
    return [
        PositionFactory(
            strategy=strategy,
            market=market,
            token_id=str(token_id),
            mode=TradingMode.LIVE,
            size=size,
            avg_cost=cost,
            cost_basis=size * cost,
        )
        for token_id, cost in ((onchain.yes_token_id, yes_cost), (onchain.no_token_id, no_cost))
    ]


def test_each_strategys_merged_pairs_realise_one_minus_its_own_cost(
    sandbox_chain, chain, chain_settings
):
    onchain, market = new_market(sandbox_chain)
    one = _pair(sandbox_chain, onchain, market, size=D("1"), yes_cost=D("0.55"), no_cost=D("0.4"))
    three = _pair(sandbox_chain, onchain, market, size=D("3"), yes_cost=D("0.3"), no_cost=D("0.6"))
    two = _pair(sandbox_chain, onchain, market, size=D("2"), yes_cost=D("0.5"), no_cost=D("0.3"))
    assert merges_plan(chain=chain) == 1
    # Meanwhile the ledger closed the last strategy's YES leg (sold): its NO leg is merged.
    yes_of_two = two[0]
    yes_of_two.status, yes_of_two.size, yes_of_two.closed_at = (
        PositionStatus.CLOSED,
        D("0"),
        timezone.now(),
    )
    yes_of_two.save()

    redemptions_process(chain=chain)

    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.state == RedemptionState.CONFIRMED, merge.last_error
    assert merge.actual_payout == D("6")
    for legs in (one, three, two):
        for leg in legs:
            leg.refresh_from_db()
    # One pair at 0.95 pays 1; three pairs at 0.90 pay 3: each realises 1 − its cost a pair.
    assert [leg.status for leg in one + three] == [PositionStatus.CLOSED] * 4
    assert one[0].realised_pnl + one[1].realised_pnl == D("0.05")
    assert three[0].realised_pnl + three[1].realised_pnl == D("0.30")
    # The NO leg alone: sold at its price of the pair (0.3 / 0.8 of a dollar).
    no_of_two = two[1]
    assert (no_of_two.status, no_of_two.size) == (PositionStatus.CLOSED, D("0"))
    assert no_of_two.realised_pnl == D("2") * (D("1") - D("0.625")) - D("0.6")


def test_a_merge_confirmed_after_its_market_resolved_leaves_the_legs_to_the_redemption(
    sandbox_chain, chain, chain_settings
):
    chain_settings.REDEMPTION_CONFIRMATIONS = 2
    onchain, market = new_market(sandbox_chain)
    yes, no = _pair(
        sandbox_chain, onchain, market, size=D("4"), yes_cost=D("0.5"), no_cost=D("0.4")
    )
    assert merges_plan(chain=chain) == 1
    redemptions_process(chain=chain)  # merged on-chain, one block deep: not booked yet
    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.state == RedemptionState.SUBMITTED
    sandbox_chain.resolve(onchain, onchain.yes_token_id)  # one more block: two deep
    assert resolutions_detect(chain=chain) == 1
    Redemption.objects.filter(pk=merge.pk).update(next_attempt_at=None)

    redemptions_process(chain=chain)

    merge.refresh_from_db()
    assert merge.state == RedemptionState.CONFIRMED, merge.last_error
    assert merge.actual_payout == D("4")
    assert [a.payout for a in merge.allocations.all()] == [None, None]  # nothing sold
    redeem = Redemption.objects.get(kind=RedemptionKind.REDEEM)
    assert redeem.outcome_code == RedemptionCode.ALREADY_REDEEMED  # the merge took the YES
    yes.refresh_from_db()
    no.refresh_from_db()
    # Booked at resolution: YES worth 1 a share, NO nothing.
    assert (yes.status, yes.realised_pnl) == (PositionStatus.REDEEMED, D("2"))
    assert (no.status, no.realised_pnl) == (PositionStatus.RESOLVED_LOST, D("-1.6"))


# --- failed attempts ---------------------------------------------------------------------------


def test_a_failed_attempt_keeps_1000_characters_of_its_error_and_fails_only_its_redemption(
    sandbox_chain, chain, chain_settings, monkeypatch
):
    chain_settings.REDEMPTION_MAX_ATTEMPTS = 2
    redemption = _resolved_winner(sandbox_chain, chain)
    waiting = RedemptionFactory(next_attempt_at=timezone.now() + timedelta(hours=1))
    errors = iter(["x" * 2000, "y" * 2000])

    def refused(**kwargs: Any) -> int:
        raise ValueError(next(errors))

    monkeypatch.setattr(chain, "estimate_gas", refused)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts) == (RedemptionState.PENDING, 1)
    assert redemption.last_error == ("ValueError: " + "x" * 2000)[:1000]

    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=timezone.now())
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts, redemption.outcome_code) == (
        RedemptionState.FAILED,
        2,
        RedemptionCode.MAX_ATTEMPTS,
    )
    assert redemption.last_error == ("ValueError: " + "y" * 2000)[:1000]
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts) == (RedemptionState.PENDING, 0)


# The chain tries a read four times before it gives up: four timeouts fail one read.
READ_TRIES = 4


class OperatorMarksThenTimesOut(FaultyProvider):
    """At its first call an operator marks the redemption as redeemed by hand; that read
    then times out (every try of it)."""

    def __init__(self, *args: Any, redemption: Redemption, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redemption: Redemption | None = redemption
        self.failures = READ_TRIES

    def make_request(self, method, params):
        if self.redemption is not None:
            redemption_mark(
                redemption=self.redemption, state=RedemptionState.NOT_NEEDED, note="by hand"
            )
            self.redemption = None
        if self.failures:
            self.failures -= 1
            raise requests.exceptions.ReadTimeout("injected")
        return super().make_request(method, params)


def test_an_operators_mark_during_rpc_trouble_stands_and_the_pass_goes_on(
    sandbox_chain, chain, chain_settings
):
    marked = _resolved_winner(sandbox_chain, chain)
    other = _resolved_winner(sandbox_chain, chain)
    troubled = _lossy_chain(chain_settings, OperatorMarksThenTimesOut, redemption=marked)
    assert redemptions_process(chain=troubled) == 2
    marked.refresh_from_db()
    assert (marked.state, marked.outcome_code, marked.last_error) == (
        RedemptionState.NOT_NEEDED,
        RedemptionCode.MANUAL,
        "by hand",
    )
    other.refresh_from_db()
    assert other.state == RedemptionState.CONFIRMED, other.last_error


class TimesOutLong(FaultyProvider):
    """Every try of the first read times out with a long message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failures = READ_TRIES

    def make_request(self, method, params):
        if self.failures:
            self.failures -= 1
            raise requests.exceptions.ReadTimeout("z" * 2000)
        return super().make_request(method, params)


def test_rpc_trouble_retries_soon_without_an_attempt_keeping_1000_characters_of_it(
    sandbox_chain, chain, chain_settings
):
    redemption = _resolved_winner(sandbox_chain, chain)
    troubled = _lossy_chain(chain_settings, TimesOutLong)
    before = timezone.now()
    redemptions_process(chain=troubled)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts, redemption.lease_until) == (
        RedemptionState.PENDING,
        0,
        None,
    )
    assert redemption.last_error == ("RPC: " + "z" * 2000)[:1000]
    assert redemption.next_attempt_at is not None
    assert before + TRANSIENT_RETRY <= redemption.next_attempt_at
    assert redemption.next_attempt_at <= timezone.now() + TRANSIENT_RETRY


# --- what an operator reads -----------------------------------------------------------------


def test_each_overdue_winner_is_alerted_once_even_after_an_earlier_one_was(db, settings):
    settings.REDEMPTION_ALERT_AFTER_MINUTES = 60
    now = timezone.now()
    first = RedemptionFactory(market=MarketFactory(), resolved_at=now - timedelta(minutes=90))
    assert redemptions_alert_overdue(now=now) == 1
    second, third = (
        RedemptionFactory(market=MarketFactory(), resolved_at=now - timedelta(minutes=61))
        for _ in range(2)
    )
    assert redemptions_alert_overdue(now=now) == 2
    assert redemptions_alert_overdue(now=now) == 0
    for redemption in (first, second, third):
        alert = Alert.objects.get(dedupe_key=f"{RedemptionAlert.OVERDUE}:{redemption.pk}")
        assert redemption.market is not None
        assert alert.subject == (
            f"Redemption unredeemed an hour after resolution: {redemption.market.question}"
        )


@pytest.mark.parametrize("question", [None, ""], ids=["no market", "no question"])
def test_an_alert_names_a_market_without_a_question_by_its_condition_and_tells_the_error(
    db, settings, question: str | None
):
    settings.REDEMPTION_ALERT_AFTER_MINUTES = 60
    condition = "0x" + "ab" * 32
    market = None if question is None else MarketFactory(condition_id=condition, question="")
    RedemptionFactory(
        market=market,
        condition_id=condition,
        resolved_at=timezone.now() - timedelta(hours=2),
        last_error="not resolved on-chain yet",
    )
    assert redemptions_alert_overdue() == 1
    alert = Alert.objects.get(reason_code=RedemptionAlert.OVERDUE)
    assert alert.subject == "Redemption unredeemed an hour after resolution: 0xababababab…"
    assert alert.message == "not resolved on-chain yet"


def test_the_dry_run_names_a_relayed_call_by_its_hash_or_else_by_the_relayers_id(db):
    relayed = RelayedTransaction.objects.create(
        wallet_type=WalletType.SAFE,
        signer_address=WALLET,
        wallet_address=WALLET,
        nonce=0,
        to_address=WALLET,
        data="0x",
        request={},
        transaction_id="relayer-id-1",
    )
    redemption = RedemptionFactory(
        state=RedemptionState.SUBMITTED, wallet_type=WalletType.SAFE, relayed=relayed
    )
    preview = redemption_preview(redemption=redemption, chain=None)  # type: ignore[arg-type]
    assert preview["tx_hash"] == "relayer:relayer-id-1"
    relayed.tx_hash = "0x" + "cd" * 32
    relayed.save()
    redemption.refresh_from_db()
    preview = redemption_preview(redemption=redemption, chain=None)  # type: ignore[arg-type]
    assert preview["tx_hash"] == "0x" + "cd" * 32


# --- a claim taken over; the split of a payout -------------------------------------------------


class AnotherWorkerClaims(FaultyProvider):
    """At its first call another worker claims the redemption (this worker's lease ran out
    while it waited on the node)."""

    def __init__(self, *args: Any, redemption: Redemption, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redemption: Redemption | None = redemption

    def make_request(self, method, params):
        if self.redemption is not None:
            Redemption.objects.filter(pk=self.redemption.pk).update(
                lease_until=timezone.now() + LEASE * 2
            )
            self.redemption = None
        return super().make_request(method, params)


def test_a_worker_whose_claim_was_taken_over_sends_and_writes_nothing(
    sandbox_chain, chain, chain_settings
):
    redemption = _resolved_winner(sandbox_chain, chain)
    approve_adapter(sandbox_chain)
    nonce = chain.transaction_count(WALLET)
    slow = _lossy_chain(chain_settings, AnotherWorkerClaims, redemption=redemption)
    redemptions_process(chain=slow)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.transaction, redemption.attempts) == (
        RedemptionState.PENDING,
        None,
        0,
    )
    assert redemption.lease_until is not None  # the other worker's
    assert not ChainTransaction.objects.filter(purpose="redeem").exists()
    assert chain.transaction_count(WALLET) == nonce


@pytest.mark.parametrize(
    ("amount", "weights", "shares"),
    [
        # 1.5 and 1.5 base units are rounded down, never up: the remainder is the largest's.
        ("0.000006", [2, 1, 1], ["0.000004", "0.000001", "0.000001"]),
        ("0.000010", [1, 1, 2], ["0.000002", "0.000002", "0.000006"]),
    ],
)
def test_a_payout_share_is_rounded_down_and_the_remainder_goes_to_the_largest(
    amount: str, weights: list[int], shares: list[str]
) -> None:
    assert _split(D(amount), [D(w) for w in weights]) == [D(s) for s in shares]
