"""The JSON form of a strategy's risk rules (`lt_rules export|import`, DESIGN.md §4).

Keys are all optional; an import changes only the keys it names. pUSD amounts travel as
decimal strings and `null` means "no limit". Import applies the same validation as the admin
(field validators, `clean()`, DB constraints) and saves nothing unless everything is valid.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from ltproject.errors import first_error_line

from .models import RiskRules

_FLAT_KEYS = (
    "budget_daily",
    "budget_weekly",
    "budget_monthly",
    "budget_timezone",
    "max_drawdown_pct",
    "drawdown_pause_minutes",
    "max_consecutive_losses",
    "loss_streak_pause_minutes",
    "max_exposure_per_market",
    "max_exposure_per_event",
    "max_concurrent_positions",
    "max_positions_per_market",
    "max_orders_per_minute",
    "min_order_notional",
    "max_order_notional",
    "stop_loss_pct",
    "take_profit_pct",
    "trailing_stop_pct",
    "merge_positions",
)

# JSON key -> (nested key -> model field)
_NESTED_KEYS: dict[str, dict[str, str]] = {
    "sizing": {
        "mode": "sizing_mode",
        "notional": "sizing_notional",
        "percent": "sizing_percent",
        "multiplier": "sizing_multiplier",
        "target_vol": "sizing_target_vol",
        "lookback_minutes": "sizing_lookback_minutes",
    },
    "breakers": {
        "max_slippage_bps": "breaker_max_slippage_bps",
        "max_spread": "breaker_max_spread",
        "max_latency_ms": "breaker_max_latency_ms",
        "min_depth": "breaker_min_depth",
        "max_error_rate": "breaker_max_error_rate",
        "resume_after_minutes": "breaker_resume_after_minutes",
        "resume_when_normal": "breaker_resume_when_normal",
    },
    "order": {
        "type": "order_type",
        "ttl_seconds": "order_ttl_seconds",
        "max_slippage_bps": "order_max_slippage_bps",
    },
}

# model field -> JSON key, for error messages that name what the user wrote.
_JSON_NAME = {f: f for f in _FLAT_KEYS} | {
    field: f"{group}.{key}" for group, keys in _NESTED_KEYS.items() for key, field in keys.items()
}


class RulesImportError(ValueError):
    """A rules document that cannot be applied; the message is one readable line."""


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return value


def rules_export(rules: RiskRules) -> dict[str, Any]:
    data: dict[str, Any] = {key: _to_json(getattr(rules, key)) for key in _FLAT_KEYS}
    for group, keys in _NESTED_KEYS.items():
        data[group] = {key: _to_json(getattr(rules, field)) for key, field in keys.items()}
    return data


def _field_values(document: Any) -> dict[str, Any]:
    """Flatten a rules document to model field values, refusing anything unknown."""
    if not isinstance(document, dict):
        raise RulesImportError("rules must be a JSON object")
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key in _FLAT_KEYS:
            values[key] = value
        elif key in _NESTED_KEYS:
            if not isinstance(value, dict):
                raise RulesImportError(f"{key}: must be a JSON object")
            for sub_key, sub_value in value.items():
                field = _NESTED_KEYS[key].get(sub_key)
                if field is None:
                    raise RulesImportError(f"unknown key {key}.{sub_key!s}")
                values[field] = sub_value
        else:
            raise RulesImportError(f"unknown key {key!s}")
    for field, value in values.items():
        if isinstance(value, float):
            # json.loads is called with parse_float=Decimal; a float here came from elsewhere.
            raise RulesImportError(f"{_JSON_NAME[field]}: use a decimal string, not a float")
        _type_check(field, value)
    return values


def _type_check(field: str, value: Any) -> None:
    """The JSON type a rule takes, before the model would coerce it: `true` is not 1, 2.9 is
    not 2, "5" is not a number of seconds."""
    if value is None:
        return  # "no limit": the model says whether the rule may be empty
    model_field = RiskRules._meta.get_field(field)
    name = _JSON_NAME[field]
    if isinstance(model_field, models.BooleanField):
        if not isinstance(value, bool):
            raise RulesImportError(f"{name}: must be true or false")
    elif isinstance(model_field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            raise RulesImportError(f"{name}: must be a whole number, e.g. 60")
    elif isinstance(model_field, models.DecimalField):
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise RulesImportError(f'{name}: must be a number or a decimal string, e.g. "0.5"')
    elif isinstance(model_field, models.CharField) and not isinstance(value, str):
        raise RulesImportError(f"{name}: must be a string")


@transaction.atomic
def rules_import(rules: RiskRules, document: Any) -> RiskRules:
    """Validate a rules document against `rules` and save it, or raise RulesImportError."""
    values = _field_values(document)
    candidate = copy.copy(rules)
    for field, value in values.items():
        setattr(candidate, field, value)
    try:
        candidate.full_clean()
    except ValidationError as error:
        raise RulesImportError(first_error_line(error, _JSON_NAME)) from None
    candidate.save()
    return candidate
