"""Exit triggers and the venue's price range, each at its threshold and one unit past it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution.models import OrderPurpose
from execution.stops import exit_trigger
from ltproject.money import is_valid_price
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
