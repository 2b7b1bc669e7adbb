"""The soak's report (bench/soak.py): figures from its samples, the invariants at the end, and
a Markdown rendering of both."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench import soak_sample as sample

MIB = 1024
OUT = Path(__file__).resolve().parent.parent / "var" / "soak"
WARMUP_MINUTES = 10.0  # growth is measured after this
JUDGED_SECONDS = 1200  # a process's RSS growth is judged on 20 minutes after its warm-up
STUCK_MINUTES = 5  # a non-final order older than this at the end is stuck (FAK orders: seconds)
# The retention job runs every 15 minutes (for at most 40 s): a row may outlive its age by that.
RETENTION_SLACK = timedelta(minutes=20)


def report_build(soak: Any, *, final: bool) -> dict[str, Any]:
    samples: list[dict[str, Any]] = list(soak.samples)
    warm = soak_warm(samples)
    report: dict[str, Any] = {
        "run": {
            "minutes": soak.minutes,
            "rate_per_s": soak.rate,
            "signals_sent": soak.sent,
            "elapsed_s": samples[-1]["t"] if samples else 0,
            "outcomes": dict(soak.outcomes.most_common()),
            "http_statuses": dict(soak.latencies.statuses),
            "feed_error": soak.feed_error,
            "warmup_minutes": WARMUP_MINUTES,
        },
        "rss": _rss(samples, warm),
        "database": _database(samples, warm),
        "connections": _series(samples, lambda s: s["db"]["connections"], warm),
        "queue_depth": _series(samples, lambda s: s["db"]["queue_depth"], warm),
        "latency_per_minute": soak.latencies.per_minute(),
        "invariants": {},
    }
    if final:
        report["flow"] = flow()
        report["alerts"] = alerts()
        report["invariants"] = invariants(report)
    return report


def soak_warm(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The samples after the warm-up (all of them in a run shorter than twice the warm-up)."""
    after = [s for s in samples if s["t"] >= WARMUP_MINUTES * 60]
    return after if len(after) >= 3 else samples


def _rss(samples: list[dict[str, Any]], warm: list[dict[str, Any]]) -> dict[str, Any]:
    per_pid: dict[str, dict[str, Any]] = {}
    for s in samples:
        for pid, kib in s["rss_kib"].items():
            if kib is None:
                continue
            row = per_pid.setdefault(pid, {"kind": s["kinds"][pid], "points": []})
            row["points"].append((s["t"], kib / MIB))
    warm_from = warm[0]["t"] if warm else 0
    result = {}
    for pid, row in sorted(per_pid.items(), key=lambda item: item[1]["kind"]):
        points = row["points"]
        # A process started during the run (a job worker recycled after its 500 jobs) has
        # a warm-up of its own: its growth is measured after it.
        own = points[0][0] + WARMUP_MINUTES * 60
        later = [p for p in points if p[0] >= max(warm_from, own)]
        if len(later) < 3:
            later = [p for p in points if p[0] >= warm_from]
        slope = sample.slope_per_hour(later)
        result[pid] = {
            "kind": row["kind"],
            "first_mib": round(points[0][1], 1),
            "last_mib": round(points[-1][1], 1),
            "max_mib": round(max(p[1] for p in points), 1),
            "seen_s": [points[0][0], points[-1][0]],
            "measured_from_s": later[0][0] if later else None,
            "growth_mib_per_h_after_warmup": None if slope is None else round(slope, 2),
            "over_time_mib": [round(p[1], 1) for p in points[:: max(1, len(points) // 30)]],
        }
    return result


def _series(
    samples: list[dict[str, Any]], value: Any, warm: list[dict[str, Any]]
) -> dict[str, Any]:
    values = [value(s) for s in samples]
    later = [value(s) for s in warm]
    return {
        "over_time": [[s["t"], value(s)] for s in samples[:: max(1, len(samples) // 60)]],
        "max": max(values, default=0),
        "after_warmup_min": min(later, default=0),
        "after_warmup_max": max(later, default=0),
    }


def _database(samples: list[dict[str, Any]], warm: list[dict[str, Any]]) -> dict[str, Any]:
    if not samples:
        return {}
    first, last = samples[0], samples[-1]
    signals = max(1, last["signals"] - first["signals"])
    per_k = 1000 / signals
    rows = {
        table: {
            "rows_end": last["db"]["rows"][table],
            "rows_max": max(s["db"]["rows"].get(table, 0) for s in samples),
            "rows_per_1000_signals": round(
                (last["db"]["rows"][table] - first["db"]["rows"].get(table, 0)) * per_k, 1
            ),
            "kib_per_1000_signals": round(
                (last["db"]["table_bytes"][table] - first["db"]["table_bytes"].get(table, 0))
                * per_k
                / 1024,
                1,
            ),
        }
        for table in sorted(last["db"]["rows"])
        if last["db"]["rows"][table] or first["db"]["rows"].get(table)
    }
    size = [(s["t"], s["db"]["size_bytes"] / MIB / MIB) for s in samples]
    warm_signals = max(1, warm[-1]["signals"] - warm[0]["signals"]) if warm else signals
    warm_growth = (
        (warm[-1]["db"]["size_bytes"] - warm[0]["db"]["size_bytes"]) / warm_signals * 1000
        if warm
        else 0
    )
    return {
        "size_mib_start": round(size[0][1], 1),
        "size_mib_end": round(size[-1][1], 1),
        "size_over_time_mib": [[t, round(v, 1)] for t, v in size[:: max(1, len(size) // 60)]],
        "kib_per_1000_signals": round(
            (last["db"]["size_bytes"] - first["db"]["size_bytes"]) * per_k / 1024, 1
        ),
        "kib_per_1000_signals_after_warmup": round(warm_growth / 1024, 1),
        "growth_mib_per_h_after_warmup": _slope([(t, v) for t, v in size if t >= warm[0]["t"]])
        if warm
        else None,
        "tables": rows,
    }


def _slope(points: list[tuple[float, float]]) -> float | None:
    slope = sample.slope_per_hour(points)
    return None if slope is None else round(slope, 2)


# --- after the run -------------------------------------------------------------------------


def flow() -> dict[str, Any]:
    """Orders, fills and exits per 10 minutes of the run: did they keep flowing?"""
    from django.db.models import Min

    from execution.models import Fill, Order, OrderPurpose

    start = Order.objects.aggregate(m=Min("created_at"))["m"]
    if start is None:
        return {"windows": []}
    buckets: dict[int, dict[str, int]] = defaultdict(lambda: {"orders": 0, "fills": 0, "exits": 0})
    for created_at, purpose in Order.objects.values_list("created_at", "purpose"):
        window = buckets[int((created_at - start) / timedelta(minutes=10))]
        window["orders"] += 1
        window["exits"] += purpose != OrderPurpose.ENTRY
    for (created_at,) in Fill.objects.values_list("created_at"):
        buckets[max(0, int((created_at - start) / timedelta(minutes=10)))]["fills"] += 1
    return {"windows": [{"from_minute": k * 10, **v} for k, v in sorted(buckets.items())]}


def alerts() -> list[dict[str, Any]]:
    """The alerts LT raised during the run, by reason and severity."""
    from django.db.models import Count, Sum

    from monitoring.models import Alert

    rows = (
        Alert.objects.values("reason_code", "severity")
        .annotate(alerts=Count("pk"), repeats=Sum("count"))
        .order_by("-alerts")
    )
    return list(rows)


# The sandbox venue and its chain stand in for Polymarket and Polygon: reported, not judged.
STAND_INS = ("anvil", "lt_sandbox")


def invariants(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    from django.db.models import Count, F
    from django.utils import timezone

    from execution.models import TERMINAL_ORDER_STATUSES, Fill, Order
    from execution.reconcile import reconcile
    from risk.models import BudgetWindow, RiskDecision

    accepted = RiskDecision.objects.filter(outcome=RiskDecision.Outcome.ACCEPTED)
    without_order = accepted.filter(signal__order__isnull=True).count()
    duplicates = (
        Fill.objects.values("venue_trade_id", "order_id").annotate(n=Count("pk")).filter(n__gt=1)
    )
    over = (
        BudgetWindow.objects.filter(limit__isnull=False)
        .annotate(used=F("reserved") + F("spent"))
        .filter(used__gt=F("limit"))
    )
    stuck = Order.objects.exclude(status__in=TERMINAL_ORDER_STATUSES).filter(
        created_at__lt=timezone.now() - timedelta(minutes=STUCK_MINUTES)
    )
    clean = reconcile()
    windows = report.get("flow", {}).get("windows", [])
    flowing = [w for w in windows if w["orders"] and w["fills"] and w["exits"]]
    latency = report["latency_per_minute"]
    early = [m["p95_ms"] for m in latency[1:11]]
    late = [m["p95_ms"] for m in latency[-10:]]
    return {
        "one_order_per_accepted_signal": {
            "ok": without_order == 0,
            "accepted": accepted.count(),
            "without_order": without_order,
        },
        "ledger_and_venue_agree": {
            "ok": clean.clean,
            "mismatches": {k: list(v) for k, v in clean.balance_mismatches.items()},
        },
        "no_duplicate_fill": {"ok": not duplicates.exists(), "fills": Fill.objects.count()},
        "no_budget_over_its_limit": {"ok": not over.exists(), "over": over.count()},
        "no_stuck_order": {
            "ok": not stuck.exists(),
            "stuck": list(stuck.values_list("pk", "status", "purpose")[:10]),
        },
        "orders_fills_exits_flow": {
            "ok": bool(windows) and len(flowing) >= len(windows) - 1,  # the last may be partial
            "windows_with_all_three": len(flowing),
            "windows": len(windows),
        },
        "answer_times_flat": {
            "ok": bool(early and late) and max(late) <= 2 * max(max(early), 50.0),
            "p95_ms_minutes_1_10_max": max(early, default=None),
            "p95_ms_last_10_minutes_max": max(late, default=None),
        },
        "connections_flat": {
            "ok": report["connections"]["after_warmup_max"]
            <= report["connections"]["after_warmup_min"] + 5,
            **{k: report["connections"][k] for k in ("after_warmup_min", "after_warmup_max")},
        },
        "database_within_retention": retention_held(),
        "rss_growth_under_5_mib_per_h": invariants_rss(report),
    }


def invariants_rss(report: dict[str, Any]) -> dict[str, Any]:
    """RSS growth under 5 MiB/h for every process of LT's measured for 20 minutes or more
    after its warm-up (the sandbox venue and chain stand in for others' and are not judged)."""
    judged = [
        p
        for p in report["rss"].values()
        if p["kind"] not in STAND_INS
        and p.get("measured_from_s") is not None
        and p["seen_s"][1] - p["measured_from_s"] >= JUDGED_SECONDS
    ]
    worst = max(judged, key=lambda p: p["growth_mib_per_h_after_warmup"] or 0, default=None)
    return {
        "ok": all((p["growth_mib_per_h_after_warmup"] or 0) < 5 for p in judged),
        "judged": len(judged),
        "worst": None if worst is None else worst["growth_mib_per_h_after_warmup"],
        "worst_kind": None if worst is None else worst["kind"],
    }


def retention_held() -> dict[str, Any]:
    """What grows is what the retention policy keeps: at the end, no row the policy prunes is
    older than its age (LT_RETENTION) and one pass of the job, for the kinds a run produces
    (rejected signals with their decisions, mid prices)."""
    from django.conf import settings
    from django.db.models import Max
    from django.utils import timezone

    from execution.models import MidPrice
    from monitoring.retention import _compared_since
    from risk.models import RiskDecision, RiskRules
    from strategies.models import Signal, Strategy

    now = timezone.now()
    ages = settings.LT_RETENTION
    overdue_signals = 0
    for strategy_id in Strategy.objects.values_list("pk", flat=True):
        cutoff = now - ages["rejected_signals"] - RETENTION_SLACK
        compared = _compared_since(strategy_id)  # a strategy's newest 1,000 signals stay
        cutoff = min(cutoff, compared) if compared else cutoff
        overdue_signals += Signal.objects.filter(
            strategy_id=strategy_id,
            received_at__lt=cutoff,
            decision__outcome=RiskDecision.Outcome.REJECTED,
            order__isnull=True,
        ).count()
    mid_cutoff = now - ages["mid_prices"] - RETENTION_SLACK
    lookback = RiskRules.objects.aggregate(m=Max("sizing_lookback_minutes"))["m"]
    if lookback:
        mid_cutoff = min(mid_cutoff, now - timedelta(minutes=lookback) - RETENTION_SLACK)
    old_mids = MidPrice.objects.filter(observed_at__lt=mid_cutoff)
    newest_kept = (  # a token's newest mid stays (positions are marked with it)
        MidPrice.objects.values("token_id")
        .annotate(newest=Max("observed_at"))
        .filter(newest__lt=mid_cutoff)
        .count()
    )
    overdue_mids = old_mids.count() - newest_kept
    return {
        "ok": overdue_signals == 0 and overdue_mids == 0,
        "ages": {k: str(ages[k]) for k in ("rejected_signals", "mid_prices")},
        "rejected_signals_overdue": overdue_signals,
        "mid_prices_overdue": overdue_mids,
        "rejected_signals_kept": Signal.objects.filter(
            decision__outcome=RiskDecision.Outcome.REJECTED
        ).count(),
    }


# --- rendering -------------------------------------------------------------------------------


def report_markdown(report: dict[str, Any]) -> str:
    run = report["run"]
    lines = [
        "# Soak report",
        "",
        f"{run['elapsed_s'] / 60:.1f} minutes, {run['signals_sent']} signals at "
        f"{run['rate_per_s']}/s; growth measured after minute {run['warmup_minutes']:.0f}.",
        f"Decisions: {run['outcomes']}; HTTP: {run['http_statuses']}.",
    ]
    if run["feed_error"]:
        lines.append(f"Feed error: {run['feed_error']}")
    lines += ["", "## Invariants", ""]
    for name, result in report["invariants"].items():
        figures = {k: v for k, v in result.items() if k != "ok"}
        lines.append(f"- {'ok  ' if result['ok'] else 'FAIL'} {name}: {figures}")
    lines += [
        "",
        "## RSS per process (MiB)",
        "",
        "| pid | kind | seen (min) | measured from (min) | first | last | max | "
        "growth MiB/h after warm-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for pid, p in report["rss"].items():
        seen = "–".join(f"{t / 60:.0f}" for t in p["seen_s"])
        since = p.get("measured_from_s")
        lines.append(
            f"| {pid} | {p['kind']} | {seen} | {'' if since is None else f'{since / 60:.0f}'} | "
            f"{p['first_mib']} | {p['last_mib']} | {p['max_mib']} | "
            f"{p['growth_mib_per_h_after_warmup']} |"
        )
    db = report["database"]
    if db:
        lines += [
            "",
            "## Database",
            "",
            f"Size {db['size_mib_start']} → {db['size_mib_end']} MiB; "
            f"{db['kib_per_1000_signals']} KiB per 1,000 signals over the run, "
            f"{db['kib_per_1000_signals_after_warmup']} after warm-up "
            f"({db['growth_mib_per_h_after_warmup']} MiB/h).",
            "",
            "| table | rows at end | most rows | rows per 1,000 signals | KiB per 1,000 signals |",
            "|---|---|---|---|---|",
        ]
        for table, t in db["tables"].items():
            lines.append(
                f"| {table} | {t['rows_end']} | {t['rows_max']} | {t['rows_per_1000_signals']} "
                f"| {t['kib_per_1000_signals']} |"
            )
    for name in ("connections", "queue_depth"):
        series = report[name]
        lines += [
            "",
            f"## {name.replace('_', ' ').capitalize()}",
            "",
            f"max {series['max']}; after warm-up {series['after_warmup_min']}–"
            f"{series['after_warmup_max']}; over time (s, value): {series['over_time']}",
        ]
    lines += ["", "## Answer latency per minute", "", "| minute | n | p50 ms | p95 ms |"]
    lines.append("|---|---|---|---|")
    for m in report["latency_per_minute"]:
        lines.append(f"| {m['minute']} | {m['n']} | {m['p50_ms']} | {m['p95_ms']} |")
    if report.get("alerts") is not None:
        lines += ["", "## Alerts raised", ""]
        lines += [f"- {a}" for a in report["alerts"]] or ["- none"]
    if report.get("flow"):
        lines += ["", "## Orders, fills and exits per 10 minutes", ""]
        lines += [f"- from minute {w['from_minute']}: {w}" for w in report["flow"]["windows"]]
    return "\n".join(lines) + "\n"


def report_redraw(out: Path) -> None:
    """Draw report.md again from report.json and samples.json (RSS figures recomputed from
    the samples, the rest as the run left it): `python -m bench.soak_report [DIR]`."""
    report = json.loads((out / "report.json").read_text())
    samples = json.loads((out / "samples.json").read_text())
    report["rss"] = _rss(samples, soak_warm(samples))
    fresh = invariants_rss(report)
    report["invariants"]["rss_growth_under_5_mib_per_h"] = fresh
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (out / "report.md").write_text(report_markdown(report))


if __name__ == "__main__":
    report_redraw(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
