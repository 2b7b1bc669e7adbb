"""How a payout is split between strategies and a merge priced between its legs, to the pUSD
base unit (redemption/services.py, no database): pro rata rounded down, the remainder to the
largest share; merge prices by cost, even when there is none, adding up to exactly 1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.models import Position
from redemption.services import _merge_prices, _split

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
