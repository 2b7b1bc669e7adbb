"""What the admin (and `lt_rules import`) says about a bad set of rules: `RiskRules.clean()`,
each error on its field with its message. An unsaved row, no database: `clean()` reads only
the row's own values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ltproject.domain import OrderType
from risk.models import RiskRules
from risk.vocabulary import SizingMode

D = Decimal
UNIT = D("0.000001")


def _errors(**values: object) -> dict[str, list[str]]:
    """The field -> messages `clean()` reports for rules with these values ({} when clean)."""
    try:
        RiskRules(**values).clean()
    except ValidationError as error:
        return error.message_dict
    return {}


# --- the budget time zone ---------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/New_York"])
def test_an_iana_time_zone_is_accepted(zone: str) -> None:
    assert _errors(budget_timezone=zone) == {}


@pytest.mark.parametrize("zone", ["utc", "europe/paris", "Mars/Olympus", ""])
def test_a_name_the_budget_windows_could_not_load_is_refused(zone: str) -> None:
    # Zone names are case-sensitive: "utc" is no zone, and the budget windows would fail on it.
    assert _errors(budget_timezone=zone) == {"budget_timezone": [f"Unknown time zone {zone!r}."]}


# --- the order notional bounds ----------------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [(D(10), D(10)), (D(10) - UNIT, D(10)), (None, D(1))])
def test_a_minimum_notional_up_to_the_maximum_is_accepted(low, high) -> None:
    assert _errors(min_order_notional=low, max_order_notional=high) == {}


def test_a_minimum_notional_one_unit_over_the_maximum_is_refused() -> None:
    assert _errors(min_order_notional=D(10) + UNIT, max_order_notional=D(10)) == {
        "min_order_notional": ["Must not exceed max_order_notional."]
    }


def test_a_minimum_notional_without_a_maximum_has_no_bound_to_exceed() -> None:
    assert _errors(min_order_notional=D(1000), max_order_notional=None) == {}


# --- what each sizing mode needs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "missing"),
    [
        (SizingMode.FIXED_NOTIONAL, {"sizing_notional": None}),
        (SizingMode.PERCENT_EQUITY, {"sizing_percent": None}),
        (SizingMode.FT_PROPORTIONAL, {"sizing_multiplier": None}),
        (SizingMode.VOLATILITY_TARGET, {"sizing_notional": None}),
        (SizingMode.VOLATILITY_TARGET, {"sizing_target_vol": None}),
        (SizingMode.VOLATILITY_TARGET, {"sizing_lookback_minutes": None}),
        # Zero sizes nothing: as good as missing.
        (SizingMode.FIXED_NOTIONAL, {"sizing_notional": D(0)}),
        (SizingMode.VOLATILITY_TARGET, {"sizing_target_vol": D(0)}),
        (SizingMode.VOLATILITY_TARGET, {"sizing_lookback_minutes": 0}),
    ],
)
def test_each_sizing_mode_names_the_input_it_lacks(mode: str, missing: dict[str, object]) -> None:
    complete: dict[str, object] = {
        "sizing_notional": D(10),
        "sizing_percent": D(2),
        "sizing_multiplier": D("0.5"),
        "sizing_target_vol": D("0.02"),
        "sizing_lookback_minutes": 60,
    }
    assert _errors(sizing_mode=mode, **complete) == {}
    (field,) = missing
    assert _errors(sizing_mode=mode, **{**complete, **missing}) == {
        field: [f"Required by sizing mode {mode}."]
    }


def test_volatility_target_lists_every_input_it_lacks() -> None:
    errors = _errors(
        sizing_mode=SizingMode.VOLATILITY_TARGET,
        sizing_notional=None,
        sizing_target_vol=None,
        sizing_lookback_minutes=None,
    )
    message = ["Required by sizing mode volatility_target."]
    assert errors == {
        "sizing_notional": message,
        "sizing_target_vol": message,
        "sizing_lookback_minutes": message,
    }


@pytest.mark.parametrize("value", [D(1), D("0.01")])
def test_any_positive_sizing_input_is_enough(value: Decimal) -> None:
    assert _errors(sizing_mode=SizingMode.FIXED_NOTIONAL, sizing_notional=value) == {}
    assert _errors(sizing_mode=SizingMode.FT_PROPORTIONAL, sizing_multiplier=value) == {}
    assert _errors(sizing_mode=SizingMode.PERCENT_EQUITY, sizing_percent=value) == {}
    assert (
        _errors(
            sizing_mode=SizingMode.VOLATILITY_TARGET,
            sizing_notional=value,
            sizing_target_vol=value,
            sizing_lookback_minutes=1,
        )
        == {}
    )


def test_an_unknown_sizing_mode_is_left_to_the_field_s_own_choices() -> None:
    assert _errors(sizing_mode="yolo", sizing_notional=None) == {}


# --- GTD orders and their time to live --------------------------------------------------------


@pytest.mark.parametrize("ttl", [None, 0])
def test_a_gtd_order_without_a_ttl_is_refused(ttl: int | None) -> None:
    assert _errors(order_type=OrderType.GTD, order_ttl_seconds=ttl) == {
        "order_ttl_seconds": ["GTD orders need a TTL."]
    }


@pytest.mark.parametrize(
    ("ttl", "errors"),
    [
        (1, {"order_ttl_seconds": ["GTD orders need a TTL of at least 90 s."]}),
        (89, {"order_ttl_seconds": ["GTD orders need a TTL of at least 90 s."]}),
        (90, {}),
        (91, {}),
    ],
)
def test_a_gtd_ttl_at_the_venue_s_90_seconds_and_one_under(ttl: int, errors: dict) -> None:
    assert _errors(order_type=OrderType.GTD, order_ttl_seconds=ttl) == errors


@pytest.mark.parametrize("order_type", [OrderType.FAK, OrderType.GTC])
def test_other_order_types_need_no_ttl(order_type: str) -> None:
    assert _errors(order_type=order_type, order_ttl_seconds=None) == {}
    assert _errors(order_type=order_type, order_ttl_seconds=30) == {}


def test_every_error_is_reported_at_once() -> None:
    errors = _errors(
        budget_timezone="Nowhere/Else",
        min_order_notional=D(30),
        max_order_notional=D(20),
        sizing_mode=SizingMode.FIXED_NOTIONAL,
        sizing_notional=None,
        order_type=OrderType.GTD,
        order_ttl_seconds=60,
    )
    assert errors == {
        "budget_timezone": ["Unknown time zone 'Nowhere/Else'."],
        "min_order_notional": ["Must not exceed max_order_notional."],
        "sizing_notional": ["Required by sizing mode fixed_notional."],
        "order_ttl_seconds": ["GTD orders need a TTL of at least 90 s."],
    }
