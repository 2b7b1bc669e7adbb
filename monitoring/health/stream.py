"""The venue stream (`manage.py lt_stream`): connected, how fresh, how far behind, its gaps.

Polling stays the safety net, so a stream that is down is a warning, never failing: fills
still arrive within the minute and stops are still checked every minute, only slower.
"""

from __future__ import annotations

from datetime import timedelta

from execution.models import StreamStatus

from .base import LIVE, Check, CheckResult, Context, Findings, threshold


def check_stream(ctx: Context) -> CheckResult:
    if not ctx.any_live:
        return Findings().result("stream", "not used: no live strategy", {"used": False})
    channels = {row.channel: row for row in StreamStatus.objects.all()}
    stale = ctx.now - timedelta(seconds=threshold("stream_stale_s"))
    details: dict[str, object] = {}
    found = Findings()
    for name in ("market", "user"):
        row = channels.get(name)
        up = row is not None and row.connected and row.updated_at >= stale
        details[f"{name}_connected"] = up
        if row is not None:
            details[f"{name}_gaps"] = row.gaps
            details[f"{name}_last_gap_at"] = row.last_gap_at
            details[f"{name}_lag_ms"] = row.lag_ms
        found.warn_if(not up, f"the {name} channel is not connected (polling only)")
        lag = row.lag_ms if row is not None else None
        found.warn_if(
            up and lag is not None and lag > threshold("stream_lag_ms"),
            f"the {name} channel is {lag} ms behind the venue",
        )
    return found.result("stream", "both channels connected and current", details)


STREAM = Check(
    "stream",
    check_stream,
    LIVE,
    "Venue stream",
    on_failing="Start `manage.py lt_stream` (make run does); until then fills and stops "
    "follow the one-minute polls.",
)
