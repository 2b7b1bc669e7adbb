"""Survivors of `redemption/services.py`."""

from __future__ import annotations

SURVIVOR_REASONS: dict[str, str] = {}

DIFF_REASONS: list[tuple[str, str, str]] = []
