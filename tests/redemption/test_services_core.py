"""The core steps of a redemption pass, checked on the chain's own numbers: which redemption a
pass takes, the adapter approval an EOA waits for and never signs twice, the confirmation
depth, the collateral read around the redeem's block, how the payout is split between
strategies and which orders it is linked to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import time_machine
from django.utils import timezone
from web3 import Web3

from execution.models import Order, Position, PositionStatus
from ltproject.domain import TradingMode
from monitoring.models import Alert
from monitoring.services import alert_create
from redemption.chain import Chain, Contracts
from redemption.models import (
    ChainTransaction,
    Redemption,
    RedemptionRoute,
    RedemptionState,
    RelayedTransaction,
    TransactionStatus,
)
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import (
    FOLLOW_UP,
    _split,
    redemption_claim,
    redemption_preview,
    redemptions_alert_overdue,
    redemptions_process,
)
from redemption.transactions import (
    transaction_broadcast,
)
from tests.factories import OrderFactory, PositionFactory, RedemptionFactory, StrategyFactory
from tests.redemption.conftest import (
    WALLET,
    approve_adapter,
    automine,
    hold,
    new_market,
    stored_transaction,
    submitted_redeem,
    tx_of,
)
from tests.redemption.faults import FaultyProvider
from tests.redemption.test_relayer import smart_wallet
from tests.redemption.test_services_relayed import approve_outside_lt, assert_waits, due, winner

D = Decimal

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _detected(sandbox_chain, chain, held) -> Redemption:
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    return Redemption.objects.get(condition_id=held.onchain.condition_id)


# --- splitting and claiming (no chain) --------------------------------------------------------


def test_each_share_of_a_split_is_rounded_down_even_where_rounding_to_nearest_goes_up():
    # 2 × 1/3 = 0.6666666…: rounded down, its last base unit goes to the largest weight.
    assert _split(D("2"), [D("1"), D("2")]) == [D("0.666666"), D("1.333334")]


@pytest.mark.django_db
def test_redemptions_due_at_the_same_time_are_claimed_oldest_row_first():
    with time_machine.travel(NOW, tick=False):
        first = RedemptionFactory(
            route=RedemptionRoute.COLLATERAL_ADAPTER, next_attempt_at=NOW - timedelta(minutes=1)
        )
        second = RedemptionFactory(
            route=RedemptionRoute.COLLATERAL_ADAPTER, next_attempt_at=NOW - timedelta(minutes=1)
        )
        # A later write to the older row moves it behind the newer one in the table's storage.
        Redemption.objects.filter(pk=first.pk).update(last_error="touched")
        claimed = redemption_claim()
        assert claimed is not None and claimed.pk == first.pk
        again = redemption_claim()
        assert again is not None and again.pk == second.pk


# --- the EOA's adapter approval ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_unmined_approval_holds_the_redeem_back_and_is_not_signed_again(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain, shares=D("10")))
    # An overdue alert and an unknown-collateral failure alert for the condition are open.
    assert redemptions_alert_overdue(now=timezone.now() + timedelta(days=1)) == 1
    alert_create(
        reason_code=RedemptionAlert.FAILED,
        subject="unknown collateral",
        message="",
        dedupe_key=f"{RedemptionAlert.FAILED}:unknown-collateral:{redemption.condition_id}",
        condition_id=redemption.condition_id,
    )
    automine(sandbox_chain, False)
    try:
        # Another transaction of the wallet is waiting to be mined too: not the approval.
        to, data = chain.approval_call(sandbox_chain.addresses["collateral_adapter"])
        other = stored_transaction(chain, to, data, gas=100_000, purpose="other")
        assert transaction_broadcast(chain=chain, tx=other)
        before = timezone.now()
        redemptions_process(chain=chain)
        redemption.refresh_from_db()
        assert (redemption.state, redemption.attempts, redemption.lease_until) == (
            RedemptionState.PENDING,
            0,
            None,
        )
        assert redemption.last_error == "waiting for the CTF approval"
        assert redemption.transaction is None
        assert redemption.next_attempt_at is not None
        assert before + FOLLOW_UP <= redemption.next_attempt_at <= timezone.now() + FOLLOW_UP
        (approval,) = ChainTransaction.objects.filter(purpose__startswith="approve:")
        assert (approval.status, approval.error) == (TransactionStatus.BROADCAST, "")
        assert approval.nonce == other.nonce + 1

        # Still unmined at the next pass: the stored approval is waited for again.
        Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=None)
        redemptions_process(chain=chain)
        redemption.refresh_from_db()
        assert (redemption.state, redemption.attempts) == (RedemptionState.PENDING, 0)
        assert redemption.last_error == "waiting for the CTF approval"
        assert ChainTransaction.objects.filter(purpose__startswith="approve:").count() == 1

        # Blocks come again, every second: the approval is mined during the next pass.
        chain_settings.REDEMPTION_RECEIPT_TIMEOUT = 3
        sandbox_chain.w3.provider.make_request("evm_setIntervalMining", [1])
        Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=None)
        started = timezone.now()
        redemptions_process(chain=chain)
    finally:
        sandbox_chain.w3.provider.make_request("evm_setIntervalMining", [0])
        automine(sandbox_chain, True)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.last_error == ""
    assert redemption.updated_at >= started
    assert redemption.amounts == ["10.000000", "0.000000"]
    assert redemption.actual_payout == D("10")
    # The stored approval was followed to its receipt; no second one was signed.
    (approval,) = ChainTransaction.objects.filter(purpose__startswith="approve:")
    assert approval.status == TransactionStatus.MINED
    receipt = chain.receipt(approval.tx_hash)
    assert receipt is not None and approval.block_number == receipt.block_number
    assert approval.receipt == receipt.as_json()
    # The redemption's alerts are over, with how it ended.
    for key in (
        f"{RedemptionAlert.OVERDUE}:{redemption.pk}",
        f"{RedemptionAlert.FAILED}:unknown-collateral:{redemption.condition_id}",
    ):
        alert = Alert.objects.get(dedupe_key=key)
        assert alert.state == Alert.State.RESOLVED
        assert alert.resolution == f"paid 10.000000 pUSD in {tx_of(redemption).tx_hash}"


# --- depth, and the collateral read around the redeem's block ------------------------------


@pytest.mark.django_db
def test_a_redeem_is_booked_at_the_confirmation_depth_from_the_balances_of_its_own_block(
    sandbox_chain, chain, chain_settings
):
    chain_settings.REDEMPTION_CONFIRMATIONS = 2
    held = hold(sandbox_chain, shares=D("10"))
    # The wallet holds 2 more than the books: the whole payout is the strategy's.
    sandbox_chain.give_position(WALLET, held.onchain, 0, 2_000_000)
    redemption = _detected(sandbox_chain, chain, held)
    approve_adapter(sandbox_chain)
    sandbox_chain.fund_pusd(WALLET, 3_000_000)  # the block just before the redeem's

    before = timezone.now()
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    tx = tx_of(redemption)
    receipt = chain.receipt(tx.tx_hash)
    assert receipt is not None
    # Mined one block deep: followed up soon, not booked yet.
    assert (redemption.state, redemption.lease_until, redemption.actual_payout) == (
        RedemptionState.SUBMITTED,
        None,
        None,
    )
    assert redemption.next_attempt_at is not None
    assert before + FOLLOW_UP <= redemption.next_attempt_at <= timezone.now() + FOLLOW_UP
    assert (tx.status, tx.block_number, tx.receipt) == (
        TransactionStatus.MINED,
        receipt.block_number,
        receipt.as_json(),
    )

    sandbox_chain.fund_pusd(WALLET, 5_000_000)  # later blocks: not the redeem's doing
    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=None)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert (redemption.outcome_code, redemption.last_error) == (RedemptionCode.PAID, "")
    assert (
        redemption.collateral_before,
        redemption.collateral_after,
        redemption.actual_payout,
    ) == (D("3"), D("15"), D("12"))
    allocation = redemption.allocations.get()
    assert allocation.payout == D("12")
    position = Position.objects.get(pk=held.positions[0].pk)
    assert position.status == PositionStatus.REDEEMED
    assert position.realised_pnl == D("12") - D("4")


@pytest.mark.django_db
def test_collateral_moved_in_the_redeems_block_by_something_else_is_noted_on_the_booking(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain, shares=D("10")))
    approve_adapter(sandbox_chain)
    sandbox_chain.fund_pusd(WALLET, 1_000_000)  # held before
    deployer = sandbox_chain.deployer
    sandbox_chain.fund_legacy(deployer, 4_000_000)
    automine(sandbox_chain, False)
    try:
        redemptions_process(chain=chain)  # sent, not mined
        # Another payment to the wallet lands in the same block.
        sandbox_chain.pusd.functions.wrap(WALLET, 4_000_000).transact({"from": deployer})
        redemption.refresh_from_db()
        assert redemption.state == RedemptionState.SUBMITTED
        sandbox_chain.w3.provider.make_request("anvil_mine", [1])
    finally:
        automine(sandbox_chain, True)
    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=None)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED
    assert redemption.outcome_code == RedemptionCode.PAID
    assert redemption.actual_payout == D("10")
    assert redemption.last_error == "balance moved 14000000 in the block, 10000000 from the redeem"
    assert (redemption.collateral_before, redemption.collateral_after) == (D("1"), D("15"))


# --- what the plan expects ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_row_without_numerators_expects_the_chains_payout_rounded_down(
    sandbox_chain, chain, chain_settings
):
    held = hold(sandbox_chain, shares=D("0.000003"))
    sandbox_chain.report_payouts(held.onchain, [1, 1])  # 50-50: 3 base units pay 1.5
    assert resolutions_detect(chain=chain) == 1
    redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
    Redemption.objects.filter(pk=redemption.pk).update(payout_numerators=[])
    redemption.refresh_from_db()
    preview = redemption_preview(redemption=redemption, chain=chain)
    assert (preview["would"], preview["expected_payout"]) == ("send redeem", "0.000001")


# --- booking without a transaction: allocations and orders ---------------------------------


@pytest.mark.django_db
def test_a_winner_redeemed_elsewhere_books_each_position_and_links_only_its_own_orders(
    sandbox_chain, chain, chain_settings
):
    onchain, market = new_market(sandbox_chain)
    token = str(onchain.yes_token_id)
    other_token = str(onchain.no_token_id)
    owner, other = StrategyFactory(), StrategyFactory()
    common = {"market": market, "token_id": token, "mode": TradingMode.LIVE}
    sold = PositionFactory(
        strategy=other, size=D("4"), avg_cost=D("0.5"), cost_basis=D("2"), **common
    )
    kept = PositionFactory(
        strategy=owner, size=D("10"), avg_cost=D("0.4"), cost_basis=D("4"), **common
    )
    # The wallet holds none of them any more (redeemed by hand).
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    redemption = Redemption.objects.get(condition_id=onchain.condition_id)
    assert [a.position_id for a in redemption.allocations.order_by("pk")] == [sold.pk, kept.pk]
    # The row says each winning share pays one half.
    Redemption.objects.filter(pk=redemption.pk).update(
        payout_numerators=["1", "1"], payout_denominator=2
    )

    opened = timezone.now() - timedelta(hours=1)
    earlier = opened - timedelta(hours=2)
    between = opened - timedelta(hours=1)
    Position.objects.filter(pk=kept.pk).update(opened_at=opened)
    # The other strategy's position was sold (closed) after the owner's first order.
    Position.objects.filter(pk=sold.pk).update(status=PositionStatus.CLOSED, closed_at=between)
    # The owner's positions in another token, or in paper mode, closed meanwhile too.
    for fields in ({"token_id": other_token}, {"mode": TradingMode.PAPER}):
        PositionFactory(
            strategy=owner,
            **{**common, **fields},
            status=PositionStatus.CLOSED,
            opened_at=earlier - timedelta(hours=1),
            closed_at=between,
        )
    # A previous position of the owner in this token, closed before its last order here.
    previous = PositionFactory(
        strategy=owner,
        status=PositionStatus.CLOSED,
        opened_at=earlier - timedelta(hours=3),
        closed_at=earlier - timedelta(hours=1),
        **common,
    )

    def order(created_at: datetime, *, size_matched: str = "1", **fields) -> Order:
        values = {
            "strategy": owner,
            "token_id": token,
            "mode": TradingMode.LIVE,
            "size": D("10"),
            "size_matched": D(size_matched),
            **fields,
        }
        made = OrderFactory(**values)
        Order.objects.filter(pk=made.pk).update(created_at=created_at)
        return made

    own = order(earlier)  # one whole share matched
    later = order(opened + timedelta(minutes=1), size_matched="9")
    before_previous = order(previous.opened_at + timedelta(minutes=1))
    unmatched = order(opened, size_matched="0")
    elsewhere = [
        order(opened, strategy=other),
        order(opened, token_id=other_token),
        order(opened, mode=TradingMode.PAPER),
    ]
    taken = RedemptionFactory(condition_id="0x" + "ab" * 32)
    already = order(opened, redemption=taken)

    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.NOT_NEEDED
    assert redemption.outcome_code == RedemptionCode.ALREADY_REDEEMED

    kept.refresh_from_db()
    sold.refresh_from_db()
    assert kept.status == PositionStatus.REDEEMED
    assert kept.realised_pnl == D("5") - D("4")  # 10 shares at one half each
    assert sold.status == PositionStatus.CLOSED and sold.realised_pnl == D("0")
    assert [a.payout for a in redemption.allocations.order_by("pk")] == [None, None]

    linked = set(Order.objects.filter(redemption=redemption).values_list("pk", flat=True))
    assert linked == {own.pk, later.pk}
    assert before_previous.pk not in linked and unmatched.pk not in linked
    assert not linked & {o.pk for o in elsewhere}
    already.refresh_from_db()
    assert already.redemption_id == taken.pk


# --- a smart wallet's redeem while another call holds the wallet's nonce ---------------------


@pytest.fixture
def venue(sandbox_factory, sandbox_chain):
    return sandbox_factory(chain=sandbox_chain)


@pytest.mark.django_db
def test_a_relayed_redeem_waits_while_another_call_of_the_wallet_holds_its_next_nonce(
    venue, sandbox_chain, chain, settings
):
    wallet = smart_wallet(venue, settings, "safe")
    approve_outside_lt(sandbox_chain, chain, wallet)
    _, _, first = winner(sandbox_chain, chain, wallet)
    _, _, second = winner(sandbox_chain, chain, wallet)
    venue.venue.faults.add("status", path="/relayer/submit", status=502)
    before = timezone.now()
    redemptions_process(chain=chain)

    (held,) = RelayedTransaction.objects.filter(wallet_address=wallet)
    assert held.purpose == "redeem"
    first.refresh_from_db()
    assert first.relayed_id == held.pk
    assert_waits(second, RedemptionState.PENDING, "the wallet's next nonce is in flight", before)
    due(first, second)


# --- writes only while the claim holds --------------------------------------------------------


class AnotherWorkerMeanwhile(FaultyProvider):
    """Before the pass's first read answers, another worker writes a redemption row; then the
    read times out (every try), so the pass hands its redemption back."""

    def __init__(self, *args: Any, write: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.write: Callable[[], None] | None = write
        self.failures = 10

    def make_request(self, method, params):
        if self.write is not None:
            self.write()
            self.write = None
        if self.failures:
            self.failures -= 1
            raise requests.exceptions.ReadTimeout("injected")
        return super().make_request(method, params)


def _troubled(chain_settings, write: Callable[[], None]) -> Chain:
    provider = AnotherWorkerMeanwhile(chain_settings.CHAIN_RPC_URL, drop=0, timeout=0, write=write)
    return Chain(Web3(provider), Contracts.from_mapping(chain_settings.CHAIN_CONTRACTS))


@pytest.mark.django_db
def test_a_redemption_taken_over_after_its_lease_ran_out_is_left_to_its_new_worker(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain))
    theirs = timezone.now() + timedelta(hours=1)

    def take_over() -> None:
        Redemption.objects.filter(pk=redemption.pk).update(lease_until=theirs)

    redemptions_process(chain=_troubled(chain_settings, take_over))
    redemption.refresh_from_db()
    assert (redemption.lease_until, redemption.last_error) == (theirs, "")


@pytest.mark.django_db
def test_handing_a_redemption_back_touches_no_other_row_leased_at_the_same_instant(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain))
    other = RedemptionFactory(route=RedemptionRoute.COLLATERAL_ADAPTER)

    def claim_other_at_the_same_instant() -> None:
        lease = Redemption.objects.get(pk=redemption.pk).lease_until
        Redemption.objects.filter(pk=other.pk).update(lease_until=lease)

    redemptions_process(chain=_troubled(chain_settings, claim_other_at_the_same_instant))
    redemption.refresh_from_db()
    assert redemption.lease_until is None and redemption.last_error.startswith("RPC: ")
    other.refresh_from_db()
    assert other.lease_until is not None and other.last_error == ""


# --- what a confirmed redeem that paid nothing books ---------------------------------------


@pytest.mark.django_db
def test_a_redeem_expecting_exactly_one_pusd_that_pays_nothing_fails_with_a_critical_alert(
    sandbox_chain, chain, chain_settings
):
    held = hold(sandbox_chain, shares=D("1"))
    redemption = _detected(sandbox_chain, chain, held)
    # The legacy route against pUSD: the redeem succeeds and pays nothing.
    Redemption.objects.filter(pk=redemption.pk).update(
        route=RedemptionRoute.CTF_LEGACY, collateral_token=sandbox_chain.addresses["pusd"]
    )
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    tx_hash = tx_of(redemption).tx_hash
    assert (redemption.state, redemption.outcome_code) == (
        RedemptionState.FAILED,
        RedemptionCode.PAID_NOTHING,
    )
    assert redemption.expected_payout == D("1")
    assert redemption.last_error == f"{tx_hash} succeeded but paid 0 (expected 1.000000)"
    alert = Alert.objects.get(reason_code=RedemptionAlert.PAID_NOTHING)
    assert alert.severity == Alert.Severity.CRITICAL
    assert held.market.question
    assert alert.subject == f"Redemption paid nothing: {held.market.question}"


# --- stored transactions the node never got ----------------------------------------------------


@pytest.mark.django_db
def test_a_redeem_stored_but_never_sent_is_sent_and_paid_by_the_next_pass(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain, shares=D("10")))
    approve_adapter(sandbox_chain)
    stored = submitted_redeem(chain, redemption)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert (redemption.attempts, redemption.actual_payout) == (0, D("10"))
    stored.refresh_from_db()
    assert (stored.status, stored.error) == (TransactionStatus.CONFIRMED, "")
    assert stored.broadcast_at is not None


@pytest.mark.django_db
def test_a_lost_earlier_transaction_is_sent_before_the_redeem_so_the_redeem_is_paid_at_once(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain, shares=D("10")))
    approve_adapter(sandbox_chain)
    # An earlier transaction of the wallet, stored with the next nonce, never reached the node.
    to, data = chain.approval_call(sandbox_chain.addresses["collateral_adapter"])
    lost = stored_transaction(chain, to, data, gas=100_000, purpose="other")
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert tx_of(redemption).nonce == lost.nonce + 1


@pytest.mark.django_db
def test_a_redemption_handed_back_is_stamped_with_the_time_it_was_written_not_claimed(
    sandbox_chain, chain, chain_settings
):
    redemption = _detected(sandbox_chain, chain, hold(sandbox_chain))
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        claimed_by = timezone.now() + timedelta(seconds=30)

        def an_hour_passes() -> None:
            traveller.shift(timedelta(hours=1))

        redemptions_process(chain=_troubled(chain_settings, an_hour_passes))
    redemption.refresh_from_db()
    assert redemption.lease_until is None and redemption.last_error.startswith("RPC: ")
    assert redemption.updated_at > claimed_by + timedelta(minutes=30)
