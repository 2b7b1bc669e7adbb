"""`make bench`: run every `bench/bench_*.py`, print a table, write bench/results.json.

`python -m bench intake signal_to_post` runs only the named modules (`bench_<name>.py`);
`make bench BENCH="intake"` passes the names through.

A benchmark module defines `run() -> dict[str, dict[str, float | int | str]]`, mapping each
benchmark name to its figures (`p50_ms`, `p99_ms`, `per_s`, `ratio`, `n`, ...).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _machine() -> dict[str, Any]:
    return {
        "hostname": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, cwd=HERE
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    for name, figures in results.items():
        cells = ", ".join(f"{key}={value}" for key, value in figures.items())
        print(f"{name:<24} {cells}")


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltproject.test_settings")
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if len(sys.argv) > 1:
        wanted = {f"bench_{name.removeprefix('bench_')}" for name in sys.argv[1:]}
        unknown = wanted - set(modules)
        if unknown:
            known = ", ".join(m.removeprefix("bench_") for m in modules)
            names = ", ".join(sorted(n.removeprefix("bench_") for n in unknown))
            print(f"unknown benchmark: {names}; known: {known}")
            return 2
        modules = [m for m in modules if m in wanted]
    results: dict[str, dict[str, Any]] = {}
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        results.update(module.run())
    if not results:
        print("no benchmarks yet")
    _print_table(results)
    report = {
        "machine": _machine(),
        "commit": _commit(),
        "ran_at": datetime.now(UTC).isoformat(),
        "benchmarks": results,
    }
    (HERE / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
