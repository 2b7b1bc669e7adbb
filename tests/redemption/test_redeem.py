from __future__ import annotations

from decimal import Decimal

from execution.models import PositionStatus
from monitoring.models import Alert
from redemption.models import (
    Redemption,
    RedemptionRoute,
    RedemptionState,
    TransactionStatus,
)
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import redemptions_process
from tests.redemption.conftest import WALLET, hold, tx_of


def resolve_and_redeem(sandbox_chain, chain, held, winner: int) -> Redemption:
    sandbox_chain.resolve(held.onchain, held.onchain.token_ids[winner])
    assert resolutions_detect(chain=chain) == 1
    redemptions_process(chain=chain)
    return Redemption.objects.get(condition_id=held.onchain.condition_id)


def test_standard_winner_is_redeemed_through_the_collateral_adapter_for_exactly_the_payout(
    sandbox_chain, chain, db
):
    held = hold(sandbox_chain, outcome=0, shares=Decimal("10"))
    before = sandbox_chain.pusd_balance(WALLET)
    redemption = resolve_and_redeem(sandbox_chain, chain, held, winner=0)
    assert redemption.route == RedemptionRoute.COLLATERAL_ADAPTER
    assert redemption.state == RedemptionState.CONFIRMED
    assert redemption.outcome_code == RedemptionCode.PAID
    assert sandbox_chain.pusd_balance(WALLET) - before == 10_000_000
    assert redemption.actual_payout == redemption.expected_payout == Decimal("10")
    assert redemption.collateral_after - redemption.collateral_before == Decimal("10")
    assert tx_of(redemption).status == TransactionStatus.CONFIRMED
    assert sandbox_chain.position_balance(WALLET, held.onchain.yes_token_id) == 0
    position = held.positions[0]
    position.refresh_from_db()
    assert position.status == PositionStatus.REDEEMED
    assert position.realised_pnl == Decimal("6")  # 10 paid for 10 × 0.4


def test_neg_risk_winner_is_redeemed_through_the_neg_risk_adapter(sandbox_chain, chain, db):
    held = hold(sandbox_chain, outcome=1, shares=Decimal("7.5"), neg_risk=True)
    before = sandbox_chain.pusd_balance(WALLET)
    redemption = resolve_and_redeem(sandbox_chain, chain, held, winner=1)
    assert redemption.route == RedemptionRoute.NEG_RISK_ADAPTER
    assert redemption.state == RedemptionState.CONFIRMED
    assert sandbox_chain.pusd_balance(WALLET) - before == 7_500_000
    assert redemption.actual_payout == Decimal("7.5")


def test_loser_is_confirmed_at_payout_zero_with_no_transaction(sandbox_chain, chain, db):
    held = hold(sandbox_chain, outcome=0, shares=Decimal("10"), price=Decimal("0.3"))
    nonce_before = chain.transaction_count(WALLET)
    redemption = resolve_and_redeem(sandbox_chain, chain, held, winner=1)
    assert redemption.state == RedemptionState.NOT_NEEDED
    assert redemption.route == RedemptionRoute.NONE
    assert redemption.outcome_code == RedemptionCode.LOSS
    assert redemption.transaction is None
    assert chain.transaction_count(WALLET) == nonce_before
    position = held.positions[0]
    position.refresh_from_db()
    assert position.status == PositionStatus.RESOLVED_LOST
    assert position.realised_pnl == Decimal("-3")


def test_redeem_against_the_wrong_collateral_is_detected_as_paying_nothing(
    sandbox_chain, chain, db
):
    held = hold(sandbox_chain, outcome=0)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    resolutions_detect(chain=chain)
    # What a naive client does since the pUSD migration: CTF.redeemPositions(pUSD, ...).
    Redemption.objects.filter(condition_id=held.onchain.condition_id).update(
        route=RedemptionRoute.CTF_LEGACY, collateral_token=sandbox_chain.addresses["pusd"]
    )
    redemptions_process(chain=chain)
    redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
    assert tx_of(redemption).status == TransactionStatus.CONFIRMED  # the tx "succeeded"
    assert redemption.state == RedemptionState.FAILED
    assert redemption.outcome_code == RedemptionCode.PAID_NOTHING
    assert redemption.actual_payout == 0
    assert Alert.objects.filter(reason_code=RedemptionAlert.PAID_NOTHING).count() == 1
    held.positions[0].refresh_from_db()
    assert held.positions[0].status == PositionStatus.RESOLVED_WON  # not booked as redeemed
    assert sandbox_chain.position_balance(WALLET, held.onchain.yes_token_id) == 10_000_000


def test_zero_balance_is_recorded_as_already_redeemed_not_as_a_payout(sandbox_chain, chain, db):
    held = hold(sandbox_chain, outcome=0)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    resolutions_detect(chain=chain)
    # Someone else (Polymarket's auto-redeemer, a person) redeemed the tokens first.
    sandbox_chain.transfer_position(
        sandbox_chain_key(), sandbox_chain.deployer, held.onchain.yes_token_id, 10_000_000
    )
    redemptions_process(chain=chain)
    redemption = Redemption.objects.get(condition_id=held.onchain.condition_id)
    assert redemption.state == RedemptionState.NOT_NEEDED
    assert redemption.outcome_code == RedemptionCode.ALREADY_REDEEMED
    assert redemption.actual_payout is None
    assert redemption.transaction is None
    assert redemption.allocations.get().payout is None


def sandbox_chain_key() -> str:
    from tests.redemption.conftest import WALLET_KEY

    return WALLET_KEY


def test_payout_is_split_by_each_strategys_share(sandbox_chain, chain, db):
    held = hold(sandbox_chain, outcome=0, shares=Decimal("9"), strategies=3)
    redemption = resolve_and_redeem(sandbox_chain, chain, held, winner=0)
    payouts = sorted(a.payout for a in redemption.allocations.all())
    assert payouts == [Decimal("3")] * 3
    assert {a.strategy_id for a in redemption.allocations.all()} == {
        p.strategy_id for p in held.positions
    }


def test_unresolved_condition_sends_nothing(sandbox_chain, chain, db):
    held = hold(sandbox_chain, outcome=0)
    assert resolutions_detect(chain=chain) == 0
    assert not Redemption.objects.filter(condition_id=held.onchain.condition_id).exists()


def test_the_orders_of_a_redeemed_position_point_at_its_redemption(sandbox_chain, chain, db):
    from datetime import timedelta

    from execution.models import Order
    from ltproject.domain import TradingMode
    from tests.factories import OrderFactory, PositionFactory

    held = hold(sandbox_chain, outcome=0, shares=Decimal("10"))
    position = held.positions[0]
    opened = position.opened_at
    same = {"strategy": position.strategy, "token_id": position.token_id, "mode": TradingMode.LIVE}
    # An earlier position in the same token, bought and sold before this one opened.
    PositionFactory(
        **same,
        status=PositionStatus.CLOSED,
        size=0,
        cost_basis=0,
        opened_at=opened - timedelta(hours=2),
        closed_at=opened - timedelta(hours=1),
    )
    old_order = OrderFactory(**same, size_matched=Decimal(5))
    entry = OrderFactory(**same, size_matched=Decimal(10))
    unfilled = OrderFactory(**same)
    Order.objects.filter(pk=old_order.pk).update(created_at=opened - timedelta(hours=2))
    Order.objects.filter(pk=entry.pk).update(created_at=opened - timedelta(seconds=30))
    redemption = resolve_and_redeem(sandbox_chain, chain, held, winner=0)
    for order in (old_order, entry, unfilled):
        order.refresh_from_db()
    assert entry.redemption == redemption
    assert old_order.redemption is None  # it built the earlier position
    assert unfilled.redemption is None  # nothing of it was redeemed
