"""Merging YES and NO held by one strategy back into pUSD, on anvil."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from execution.models import OrderStatus, PositionStatus
from ltproject.domain import Side, TradingMode
from monitoring.models import Alert
from redemption.merging import merges_plan
from redemption.models import Redemption, RedemptionKind, RedemptionRoute, RedemptionState
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import redemptions_process
from tests.factories import OrderFactory, PositionFactory, StrategyFactory
from tests.redemption.conftest import WALLET, new_market


def both_sides(sandbox_chain, *, yes=Decimal("10"), no=Decimal("6"), neg_risk=False, strategy=None):
    """One strategy holds `yes` YES at 0.55 and `no` NO at 0.40 (the wallet holds them too)."""
    onchain, market = new_market(sandbox_chain, neg_risk=neg_risk)
    sandbox_chain.give_position(WALLET, onchain, 0, int(yes * 10**6))
    sandbox_chain.give_position(WALLET, onchain, 1, int(no * 10**6))
    strategy = strategy or StrategyFactory()
    legs = [
        PositionFactory(
            strategy=strategy,
            market=market,
            token_id=str(token_id),
            mode=TradingMode.LIVE,
            size=size,
            avg_cost=price,
            cost_basis=size * price,
        )
        for token_id, size, price in (
            (onchain.yes_token_id, yes, Decimal("0.55")),
            (onchain.no_token_id, no, Decimal("0.40")),
        )
    ]
    return onchain, market, legs


def test_a_pair_is_merged_into_exactly_its_pusd_and_realises_one_minus_cost(
    sandbox_chain, chain, db
):
    onchain, _, (yes, no) = both_sides(sandbox_chain)
    before = sandbox_chain.pusd_balance(WALLET)

    assert merges_plan(chain=chain) == 1
    redemptions_process(chain=chain)

    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.route == RedemptionRoute.COLLATERAL_ADAPTER
    assert merge.state == RedemptionState.CONFIRMED
    assert merge.outcome_code == RedemptionCode.MERGED
    assert merge.expected_payout == merge.actual_payout == Decimal("6")
    assert sandbox_chain.pusd_balance(WALLET) - before == 6_000_000
    assert sandbox_chain.position_balance(WALLET, onchain.yes_token_id) == 4_000_000
    assert sandbox_chain.position_balance(WALLET, onchain.no_token_id) == 0
    yes.refresh_from_db()
    no.refresh_from_db()
    assert (yes.status, yes.size) == (PositionStatus.OPEN, Decimal("4"))
    assert no.status == PositionStatus.CLOSED
    # 6 pairs cost 6 × (0.55 + 0.40) = 5.70 and paid 6.00.
    assert yes.realised_pnl + no.realised_pnl == Decimal("0.30")
    payouts = sorted(a.payout for a in merge.allocations.all())
    assert sum(payouts) == Decimal("6")


def test_neg_risk_pair_is_merged_through_the_neg_risk_adapter(sandbox_chain, chain, db):
    _onchain, _, _ = both_sides(sandbox_chain, yes=Decimal("3"), no=Decimal("3"), neg_risk=True)
    before = sandbox_chain.pusd_balance(WALLET)
    merges_plan(chain=chain)
    redemptions_process(chain=chain)
    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.route == RedemptionRoute.NEG_RISK_ADAPTER
    assert merge.state == RedemptionState.CONFIRMED
    assert sandbox_chain.pusd_balance(WALLET) - before == 3_000_000


def test_nothing_is_merged_when_the_rules_forbid_it_or_below_the_minimum(
    sandbox_chain, chain, db, settings
):
    strategy = StrategyFactory()
    strategy.risk_rules.merge_positions = False
    strategy.risk_rules.save()
    both_sides(sandbox_chain, strategy=strategy)
    settings.REDEMPTION_MERGE_MIN_SHARES = Decimal("7")
    both_sides(sandbox_chain)  # allowed, but only 6 pairs
    assert merges_plan(chain=chain) == 0
    assert not Redemption.objects.exists()


def test_legs_of_different_strategies_are_not_merged(sandbox_chain, chain, db):
    _onchain, _market, (_yes, no) = both_sides(sandbox_chain)
    no.strategy = StrategyFactory()
    no.save()
    assert merges_plan(chain=chain) == 0


def test_shares_an_exit_order_is_selling_are_left_alone(sandbox_chain, chain, db):
    _, market, (yes, _) = both_sides(sandbox_chain)
    OrderFactory(
        strategy=yes.strategy,
        market=market,
        token_id=yes.token_id,
        side=Side.SELL,
        mode=TradingMode.LIVE,
        status=OrderStatus.LIVE,
    )
    assert merges_plan(chain=chain) == 0


def test_planning_twice_opens_one_merge_and_sends_one_transaction(sandbox_chain, chain, db):
    both_sides(sandbox_chain)
    assert merges_plan(chain=chain) == 1
    assert merges_plan(chain=chain) == 0  # the legs are in an open merge
    redemptions_process(chain=chain)
    redemptions_process(chain=chain)
    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.state == RedemptionState.CONFIRMED
    assert merge.transaction is not None
    assert Redemption.objects.filter(kind=RedemptionKind.MERGE).count() == 1
    # The rest of the YES leg (4 shares) has no NO left to pair with.
    assert merges_plan(chain=chain) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_planners_open_one_merge(sandbox_chain, chain):
    both_sides(sandbox_chain)
    results: list[int] = []

    def plan() -> None:
        try:
            results.append(merges_plan(chain=chain))
        finally:
            connection.close()

    threads = [threading.Thread(target=plan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 1
    assert Redemption.objects.filter(kind=RedemptionKind.MERGE).count() == 1


def test_a_condition_resolved_before_the_merge_is_sent_is_left_to_its_redemption(
    sandbox_chain, chain, db
):
    onchain, _, (yes, _no) = both_sides(sandbox_chain)
    merges_plan(chain=chain)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    redemptions_process(chain=chain)
    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.state == RedemptionState.NOT_NEEDED
    assert merge.outcome_code == RedemptionCode.RESOLVED_FIRST
    yes.refresh_from_db()
    assert yes.size == Decimal("10")  # untouched: the redemption books it
    assert resolutions_detect(chain=chain) == 1
    redemptions_process(chain=chain)
    redeem = Redemption.objects.get(kind=RedemptionKind.REDEEM)
    assert redeem.state == RedemptionState.CONFIRMED
    assert redeem.actual_payout == Decimal("10")


def test_a_wallet_holding_less_than_the_ledger_is_not_merged_and_alerts(sandbox_chain, chain, db):
    onchain, _, _ = both_sides(sandbox_chain)
    merges_plan(chain=chain)
    sandbox_chain.move_position(WALLET, sandbox_chain.deployer, onchain.no_token_id, 1_000_000)
    redemptions_process(chain=chain)
    merge = Redemption.objects.get(kind=RedemptionKind.MERGE)
    assert merge.state == RedemptionState.NOT_NEEDED
    assert merge.outcome_code == RedemptionCode.BALANCE_SHORT
    assert merge.transaction is None
    assert Alert.objects.filter(reason_code=RedemptionAlert.BALANCE_SHORT).count() == 1
