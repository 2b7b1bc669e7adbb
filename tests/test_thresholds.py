"""Exit triggers and the venue's price range, each at its threshold and one unit past it."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

import pytest

from execution.models import OrderPurpose
from execution.stops import exit_trigger
from ltproject.money import (
    is_valid_price,
    price_on_tick,
    quantize_price,
    quantize_pusd,
    quantize_shares,
)
from risk.models import RiskRules

D = Decimal


def _rules(**pct: int) -> RiskRules:
    fields = {"stop_loss_pct": None, "trailing_stop_pct": None, "take_profit_pct": None}
    return RiskRules(**{**fields, **{k: D(v) for k, v in pct.items()}})


@pytest.mark.parametrize(("bid", "fires"), [("0.45", True), ("0.4501", False)])
def test_stop_loss_fires_at_its_price_not_one_unit_above(bid: str, fires: bool) -> None:
    trigger = exit_trigger(rules=_rules(stop_loss_pct=10), avg_cost=D("0.50"), peak=None,
                           bid=D(bid))  # fmt: skip
    assert trigger == (exit_trigger_of(OrderPurpose.STOP_LOSS, "0.45") if fires else None)


@pytest.mark.parametrize(("bid", "fires"), [("0.54", True), ("0.5401", False)])
def test_trailing_stop_fires_at_its_price_not_one_unit_above(bid: str, fires: bool) -> None:
    trigger = exit_trigger(rules=_rules(trailing_stop_pct=10), avg_cost=D("0.50"),
                           peak=D("0.60"), bid=D(bid))  # fmt: skip
    assert trigger == (exit_trigger_of(OrderPurpose.TRAILING_STOP, "0.54") if fires else None)


@pytest.mark.parametrize(("peak", "fires"), [("0.5001", True), ("0.50", False)])
def test_trailing_stop_needs_a_peak_above_the_cost(peak: str, fires: bool) -> None:
    trigger = exit_trigger(rules=_rules(trailing_stop_pct=10), avg_cost=D("0.50"),
                           peak=D(peak), bid=D("0.40"))  # fmt: skip
    assert (trigger is not None) is fires


@pytest.mark.parametrize(("bid", "fires"), [("0.60", True), ("0.5999", False)])
def test_take_profit_fires_at_its_price_not_one_unit_below(bid: str, fires: bool) -> None:
    trigger = exit_trigger(rules=_rules(take_profit_pct=20), avg_cost=D("0.50"), peak=None,
                           bid=D(bid))  # fmt: skip
    assert trigger == (exit_trigger_of(OrderPurpose.TAKE_PROFIT, "0.60") if fires else None)


def exit_trigger_of(purpose: OrderPurpose, threshold: str) -> object:
    from execution.stops import Trigger

    return Trigger(purpose, D(threshold))


@pytest.mark.parametrize(
    ("price", "tick", "valid"),
    [
        ("0.01", "0.01", True), ("0.0099", "0.01", False),  # the lower end: one tick
        ("0.99", "0.01", True), ("1.00", "0.01", False),  # the upper end: 1 − tick
        ("0.9999", "0.0001", True), ("1", "0.0001", False),
        ("0.9975", "0.0025", True), ("1.0000", "0.0025", False),
        ("0.555", "0.01", False),  # off the tick
    ],
)  # fmt: skip
def test_prices_run_from_one_tick_to_one_minus_a_tick(price: str, tick: str, valid: bool) -> None:
    assert is_valid_price(D(price), D(tick)) is valid


@pytest.mark.parametrize(
    ("price", "tick", "rounding", "snapped"),
    [
        ("0.555", "0.01", None, "0.56"), ("0.545", "0.01", None, "0.54"),  # half to even
        ("0.5549", "0.01", ROUND_CEILING, "0.56"), ("0.5599", "0.01", ROUND_FLOOR, "0.55"),
        ("0.99626", "0.0025", None, "0.9975"), ("0.12", "0.1", None, "0.1"),
    ],
)  # fmt: skip
def test_a_price_snaps_to_a_multiple_of_its_tick(price, tick, rounding, snapped) -> None:
    how = {} if rounding is None else {"rounding": rounding}
    on_tick = price_on_tick(D(price), D(tick), **how)
    assert on_tick == D(snapped)
    assert on_tick.as_tuple().exponent == D(tick).as_tuple().exponent  # written on the tick


@pytest.mark.parametrize(
    ("shares", "places", "rounded"),
    [("1.2345679", 6, "1.234567"), ("1.999", 2, "1.99"), ("2", 2, "2.00"), ("0.0000009", 6, "0")],
)
def test_share_counts_round_down_to_their_places(shares, places, rounded) -> None:
    result = quantize_shares(D(shares), places)
    assert result == D(rounded)
    assert result.as_tuple().exponent == -places
    assert quantize_shares(D("1.2345679")) == D("1.234567")  # six places unless told


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("0.0000005", "0.000000"), ("0.0000015", "0.000002"), ("-0.0000025", "-0.000002")],
)
@pytest.mark.parametrize("ambient", [ROUND_HALF_UP, ROUND_DOWN, ROUND_CEILING])
def test_amounts_and_prices_round_half_to_even_whatever_the_decimal_context(
    amount: str, rounded: str, ambient: str
) -> None:
    # A caller's decimal context (a library's, a localcontext) must not change a ledger amount.
    with localcontext(rounding=ambient):
        assert quantize_pusd(D(amount)) == D(rounded)
        assert quantize_price(D(amount)) == D(rounded)
