"""risk/sizing.py, rule by rule and without a database: the limit price on each side, shares
for a notional, shares within a budget with the venue's fee, each sizing mode (and why it has
no answer), the clamp to max_order_notional, and realised volatility."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ltproject.domain import Side
from ltproject.fees import FeeSchedule
from risk.sizing import (
    SizingUnavailable,
    limit_price,
    round_shares,
    shares_for,
    shares_within,
    target_notional,
    volatility_of,
)
from risk.vocabulary import SizingMode
from tests.risk.plain import sizing_inputs, sizing_rules

D = Decimal


@pytest.mark.parametrize(
    ("side", "reference", "bps", "tick", "limit"),
    [
        (Side.BUY, "0.50", 100, "0.01", "0.50"),  # 0.505 floors to 0.50
        (Side.BUY, "0.50", 200, "0.01", "0.51"),
        (Side.BUY, "0.99", 500, "0.01", "0.99"),  # at most 1 − tick
        (Side.BUY, "0.50", 100, "0.001", "0.505"),
        (Side.SELL, "0.50", 100, "0.01", "0.50"),  # 0.495 ceils to 0.50
        (Side.SELL, "0.50", 200, "0.01", "0.49"),
        (Side.SELL, "0.01", 500, "0.01", "0.01"),  # at least one tick
        (Side.SELL, "0.50", 100, "0.001", "0.495"),
    ],
)
def test_the_limit_price_moves_by_the_slippage_and_never_past_it(
    side, reference, bps, tick, limit
) -> None:
    price = limit_price(side=side, reference=D(reference), slippage_bps=bps, tick=D(tick))
    assert price == D(limit) and price.as_tuple().exponent == D(tick).as_tuple().exponent


def test_shares_are_whole_hundredths_rounded_down() -> None:
    assert shares_for(D(10), D("0.30")) == D("33.33")
    assert shares_for(D(10), D("0.50")) == D("20.00")
    assert round_shares(D("1.999")) == D("1.99")


def test_shares_within_a_budget_keep_the_fee_inside_it() -> None:
    assert shares_within(D(10), D("0.50"), FeeSchedule()) == D("20.00")
    fees = FeeSchedule(rate=D("0.02"))
    size = shares_within(D(10), D("0.50"), fees)
    assert size * D("0.50") + fees.fee_bound(size, D("0.50")) <= D(10)
    one_more = size + D("0.01")
    assert one_more * D("0.50") + fees.fee_bound(one_more, D("0.50")) > D(10)
    assert shares_within(D(0), D("0.50"), fees) == D(0)


def test_fixed_notional_is_taken_as_configured_even_over_the_max() -> None:
    rules = sizing_rules(SizingMode.FIXED_NOTIONAL, sizing_notional=D(25), max_order_notional=D(10))
    assert target_notional(rules, sizing_inputs()) == D(25)


@pytest.mark.parametrize(("high", "target"), [(None, "123.456790"), ("100", "100")])
def test_percent_of_equity_is_clamped_to_the_max(high, target) -> None:
    rules = sizing_rules(
        SizingMode.PERCENT_EQUITY,
        sizing_percent=D("12.5"),
        max_order_notional=None if high is None else D(high),
    )
    assert target_notional(rules, sizing_inputs(equity=D("987.654321"))) == D(target)


@pytest.mark.parametrize(("high", "target"), [(None, "12.348000"), ("10", "10")])
def test_ft_proportional_is_the_fts_size_times_the_multiplier_at_the_limit(high, target) -> None:
    rules = sizing_rules(
        SizingMode.FT_PROPORTIONAL,
        sizing_multiplier=D("1.5"),
        max_order_notional=None if high is None else D(high),
    )
    inputs = sizing_inputs(ft_size=D("20.58"), limit_price=D("0.4"))
    assert target_notional(rules, inputs) == D(target)


@pytest.mark.parametrize(("high", "target"), [(None, "20.000000"), ("15", "15")])
def test_volatility_target_scales_the_base_by_target_over_realised(high, target) -> None:
    rules = sizing_rules(
        SizingMode.VOLATILITY_TARGET,
        sizing_notional=D(10),
        sizing_target_vol=D("0.02"),
        max_order_notional=None if high is None else D(high),
    )
    assert target_notional(rules, sizing_inputs(realised_vol=D("0.01"))) == D(target)


def test_no_volatility_at_all_sizes_at_the_max_or_not_at_all() -> None:
    rules = sizing_rules(
        SizingMode.VOLATILITY_TARGET, sizing_notional=D(10), sizing_target_vol=D("0.02")
    )
    with pytest.raises(
        SizingUnavailable, match=r"^realised volatility is 0 and there is no max_order_notional$"
    ):
        target_notional(rules, sizing_inputs(realised_vol=D(0)))
    rules.max_order_notional = D(7)
    assert target_notional(rules, sizing_inputs(realised_vol=D(0))) == D(7)


@pytest.mark.parametrize(
    ("mode", "values", "inputs", "why"),
    [
        (SizingMode.FIXED_NOTIONAL, {}, {}, "sizing_notional is not set"),
        (SizingMode.PERCENT_EQUITY, {}, {}, "sizing_percent is not set"),
        (SizingMode.PERCENT_EQUITY, {"sizing_percent": D(5)}, {"equity": D(0)}, "equity is 0"),
        (SizingMode.PERCENT_EQUITY, {"sizing_percent": D(5)}, {"equity": D(-1)}, "equity is -1"),
        (SizingMode.FT_PROPORTIONAL, {"sizing_multiplier": D(1)}, {},
         "ft_proportional needs the signal's size"),
        (SizingMode.FT_PROPORTIONAL, {}, {"ft_size": D(5)}, "sizing_multiplier is not set"),
        (SizingMode.VOLATILITY_TARGET, {"sizing_target_vol": D(1)}, {"realised_vol": D(1)},
         "sizing_notional is not set"),
        (SizingMode.VOLATILITY_TARGET, {"sizing_notional": D(1)}, {"realised_vol": D(1)},
         "sizing_target_vol is not set"),
        (SizingMode.VOLATILITY_TARGET, {"sizing_notional": D(1), "sizing_target_vol": D(1)}, {},
         "fewer than 3 recorded mid prices in the lookback window"),
    ],
)  # fmt: skip
def test_why_a_sizing_rule_has_no_answer(mode, values, inputs, why) -> None:
    with pytest.raises(SizingUnavailable) as unavailable:
        target_notional(sizing_rules(mode, **values), sizing_inputs(**inputs))
    assert str(unavailable.value) == why


def test_percent_of_a_small_positive_equity_is_an_answer() -> None:
    rules = sizing_rules(SizingMode.PERCENT_EQUITY, sizing_percent=D(50))
    assert target_notional(rules, sizing_inputs(equity=D("0.000002"))) == D("0.000001")


def test_realised_volatility_is_the_deviation_of_successive_changes() -> None:
    assert volatility_of([]) is None
    assert volatility_of([D("0.5"), D("0.6")]) is None
    assert volatility_of([D("0.5"), D("0.6"), D("0.7")]) == D(0)  # steady changes
    # Changes +0.1 and −0.1: mean 0, variance 0.01.
    assert volatility_of([D("0.5"), D("0.6"), D("0.5")]) == D("0.1")
    # Changes +0.2, 0, +0.1: mean 0.1, variance (0.01 + 0.01 + 0) / 3.
    vol = volatility_of([D("0.1"), D("0.3"), D("0.3"), D("0.4")])
    assert vol is not None and abs(vol - (D("0.02") / 3).sqrt()) < D("1e-20")
