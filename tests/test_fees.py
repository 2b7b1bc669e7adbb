"""The venue's fee formula (ltproject.fees) against the documented figures, its rounding at the
threshold, and the bound budgets reserve against every way a fill can be split."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ltproject.fees import FREE, FeeSchedule
from risk.sizing import shares_within

D = Decimal
CRYPTO = FeeSchedule(rate=D("0.07"), exponent=D(1))


def test_the_documented_examples() -> None:
    # Polymarket's fees page: 100 shares of a crypto market (rate 0.07) at $0.50 pay $1.75,
    # at $0.01 $0.0693 (shown rounded as $0.07).
    assert CRYPTO.fee(D(100), D("0.50")) == D("1.75")
    assert CRYPTO.fee(D(100), D("0.01")) == D("0.0693")


def test_the_exponent_applies_to_p_times_one_minus_p() -> None:
    squared = FeeSchedule(rate=D("0.02"), exponent=D(2))  # the docs' market-info example
    assert squared.fee(D(100), D("0.5")) == D("0.125")  # 100 × 0.02 × 0.25²


def test_fees_round_down_to_five_places_and_the_smallest_fee_is_one_hundred_thousandth() -> None:
    schedule = FeeSchedule(rate=D("0.0001"), exponent=D(1))
    # 0.0001 × 0.25 per share: 0.4 shares owe exactly 0.00001, the smallest fee charged;
    # 0.39 shares owe 0.00000975, which rounds to nothing.
    assert schedule.fee(D("0.4"), D("0.5")) == D("0.00001")
    assert schedule.fee(D("0.39"), D("0.5")) == 0
    # 1.19 shares owe 0.00002975: down to 0.00002, never up.
    assert schedule.fee(D("1.19"), D("0.5")) == D("0.00002")


def test_a_free_market_charges_nothing_and_makers_pay_only_where_the_market_says() -> None:
    assert FREE.fee(D(1000), D("0.5")) == 0 and not FREE.applies_to(taker=True)
    assert CRYPTO.applies_to(taker=True) and not CRYPTO.applies_to(taker=False)
    both = FeeSchedule(rate=D("0.07"), taker_only=False)
    assert both.applies_to(taker=False)
    assert FeeSchedule.from_params(CRYPTO.as_params()) == CRYPTO
    assert FeeSchedule.from_params({}) == FREE


prices = st.integers(min_value=1, max_value=9999).map(lambda n: D(n) / 10_000)
rates = st.sampled_from([D("0.02"), D("0.05"), D("0.07"), D("0.1")])


@settings(deadline=None)
@given(
    price=prices,
    rate=rates,
    exponent=st.sampled_from([D(1), D(2)]),
    cuts=st.lists(st.integers(min_value=1, max_value=5_000), min_size=1, max_size=8),
    improvement=st.lists(st.integers(min_value=0, max_value=50), min_size=8, max_size=8),
)
def test_the_reserved_bound_covers_any_split_at_or_better_than_the_limit(
    price: Decimal, rate: Decimal, exponent: Decimal, cuts: list[int], improvement: list[int]
) -> None:
    schedule = FeeSchedule(rate=rate, exponent=exponent)
    legs = [
        (max(price - D(better) / 10_000, D("0.0001")), D(cut) / 100)
        for cut, better in zip(cuts, improvement, strict=False)
    ]
    shares = sum((size for _, size in legs), D(0))
    paid = sum((p * size for p, size in legs), D(0)) + schedule.fee_of_legs(legs)
    assert paid <= shares * price + schedule.fee_bound(shares, price)


@settings(deadline=None)
@given(budget=st.integers(min_value=1, max_value=100_000).map(lambda n: D(n) / 100), price=prices)
def test_sizing_keeps_shares_and_fee_within_the_budget(budget: Decimal, price: Decimal) -> None:
    size = shares_within(budget, price, CRYPTO)
    assert size * price + CRYPTO.fee_bound(size, price) <= budget
    bigger = size + D("0.01")
    assert bigger * price + CRYPTO.fee_bound(bigger, price) > budget  # the largest such size
