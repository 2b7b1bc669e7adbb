"""How a payout is split between strategies and a merge priced between its legs, to the pUSD
base unit (redemption/services.py, no database): pro rata rounded down, the remainder to the
largest share; merge prices by cost, even when there is none, adding up to exactly 1. And
which redemption a pass takes next."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from execution.models import Position
from redemption.models import Redemption, RedemptionRoute, RedemptionState
from redemption.services import LEASE, _merge_prices, _split, redemption_claim

D = Decimal


@pytest.mark.parametrize(
    ("amount", "weights", "shares"),
    [
        ("10", ["1", "1", "1"], ["3.333334", "3.333333", "3.333333"]),  # a tie: the first
        ("1", ["1", "2"], ["0.333333", "0.666667"]),
        ("1", ["2", "1"], ["0.666667", "0.333333"]),
        ("7.5", ["0", "3"], ["0", "7.5"]),
        ("5", ["0", "0"], ["0", "0"]),
        ("5", [], []),
    ],
)
def test_a_payout_splits_pro_rata_with_the_remainder_to_the_largest(amount, weights, shares):
    split = _split(D(amount), [D(w) for w in weights])
    assert split == [D(s) for s in shares]
    if any(D(w) for w in weights):
        assert sum(split) == D(amount)


@pytest.mark.parametrize(
    ("costs", "prices"),
    [
        (["0.4", "0.5"], ["0.444444", "0.555556"]),
        (["0.3", "0.3", "0.3"], ["0.333333", "0.333333", "0.333334"]),
        (["0", "0"], ["0.5", "0.5"]),
        (["0", "0", "0"], ["0.333333", "0.333333", "0.333334"]),
        (["0.2", "0"], ["1", "0"]),
    ],
)
def test_a_merges_legs_are_priced_by_cost_and_add_up_to_one(costs, prices):
    positions = [Position(avg_cost=D(c)) for c in costs]
    merged = _merge_prices(positions)
    assert merged == [D(p) for p in prices]
    assert sum(merged) == 1


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


_conditions = itertools.count(1)


def _row(**fields) -> Redemption:
    values = {
        "condition_id": f"0x{next(_conditions):064x}",
        "wallet_address": "0x" + "1" * 40,
        "route": RedemptionRoute.COLLATERAL_ADAPTER,
    }
    return Redemption.objects.create(**{**values, **fields})


@pytest.mark.django_db
def test_a_pass_claims_due_unleased_sending_redemptions_in_order() -> None:
    minute = timedelta(minutes=1)
    with time_machine.travel(NOW, tick=False):
        later = _row(next_attempt_at=NOW)  # due at exactly now
        first = _row(next_attempt_at=NOW - minute, lease_until=NOW - minute)  # lease over
        never = _row()  # never attempted: after the dated ones
        submitted = _row(state=RedemptionState.SUBMITTED, next_attempt_at=NOW - 2 * minute)
        for skipped in (
            {"next_attempt_at": NOW + minute},
            {"lease_until": NOW},  # held until now: not yet free
            {"state": RedemptionState.CONFIRMED},
            {"state": RedemptionState.FAILED},
            {"state": RedemptionState.NOT_NEEDED},
            {"route": RedemptionRoute.NONE},
        ):
            _row(**skipped)
        claimed: list[int] = []
        while (row := redemption_claim(exclude=set(claimed))) is not None:
            claimed.append(row.pk)
            assert row.lease_until == NOW + LEASE
            stored = Redemption.objects.get(pk=row.pk)
            assert stored.lease_until == NOW + LEASE
        assert claimed == [submitted.pk, first.pk, later.pk, never.pk]
        # Leased now: none of them again until the lease is over.
        assert redemption_claim() is None
    with time_machine.travel(NOW + LEASE + timedelta(microseconds=1), tick=False):
        assert redemption_claim() is not None
