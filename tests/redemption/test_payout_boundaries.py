"""The payout check of a confirmed redeem, to the pUSD base unit: what arrived must be what
the resolution said the wallet's tokens are worth."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitoring.models import Alert
from redemption.models import Redemption, RedemptionKind, RedemptionState
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import redemption_preview, redemptions_process
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
    if code == RedemptionCode.PAYOUT_MISMATCH:
        alert = mismatches.get()
        assert alert.severity == Alert.Severity.WARNING
        assert redemption.market is not None and redemption.market.question
        assert alert.subject == (
            f"Redemption paid 10.000000, expected 10.000001: {redemption.market.question}"
        )
        assert alert.context == {
            "redemption": redemption.pk,
            "kind": "redeem",
            "state": "confirmed",
            "expected payout (pUSD)": "10.000001",
            "attempts": redemption.attempts,
            "resolved at": redemption.resolved_at.isoformat() if redemption.resolved_at else None,
            "wallet": WALLET,
        }
        assert alert.action == "Booked at the amount that arrived."
        assert alert.dedupe_key == f"{RedemptionAlert.PAYOUT_MISMATCH}:{redemption.pk}"


def _detected(sandbox_chain, chain, held, winner: int) -> Redemption:
    sandbox_chain.resolve(held.onchain, held.onchain.token_ids[winner])
    assert resolutions_detect(chain=chain) == 1
    return Redemption.objects.get(condition_id=held.onchain.condition_id)


def _preview(redemption: Redemption, chain) -> dict[str, object]:
    preview = redemption_preview(redemption=redemption, chain=chain)
    assert {k: preview.pop(k) for k in ("redemption", "condition_id", "state", "route")} == {
        "redemption": redemption.pk,
        "condition_id": redemption.condition_id,
        "state": redemption.state,
        "route": redemption.route,
    }
    return preview


def test_the_dry_run_tells_what_each_redemption_would_do(sandbox_chain, chain, db):
    winner = _detected(sandbox_chain, chain, hold(sandbox_chain, shares=D("7.5")), winner=0)
    assert _preview(winner, chain) == {"would": "send redeem", "expected_payout": "7.500000"}
    loser = _detected(sandbox_chain, chain, hold(sandbox_chain), winner=1)
    assert _preview(loser, chain) == {"would": "mark not_needed: loss"}
    # Paid, then (say, by an operator's retry) pending again: nothing left to redeem.
    redemptions_process(chain=chain)
    winner.refresh_from_db()
    assert winner.transaction is not None
    tx_hash = winner.transaction.tx_hash
    assert winner.state == RedemptionState.CONFIRMED and tx_hash
    Redemption.objects.filter(pk=winner.pk).update(state=RedemptionState.PENDING)
    winner.refresh_from_db()
    assert _preview(winner, chain) == {"would": "mark not_needed: already redeemed"}
    Redemption.objects.filter(pk=winner.pk).update(state=RedemptionState.SUBMITTED)
    winner.refresh_from_db()
    assert _preview(winner, chain) == {"would": "follow transaction", "tx_hash": tx_hash}
    # Not resolved on-chain yet (a row written ahead of the chain).
    unresolved = hold(sandbox_chain)
    ahead = Redemption.objects.create(
        condition_id=unresolved.onchain.condition_id,
        wallet_address=WALLET,
        route=winner.route,
        index_sets=winner.index_sets,
        token_ids=[str(t) for t in unresolved.onchain.token_ids],
    )
    assert _preview(ahead, chain) == {"would": "wait: not resolved on-chain"}
    merge = Redemption.objects.create(
        kind=RedemptionKind.MERGE,
        condition_id=unresolved.onchain.condition_id,
        wallet_address=WALLET,
        route=winner.route,
        amounts=["4.25", "4.25"],
    )
    assert _preview(merge, chain) == {"would": "send merge", "expected_payout": "4.25"}
