"""Survivors of the redemption pass's core steps in `redemption/services.py`: claiming, planning,
allocating and sending a redeem, following it to its receipt and booking its payout."""

from __future__ import annotations

SURVIVOR_REASONS: dict[str, str] = {}

DIFF_REASONS: list[tuple[str, str, str]] = []
