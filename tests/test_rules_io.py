"""`lt_rules export|import`: the JSON keys of DESIGN.md §4, validated like the admin."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms.models import model_to_dict

from risk.models import RiskRules
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db

DESIGN_KEYS = {
    "budget_daily", "budget_weekly", "budget_monthly", "budget_timezone",
    "max_drawdown_pct", "drawdown_pause_minutes", "max_consecutive_losses",
    "loss_streak_pause_minutes", "max_exposure_per_market", "max_exposure_per_event",
    "max_concurrent_positions", "max_positions_per_market", "min_order_notional",
    "max_order_notional", "sizing", "stop_loss_pct", "take_profit_pct", "trailing_stop_pct",
    "breakers", "order",
}  # fmt: skip
# Keys LT adds beyond the design's list (documented in the README).
EXTRA_KEYS = {"merge_positions", "max_orders_per_minute"}


def _export(slug: str) -> dict:
    out = StringIO()
    call_command("lt_rules", "export", slug, stdout=out)
    return json.loads(out.getvalue())


def _import(slug: str, document: object, tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    call_command("lt_rules", "import", slug, str(path), stdout=StringIO())


def _snapshot(rules: RiskRules) -> dict:
    rules.refresh_from_db()
    return model_to_dict(rules)


def test_export_has_exactly_the_design_keys_with_decimal_strings() -> None:
    strategy = StrategyFactory()
    data = _export(strategy.slug)
    assert set(data) == DESIGN_KEYS | EXTRA_KEYS
    assert data["merge_positions"] is True
    assert set(data["sizing"]) == {
        "mode", "notional", "percent", "multiplier", "target_vol", "lookback_minutes"
    }  # fmt: skip
    assert set(data["breakers"]) == {
        "max_slippage_bps", "max_spread", "max_latency_ms", "min_depth", "max_error_rate",
        "resume_after_minutes", "resume_when_normal",
    }  # fmt: skip
    assert set(data["order"]) == {"type", "ttl_seconds", "max_slippage_bps"}
    assert data["budget_daily"] == "100"
    assert data["budget_weekly"] is None


def test_import_round_trips_an_export_of_another_strategy(tmp_path: Path) -> None:
    source, target = StrategyFactory(), StrategyFactory()
    _import(
        source.slug,
        {
            "budget_weekly": "250.50",
            "budget_timezone": "America/New_York",
            "sizing": {"mode": "ft_proportional", "multiplier": "0.5"},
            "breakers": {"max_spread": "0.05", "resume_when_normal": True},
            "order": {"type": "GTD", "ttl_seconds": 600},
        },
        tmp_path,
    )
    _import(target.slug, _export(source.slug), tmp_path)
    assert _export(target.slug) == _export(source.slug)
    target.risk_rules.refresh_from_db()
    assert target.risk_rules.budget_weekly == Decimal("250.50")
    assert target.risk_rules.breaker_max_spread == Decimal("0.05")


def test_import_changes_only_the_keys_it_names(tmp_path: Path) -> None:
    strategy = StrategyFactory()
    before = _snapshot(strategy.risk_rules)
    _import(strategy.slug, {"budget_monthly": "1000"}, tmp_path)
    after = _snapshot(strategy.risk_rules)
    assert after.pop("budget_monthly") == Decimal("1000")
    before.pop("budget_monthly")
    assert after == before


def test_import_keeps_decimals_exact(tmp_path: Path) -> None:
    strategy = StrategyFactory()
    _import(strategy.slug, '{"budget_daily": 0.1, "max_drawdown_pct": 12.3456}', tmp_path)
    strategy.risk_rules.refresh_from_db()
    assert strategy.risk_rules.budget_daily == Decimal("0.1")
    assert strategy.risk_rules.max_drawdown_pct == Decimal("12.3456")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"budget_daly": "10"}, "unknown key budget_daly"),
        ({"sizing": {"mode": "fixed_notional", "size": "3"}}, "unknown key sizing.size"),
        ({"budget_daily": "-1"}, "budget_daily: Ensure this value is greater than or equal to 0"),
        ({"budget_weekly": "-0.01"}, "budget_weekly"),
        ({"budget_timezone": "Mars/Olympus"}, "budget_timezone: Unknown time zone"),
        ({"max_drawdown_pct": "0"}, "max_drawdown_pct: Must be above 0."),
        ({"stop_loss_pct": "101"}, "stop_loss_pct: Must be at most 100."),
        ({"min_order_notional": "50", "max_order_notional": "10"}, "min_order_notional"),
        ({"sizing": {"mode": "percent_equity"}}, "sizing.percent: Required by sizing mode"),
        ({"sizing": {"mode": "yolo"}}, "sizing.mode"),
        ({"order": {"type": "GTD", "ttl_seconds": None}}, "order.ttl_seconds"),
        ({"order": {"type": "IOC"}}, "order.type"),
        ({"breakers": {"max_latency_ms": "fast"}}, "breakers.max_latency_ms"),
        ({"sizing": "fixed"}, "sizing: must be a JSON object"),
        # JSON types as the rule takes them, before the model could coerce them.
        ({"max_concurrent_positions": True}, "max_concurrent_positions: must be a whole number"),
        ({"order": {"ttl_seconds": 2.9}}, "order.ttl_seconds: must be a whole number"),
        ({"order": {"max_slippage_bps": "50"}}, "order.max_slippage_bps: must be a whole number"),
        ({"budget_daily": True}, "budget_daily: must be a number or a decimal string"),
        ({"merge_positions": 1}, "merge_positions: must be true or false"),
        ({"budget_timezone": 0}, "budget_timezone: must be a string"),
        (["budget_daily"], "rules must be a JSON object"),
        ("{not json", "invalid JSON"),
    ],
)
def test_import_rejects_bad_documents_with_one_line_and_no_change(
    tmp_path: Path, document: object, message: str
) -> None:
    strategy = StrategyFactory()
    before = _snapshot(strategy.risk_rules)
    with pytest.raises(CommandError) as excinfo:
        _import(strategy.slug, document, tmp_path)
    text = str(excinfo.value)
    assert message in text
    assert "\n" not in text
    assert _snapshot(strategy.risk_rules) == before


def test_a_file_that_is_not_utf8_is_one_line_and_no_change(tmp_path: Path) -> None:
    strategy = StrategyFactory()
    before = _snapshot(strategy.risk_rules)
    path = tmp_path / "rules.json"
    path.write_bytes(b'{"budget_daily": "\xff\xfe10"}')
    with pytest.raises(CommandError, match="not UTF-8 text") as excinfo:
        call_command("lt_rules", "import", strategy.slug, str(path), stdout=StringIO())
    assert "\n" not in str(excinfo.value)
    assert _snapshot(strategy.risk_rules) == before


def test_import_for_an_unknown_strategy_fails_readably(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no strategy 'ghost'"):
        _import("ghost", {}, tmp_path)


def test_import_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    strategy = StrategyFactory()
    monkeypatch.setattr("sys.stdin", StringIO('{"max_concurrent_positions": 7}'))
    call_command("lt_rules", "import", strategy.slug, "-", stdout=StringIO())
    strategy.risk_rules.refresh_from_db()
    assert strategy.risk_rules.max_concurrent_positions == 7


def test_take_profit_may_exceed_one_hundred_percent(tmp_path: Path) -> None:
    strategy = StrategyFactory()
    _import(strategy.slug, {"take_profit_pct": "150"}, tmp_path)
    strategy.risk_rules.refresh_from_db()
    assert strategy.risk_rules.take_profit_pct == Decimal("150")
    with pytest.raises(CommandError, match="take_profit_pct"):
        _import(strategy.slug, {"take_profit_pct": "0"}, tmp_path)


def test_merge_positions_imports_as_a_boolean_and_refuses_anything_else(tmp_path: Path) -> None:
    strategy = StrategyFactory()
    _import(strategy.slug, {"merge_positions": False}, tmp_path)
    strategy.risk_rules.refresh_from_db()
    assert strategy.risk_rules.merge_positions is False
    with pytest.raises(CommandError, match="merge_positions"):
        _import(strategy.slug, {"merge_positions": "sometimes"}, tmp_path)
    strategy.risk_rules.refresh_from_db()
    assert strategy.risk_rules.merge_positions is False
