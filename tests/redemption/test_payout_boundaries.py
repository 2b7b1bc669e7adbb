"""The payout check of a confirmed redeem, to the pUSD base unit: what arrived must be what
the resolution said the wallet's tokens are worth."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitoring.models import Alert
from redemption.models import Redemption, RedemptionState
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import redemptions_process
from tests.redemption.conftest import WALLET, hold

D = Decimal


@pytest.mark.parametrize(
    ("numerators", "expected", "code"),
    [
        (None, D("10"), RedemptionCode.PAID),
        # The row says the losing outcome pays too: LT expects its one base unit as well.
        (["1", "1"], D("10.000001"), RedemptionCode.PAYOUT_MISMATCH),
    ],
)
def test_a_payout_one_base_unit_short_of_the_expected_is_a_mismatch(
    sandbox_chain, chain, db, numerators, expected, code
) -> None:
    held = hold(sandbox_chain, outcome=0, shares=D("10"))
    sandbox_chain.give_position(WALLET, held.onchain, 1, 1)  # one base unit of the loser
    sandbox_chain.resolve(held.onchain, held.onchain.token_ids[0])
    assert resolutions_detect(chain=chain) == 1
    rows = Redemption.objects.filter(condition_id=held.onchain.condition_id)
    if numerators is not None:
        rows.update(payout_numerators=numerators)
    redemptions_process(chain=chain)
    redemption = rows.get()
    assert redemption.state == RedemptionState.CONFIRMED
    assert (redemption.expected_payout, redemption.actual_payout) == (expected, D("10"))
    assert redemption.outcome_code == code
    mismatches = Alert.objects.filter(reason_code=RedemptionAlert.PAYOUT_MISMATCH)
    assert mismatches.count() == (code == RedemptionCode.PAYOUT_MISMATCH)
