"""Confirmation depth, retries, alerts, operator actions, the command and the schedules."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from execution.models import PositionStatus
from ltproject.domain import TradingMode
from ltproject.schedules import SCHEDULED_JOBS
from monitoring.models import Alert
from redemption import tasks
from redemption.models import ChainNonce, Redemption, RedemptionState
from redemption.reasons import RedemptionAlert, RedemptionCode
from redemption.resolution import resolutions_detect
from redemption.services import (
    redemption_mark,
    redemption_retry,
    redemptions_alert_overdue,
    redemptions_process,
)
from redemption.transactions import nonce_allocate
from tests.factories import PositionFactory
from tests.redemption.conftest import WALLET, hold, new_market

pytestmark = pytest.mark.django_db


def resolved(sandbox_chain, chain, **kwargs):
    held = hold(sandbox_chain, **kwargs)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    resolutions_detect(chain=chain)
    return held, Redemption.objects.get(condition_id=held.onchain.condition_id)


def test_redeem_is_booked_only_at_the_configured_confirmation_depth(
    sandbox_chain, chain, chain_settings, no_backoff
):
    chain_settings.REDEMPTION_CONFIRMATIONS = 3
    _, redemption = resolved(sandbox_chain, chain)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.SUBMITTED  # mined, 1 block deep
    sandbox_chain.w3.provider.make_request("anvil_mine", [2])
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED


def test_failed_attempts_back_off_then_fail_with_an_alert(
    sandbox_chain, chain, chain_settings, no_backoff, monkeypatch
):
    chain_settings.REDEMPTION_MAX_ATTEMPTS = 3
    _, redemption = resolved(sandbox_chain, chain)

    def broken(**kwargs):
        raise ValueError("execution reverted: simulated")

    monkeypatch.setattr(chain, "estimate_gas", broken)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts) == (RedemptionState.PENDING, 1)
    assert redemption.next_attempt_at is not None
    redemptions_process(chain=chain)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.FAILED
    assert redemption.outcome_code == RedemptionCode.MAX_ATTEMPTS
    assert Alert.objects.filter(reason_code=RedemptionAlert.FAILED).count() == 1
    assert redemption.transaction is None  # nothing was ever signed


def test_backoff_grows_between_attempts(sandbox_chain, chain, monkeypatch):
    _, redemption = resolved(sandbox_chain, chain)
    monkeypatch.setattr(chain, "estimate_gas", lambda **kw: (_ for _ in ()).throw(ValueError()))
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    first = redemption.next_attempt_at - timezone.now()
    Redemption.objects.filter(pk=redemption.pk).update(next_attempt_at=None)
    redemptions_process(chain=chain)
    redemption.refresh_from_db()
    assert redemption.next_attempt_at - timezone.now() > first


def test_a_winner_unredeemed_an_hour_after_resolution_raises_one_alert(sandbox_chain, chain):
    _, redemption = resolved(sandbox_chain, chain)
    assert redemptions_alert_overdue() == 0
    later = timezone.now() + timedelta(minutes=61)
    assert redemptions_alert_overdue(now=later) == 1
    assert redemptions_alert_overdue(now=later) == 0
    alert = Alert.objects.get(reason_code=RedemptionAlert.OVERDUE)
    assert alert.context["redemption"] == redemption.pk
    assert alert.market == redemption.market  # the mail names it by its question


def test_operator_can_retry_a_failed_redemption_and_mark_one_not_needed(sandbox_chain, chain):
    _, redemption = resolved(sandbox_chain, chain)
    assert not redemption_retry(redemption=redemption)  # only failed ones
    Redemption.objects.filter(pk=redemption.pk).update(state=RedemptionState.FAILED, attempts=5)
    assert redemption_retry(redemption=redemption)
    redemption.refresh_from_db()
    assert (redemption.state, redemption.attempts) == (RedemptionState.PENDING, 0)
    assert redemption_mark(redemption=redemption, state=RedemptionState.NOT_NEEDED, note="by hand")
    redemption.refresh_from_db()
    assert redemption.outcome_code == RedemptionCode.MANUAL


def test_admin_retry_action_puts_a_failed_redemption_back(
    sandbox_chain, chain, admin_client_logged_in
):
    _, redemption = resolved(sandbox_chain, chain)
    Redemption.objects.filter(pk=redemption.pk).update(state=RedemptionState.FAILED)
    response = admin_client_logged_in.post(
        "/admin/redemption/redemption/",
        {"action": "retry", "_selected_action": [redemption.pk]},
        follow=True,
    )
    assert response.status_code == 200
    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.PENDING


def test_dry_run_reports_and_changes_nothing(sandbox_chain, chain, chain_settings):
    held = hold(sandbox_chain)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    out = StringIO()
    call_command("lt_redeem", "--dry-run", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [{"would_resolve": held.onchain.condition_id, "numerators": [1, 0]}]
    assert not Redemption.objects.exists()
    held.positions[0].refresh_from_db()
    assert held.positions[0].status == PositionStatus.OPEN


def test_lt_redeem_runs_a_whole_pass(sandbox_chain, chain, chain_settings):
    held = hold(sandbox_chain)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    before = sandbox_chain.pusd_balance(WALLET)
    out = StringIO()
    call_command("lt_redeem", stdout=out)
    assert json.loads(out.getvalue()) == {"resolved": 1, "processed": 1, "overdue_alerts": 0}
    assert sandbox_chain.pusd_balance(WALLET) - before == 10_000_000


def test_tasks_run_resolution_and_redemption(sandbox_chain, chain, chain_settings):
    held = hold(sandbox_chain)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    assert tasks.detect_resolutions() == {"resolved": 1}
    assert tasks.process_redemptions() == {"resolved": 0, "processed": 1, "overdue_alerts": 0}


def test_redemption_jobs_are_scheduled():
    funcs = {job.func for job in SCHEDULED_JOBS}
    assert {"redemption.tasks.detect_resolutions", "redemption.tasks.process_redemptions"} <= funcs


def test_paper_positions_settle_at_resolution_without_a_redemption(sandbox_chain, chain):
    onchain, market = new_market(sandbox_chain)
    won = PositionFactory(
        market=market, token_id=str(onchain.yes_token_id), mode=TradingMode.PAPER,
        size=Decimal("10"), avg_cost=Decimal("0.25"), cost_basis=Decimal("2.5"),
    )  # fmt: skip
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    won.refresh_from_db()
    assert won.status == PositionStatus.REDEEMED
    assert won.realised_pnl == Decimal("7.5")
    assert not Redemption.objects.exists()
    market.refresh_from_db()
    assert market.winning_token_id == str(onchain.yes_token_id)
    assert market.tokens.get(outcome_index=0).winner is True


def test_resolution_is_booked_once_when_detected_twice(sandbox_chain, chain):
    held = hold(sandbox_chain)
    sandbox_chain.resolve(held.onchain, held.onchain.yes_token_id)
    assert resolutions_detect(chain=chain) == 1
    assert resolutions_detect(chain=chain) == 0
    assert Redemption.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_allocations_never_share_a_nonce():
    nonces: list[int] = []
    lock = threading.Lock()

    def allocate() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                n = nonce_allocate(chain_id=137, address=WALLET, chain_next=5)
            with lock:
                nonces.append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(nonces) == list(range(5, 25))
    assert ChainNonce.objects.get(address=WALLET).next_nonce == 25


def test_resolution_scan_costs_one_batched_rpc_call_for_many_unresolved_markets(
    sandbox_chain, chain
):
    from redemption.chain import CountingHTTPProvider

    for _ in range(12):
        hold(sandbox_chain)
    before = CountingHTTPProvider.calls
    assert resolutions_detect(chain=chain) == 0
    assert CountingHTTPProvider.calls - before == 1
