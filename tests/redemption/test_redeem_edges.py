"""A redeem held back before anything is signed: gas over the fee cap (at the cap it goes),
a condition not resolved on-chain yet. Each waits its retry and says why."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from redemption.models import Redemption, RedemptionState
from redemption.resolution import resolutions_detect
from redemption.services import GAS_TOO_HIGH_RETRY, NOT_RESOLVED_RETRY, redemptions_process
from redemption.transactions import GWEI, fees_current
from tests.redemption.conftest import WALLET, hold

D = Decimal


def _detected(sandbox_chain, chain) -> Redemption:
    held = hold(sandbox_chain, outcome=0, shares=D("10"))
    sandbox_chain.resolve(held.onchain, held.onchain.token_ids[0])
    assert resolutions_detect(chain=chain) == 1
    return Redemption.objects.get(condition_id=held.onchain.condition_id)


def _held_back(redemption: Redemption, before, retry: timedelta, error: str) -> None:
    redemption.refresh_from_db()
    assert (redemption.state, redemption.transaction, redemption.lease_until) == (
        RedemptionState.PENDING,
        None,
        None,
    )
    assert redemption.last_error == error
    assert redemption.next_attempt_at is not None
    assert before + retry <= redemption.next_attempt_at <= timezone.now() + retry


@pytest.mark.parametrize(("under", "sent"), [(0, True), (1, False)])
def test_a_redeem_goes_at_the_fee_cap_and_waits_one_wei_under_it(
    sandbox_chain, chain, db, settings, under: int, sent: bool
) -> None:
    redemption = _detected(sandbox_chain, chain)
    settings.REDEMPTION_MAX_FEE_GWEI = D(0)
    before = timezone.now()
    redemptions_process(chain=chain)  # approves the adapter, then waits for calmer gas
    _held_back(redemption, before, GAS_TOO_HIGH_RETRY, "gas price over the fee cap")
    # Now that nothing else is sent first, the fee the redeem would offer is known exactly.
    settings.REDEMPTION_MAX_FEE_GWEI = D(fees_current(chain=chain).max_fee_per_gas - under) / GWEI
    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=timezone.now())
    before = timezone.now()
    redemptions_process(chain=chain)
    if sent:
        redemption.refresh_from_db()
        assert redemption.state == RedemptionState.CONFIRMED
    else:
        _held_back(redemption, before, GAS_TOO_HIGH_RETRY, "gas price over the fee cap")


def test_a_condition_not_resolved_on_chain_waits(sandbox_chain, chain, chain_settings, db):
    resolved = _detected(sandbox_chain, chain)
    unresolved = hold(sandbox_chain)
    ahead = Redemption.objects.create(
        condition_id=unresolved.onchain.condition_id,
        wallet_address=WALLET,
        route=resolved.route,
        index_sets=resolved.index_sets,
        token_ids=[str(t) for t in unresolved.onchain.token_ids],
    )
    Redemption.objects.filter(pk=resolved.pk).delete()
    before = timezone.now()
    redemptions_process(chain=chain)
    _held_back(ahead, before, NOT_RESOLVED_RETRY, "not resolved on-chain yet")


def test_failed_attempts_back_off_doubling_to_the_cap_then_fail_with_an_alert(
    sandbox_chain, chain, db, settings, monkeypatch
) -> None:
    from monitoring.models import Alert
    from redemption.reasons import RedemptionAlert, RedemptionCode
    from redemption.services import RETRY_BASE, RETRY_MAX

    settings.REDEMPTION_MAX_ATTEMPTS = 7
    redemption = _detected(sandbox_chain, chain)

    def refused(**kwargs):
        raise ValueError("execution reverted: refused")

    monkeypatch.setattr(chain, "estimate_gas", refused)
    for attempt in range(1, 7):
        before = timezone.now()
        redemptions_process(chain=chain)
        backoff = min(RETRY_BASE * 2 ** (attempt - 1), RETRY_MAX)
        _held_back(redemption, before, backoff, "ValueError: execution reverted: refused")
        assert redemption.attempts == attempt
        Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=timezone.now())
    assert backoff == RETRY_MAX  # 30 s × 2⁵ is past the 15 min cap
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts, redemption.outcome_code) == (
        RedemptionState.FAILED,
        7,
        RedemptionCode.MAX_ATTEMPTS,
    )
    assert (redemption.last_error, redemption.lease_until) == (
        "ValueError: execution reverted: refused",
        None,
    )
    alert = Alert.objects.get(reason_code=RedemptionAlert.FAILED)
    assert alert.severity == Alert.Severity.CRITICAL
    assert redemption.market is not None
    assert alert.subject == f"Redemption failed after retries: {redemption.market.question}"
    assert alert.action == (
        "LT stopped retrying. Fix the cause, then use the admin's 'Retry' action on the redemption."
    )
