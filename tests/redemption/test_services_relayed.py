"""A smart wallet's redeem through the relayer: waiting for the relayer, for the adapter
approval, for the wallet's next nonce, and for the confirmation depth. Each wait hands the
redemption back for a follow-up soon, says why, and counts no failed attempt."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from execution.models import Position, PositionStatus
from ltproject.domain import TradingMode
from redemption.chain import Chain
from redemption.models import Redemption, RedemptionState, RelayedTransaction
from redemption.resolution import resolutions_detect
from redemption.services import FOLLOW_UP, redemptions_process
from sandbox.chain import SandboxChain, SandboxMarket
from sandbox.testing import SandboxHandle
from tests.factories import PositionFactory
from tests.redemption.conftest import new_market
from tests.redemption.test_relayer import smart_wallet

pytestmark = pytest.mark.django_db

# The sandbox relayer's /transaction does not list this id (yet), as a relayer that took a
# call but has not indexed it answers.
UNLISTED = "not-listed-yet"


@pytest.fixture
def venue(sandbox_factory, sandbox_chain) -> SandboxHandle:
    return sandbox_factory(chain=sandbox_chain)


def winner(
    sandbox_chain: SandboxChain, chain: Chain, wallet: str, *, neg_risk: bool = False
) -> tuple[SandboxMarket, Position, Redemption]:
    """The wallet holds 10 YES, YES wins, and the redemption is open."""
    onchain, market = new_market(sandbox_chain, neg_risk=neg_risk)
    sandbox_chain.give_position(wallet, onchain, 0, 10_000_000)
    position = PositionFactory(
        market=market,
        token_id=str(onchain.yes_token_id),
        mode=TradingMode.LIVE,
        size=Decimal("10"),
        avg_cost=Decimal("0.4"),
        cost_basis=Decimal("4"),
    )
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    return onchain, position, Redemption.objects.get(condition_id=onchain.condition_id)


def approve_outside_lt(sandbox_chain: SandboxChain, chain: Chain, wallet: str) -> None:
    """The wallet approved the collateral adapter itself (another app of the owner)."""
    approve = sandbox_chain.ctf.functions.setApprovalForAll(
        chain.contracts.collateral_adapter, True
    )
    sandbox_chain.act_as(wallet, approve)


def due(*redemptions: Redemption) -> None:
    Redemption.objects.filter(pk__in=[r.pk for r in redemptions]).update(next_attempt_at=None)


def assert_waits(redemption: Redemption, state: str, error: str, before: datetime) -> None:
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts, redemption.lease_until) == (state, 0, None)
    assert redemption.last_error == error
    assert redemption.actual_payout is None
    assert redemption.next_attempt_at is not None
    assert before + FOLLOW_UP <= redemption.next_attempt_at <= timezone.now() + FOLLOW_UP


def test_a_relayed_redeem_is_booked_at_the_confirmation_depth_not_a_block_before(
    venue, sandbox_chain, chain: Chain, settings
):
    settings.REDEMPTION_CONFIRMATIONS = 2
    wallet = smart_wallet(venue, settings, "safe")
    _, position, redemption = winner(sandbox_chain, chain, wallet)
    before = timezone.now()
    redemptions_process(chain=chain)  # approved, redeemed: mined one block deep
    assert_waits(redemption, RedemptionState.SUBMITTED, "", before)
    position.refresh_from_db()
    assert position.status == PositionStatus.RESOLVED_WON

    sandbox_chain.w3.provider.make_request("anvil_mine", [1])
    due(redemption)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
    assert redemption.actual_payout == Decimal("10")
    position.refresh_from_db()
    assert position.status == PositionStatus.REDEEMED


def test_a_relayed_redeem_the_relayer_does_not_list_yet_is_followed_up_soon(
    venue, sandbox_chain, chain: Chain, settings
):
    wallet = smart_wallet(venue, settings, "safe")
    approve_outside_lt(sandbox_chain, chain, wallet)
    _, _, redemption = winner(sandbox_chain, chain, wallet)
    venue.venue.faults.add("status", path="/relayer/submit", status=502)
    redemptions_process(chain=chain)  # the redeem is signed and stored; its post fails
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.SUBMITTED and redemption.relayed is not None
    RelayedTransaction.objects.filter(pk=redemption.relayed.pk).update(transaction_id=UNLISTED)
    due(redemption)
    before = timezone.now()
    redemptions_process(chain=chain)
    assert_waits(redemption, RedemptionState.SUBMITTED, "waiting for the relayer", before)


def test_a_relayed_approval_the_relayer_does_not_list_yet_holds_the_redeem_back(
    venue, sandbox_chain, chain: Chain, settings
):
    wallet = smart_wallet(venue, settings, "safe")
    _, _, redemption = winner(sandbox_chain, chain, wallet)
    venue.venue.faults.add("status", path="/relayer/submit", status=502)
    redemptions_process(chain=chain)  # the approval is signed and stored; its post fails
    (approval,) = RelayedTransaction.objects.filter(wallet_address=wallet)
    assert approval.purpose.startswith("approve:")
    RelayedTransaction.objects.filter(pk=approval.pk).update(transaction_id=UNLISTED)
    due(redemption)
    before = timezone.now()
    redemptions_process(chain=chain)
    assert_waits(
        redemption, RedemptionState.PENDING, "waiting for the CTF approval (relayer)", before
    )
    assert RelayedTransaction.objects.filter(wallet_address=wallet).count() == 1  # no redeem


def test_an_approval_waits_while_another_call_of_the_wallet_holds_its_next_nonce(
    venue, sandbox_chain, chain: Chain, settings
):
    wallet = smart_wallet(venue, settings, "safe")
    approve_outside_lt(sandbox_chain, chain, wallet)
    _, _, first = winner(sandbox_chain, chain, wallet)
    # A neg-risk winner in the same wallet needs the neg-risk adapter approved first.
    _, second_position, second = winner(sandbox_chain, chain, wallet, neg_risk=True)
    venue.venue.faults.add("status", path="/relayer/submit", status=502)
    before = timezone.now()
    redemptions_process(chain=chain)  # the first's redeem takes nonce 0; its post fails

    (held,) = RelayedTransaction.objects.filter(wallet_address=wallet)
    first.refresh_from_db()
    assert first.relayed_id == held.pk and held.nonce == 0
    assert_waits(second, RedemptionState.PENDING, "the wallet's next nonce is in flight", before)

    due(first, second)
    redemptions_process(chain=chain)  # the relayer is back: both go through, in turn
    for redemption in (first, second):
        redemption.refresh_from_db()
        assert redemption.state == RedemptionState.CONFIRMED, redemption.last_error
        assert redemption.actual_payout == Decimal("10")
    nonces = sorted(r.nonce for r in RelayedTransaction.objects.filter(wallet_address=wallet))
    assert nonces == [0, 1, 2]
    second_position.refresh_from_db()
    assert second_position.status == PositionStatus.REDEEMED
