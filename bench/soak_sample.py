"""What the soak (bench/soak.py) samples while it runs, and the figures it draws from them.

Processes are `lt_run`'s own and everything below it, read from /proc; the database is read
through its own connection (psycopg, autocommit), so sampling never holds a lock LT waits on.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

# The processes of `make run`, by what their command line says.
KINDS = (
    "anvil",
    "lt_sandbox",
    "runserver",
    "lt_qcluster",
    "lt_heartbeat",
    "lt_stream",
    "lt_run",
)


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, or None when it is gone."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), fields[0]


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found[stat[0]].append(int(entry.name))
    return found


def process_tree(root: int) -> dict[int, str]:
    """pid → kind for `root` and every live process below it. The job cluster's processes
    are told apart by depth: `lt_qcluster` (the supervisor), its Sentinel, and the Sentinel's
    workers, monitor and pusher (`lt_qcluster/worker`)."""
    children = _children()
    found: dict[int, str] = {}
    todo = [(root, 0, "")]
    while todo:
        pid, depth, parent_kind = todo.pop()
        cmdline = _cmdline(pid)
        kind = next((k for k in KINDS if k in cmdline), "other")
        if parent_kind.startswith("lt_qcluster"):
            kind = "lt_qcluster/sentinel" if parent_kind == "lt_qcluster" else "lt_qcluster/worker"
        stat = _stat(pid)
        if stat is not None and stat[1] != "Z":
            found[pid] = kind
        todo.extend((child, depth + 1, kind) for child in children.get(pid, []))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_kib(pid: int) -> int | None:
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def database_sample(url: str, name: str) -> dict[str, Any]:
    """Size, rows and bytes per table, connections by state, and the job queue's depth, read
    through a connection of its own to the database at `url` (named `name`)."""
    with psycopg.connect(url, autocommit=True) as conn:
        size = conn.execute("SELECT pg_database_size(%s)", [name]).fetchone()
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT relname FROM pg_stat_user_tables ORDER BY relname"
            ).fetchall()
        ]
        rows, table_bytes = {}, {}
        for table in tables:
            count = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            rows[table] = int(count[0]) if count else 0
            total = conn.execute("SELECT pg_total_relation_size(%s)", [table]).fetchone()
            table_bytes[table] = int(total[0]) if total else 0
        states: dict[str, int] = dict(
            conn.execute(
                "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1",
                [name],
            ).fetchall()
        )
    return {
        "size_bytes": int(size[0]) if size else 0,
        "rows": rows,
        "table_bytes": table_bytes,
        "connections": sum(states.values()),
        "connections_by_state": states,
        "queue_depth": rows.get("django_q_ormq", 0),
    }


@dataclass
class Latencies:
    """Signal answer times (ms) and HTTP statuses, per minute of the run."""

    by_minute: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, minute: int, ms: float, status: int) -> None:
        self.by_minute[minute].append(ms)
        self.statuses[status] += 1

    def per_minute(self) -> list[dict[str, Any]]:
        return [
            {"minute": m, "n": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
            for m, v in sorted(self.by_minute.items())
        ]


def percentile(values: list[float], percent: int) -> float:
    """Nearest rank: an observed value."""
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return round(ordered[rank - 1], 2)


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) points, per hour; None under 3 points."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread * 3600
