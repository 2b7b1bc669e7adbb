"""Figures as JSON columns keep them: amounts as their exact decimal text, times in ISO 8601."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """`value` with every Decimal and datetime in it (dicts and lists too) turned into text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
