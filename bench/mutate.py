"""`make mutate`: mutation testing (mutmut) of the money paths, each module against its tests.

    python -m bench.mutate                  # every group, then docs/mutation-report.md
    python -m bench.mutate money stops      # only these groups (the others' results are kept)
    python -m bench.mutate --report         # rewrite the report from the stored results

Each group mutates its source files in a work folder of its own (var/mutate/<group>/: links
to the project, a copy of the packages mutated, and mutmut's `mutants/`), runs mutmut there
with the group's test files (not the slow ones: no processes started, no browser) and stores
what became of every mutant in docs/mutation/<group>.json. The report, generated from those
files, counts killed / survived / timeout per module and lists every survivor with the reason
it is left (SURVIVOR_REASONS in bench/mutate_reasons.py; a survivor without one is marked
"unexplained").

Tests run on PostgreSQL (DATABASE_URL), in test databases of their own reused from run to
run (`test_<name>_mut<slot>`, bench/mutate_db.py), with at most MAX_CHILDREN mutants at once.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "mutate"
RESULTS = ROOT / "docs" / "mutation"
REPORT = ROOT / "docs" / "mutation-report.md"
MAX_CHILDREN = 2
# Top-level entries never linked into a work folder.
SKIP = {".git", "var", "mutants", ".venv", "node_modules", "pyproject.toml", "docs"}
SKIP_IN_MUTANTS = SKIP | {"tests"}  # mutmut copies tests/ itself


@dataclass(frozen=True)
class Group:
    name: str
    sources: list[str]  # files or packages, relative to the project
    tests: list[str]  # test files or folders whose tests may kill the mutants
    skip: list[str] = field(default_factory=list)  # glob patterns not mutated


GROUPS = [
    Group(
        "money",
        ["ltproject/money.py"],
        [
            "tests/test_thresholds.py",
            "tests/test_fees.py",
            "tests/risk/test_checks.py",
            "tests/execution/test_positions.py",
            "tests/redemption/test_payout_boundaries.py",
        ],
    ),
    Group(
        "signing",
        ["strategies/signing.py"],
        [
            "tests/intake/test_auth.py",
            "tests/intake/test_signature_lockout.py",
        ],
    ),
    Group(
        "stops",
        ["execution/stops.py"],
        [
            "tests/test_thresholds.py",
            "tests/execution/test_executor.py",
            "tests/execution/test_stop_boundaries.py",
        ],
    ),
    Group(
        "fills",
        ["execution/fills.py"],
        [
            "tests/execution/test_fills_venue.py",
            "tests/execution/test_venue_fidelity.py",
            "tests/execution/test_fill_lock_order.py",
            "tests/execution/test_executor.py",
            "tests/execution/test_reconcile.py",
            "tests/execution/test_positions.py",
        ],
    ),
    Group(
        "redemption",
        ["redemption/services.py"],
        [
            "tests/redemption/test_payout_boundaries.py",
            "tests/redemption/test_redeem.py",
            "tests/redemption/test_lifecycle.py",
            "tests/redemption/test_merge.py",
            "tests/redemption/test_faults.py",
            "tests/redemption/test_relayer.py",
        ],
    ),
    Group(
        "executor",
        ["execution/executor.py"],
        ["tests/execution/test_executor.py", "tests/execution/test_faults.py"],
    ),
    Group(
        "risk",
        ["risk"],
        [
            "tests/risk",
            "tests/intake/test_intake.py",
            "tests/test_thresholds.py",
            "tests/test_rules_io.py",
        ],
        skip=["risk/migrations/*", "risk/admin.py", "risk/apps.py"],
    ),
]
BY_NAME = {g.name: g for g in GROUPS}

PYTEST_ARGS = ["--reuse-db", "-m", "not slow", "-p", "no:cacheprovider", "-p", "bench.mutate_db",
               "-W", "ignore::DeprecationWarning"]  # fmt: skip


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _prepare(group: Group) -> Path:
    """The group's work folder, laid anew."""
    work = WORK / group.name
    if work.exists():
        shutil.rmtree(work)
    mutants = work / "mutants"
    mutants.mkdir(parents=True)
    mutated_tops = {Path(s).parts[0] for s in group.sources}
    for entry in sorted(ROOT.iterdir()):
        if entry.name in SKIP or entry.name.startswith("."):
            continue
        (work / entry.name).symlink_to(entry)
        if entry.name in SKIP_IN_MUTANTS:
            continue
        if entry.name in mutated_tops and entry.is_dir():
            # A real copy: mutmut writes the mutated files into it.
            shutil.copytree(entry, mutants / entry.name,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        else:
            (mutants / entry.name).symlink_to(entry)
    (mutants / "node_modules").symlink_to(ROOT / "node_modules")
    (mutants / "var").mkdir()
    tests = [t for t in group.tests if (ROOT / t).exists()]
    config = (ROOT / "pyproject.toml").read_text()
    config += (
        "\n[tool.mutmut]\n"
        f"source_paths = {_toml_list(group.sources)}\n"
        f"do_not_mutate = {_toml_list(group.skip)}\n"
        f"pytest_add_cli_args = {_toml_list(PYTEST_ARGS)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        "use_git_change_detection = false\n"
        "track_dependencies = false\n"
    )
    (work / "pyproject.toml").write_text(config)
    return work


def _mutmut(work: Path, *args: str, log: Path | None = None) -> str:
    env = {**os.environ, "LT_MUTATE_LOCKS": str(WORK)}
    command = [str(Path(sys.executable).parent / "mutmut"), *args]
    if log is None:
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        return done.stdout
    with log.open("w") as out:
        subprocess.run(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    return log.read_text()


def _module_of(mutant: str) -> str:
    return mutant.split(".x", 1)[0].split(".xǁ", 1)[0]


def run_group(group: Group, max_children: int) -> dict[str, Any]:
    work = _prepare(group)
    started = time.monotonic()
    log = WORK / f"{group.name}.log"
    _mutmut(work, "run", "--max-children", str(max_children), log=log)
    seconds = round(time.monotonic() - started)
    statuses: dict[str, str] = {}
    for line in _mutmut(work, "results", "--all", "true").splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            statuses[match[1]] = match[2].strip()
    if not statuses:
        raise SystemExit(f"mutmut gave no results for {group.name}: see {log}")
    survivors = {}
    for name, status in sorted(statuses.items()):
        if status != "killed":
            survivors[name] = _mutmut(work, "show", name).strip()
    result: dict[str, Any] = {
        "group": group.name,
        "sources": group.sources,
        "tests": group.tests,
        "revision": _revision(),
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": seconds,
        "max_children": max_children,
        "statuses": statuses,
        "survivors": survivors,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{group.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _revision() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def report() -> str:
    from bench.mutate_reasons import survivor_reason

    results = [
        json.loads((RESULTS / f"{g.name}.json").read_text())
        for g in GROUPS
        if (RESULTS / f"{g.name}.json").exists()
    ]
    lines = [
        "# Mutation testing report",
        "",
        "Generated by `make mutate` (`python -m bench.mutate`, mutmut): each module's mutants "
        "run against the test files that cover it. Killed: a test failed. Survived: every "
        "covering test passed. Timeout: the tests ran past mutmut's time limit (counted as "
        "caught). No tests: no test reaches the mutated function.",
        "",
        "| group | module | killed | survived | timeout | no tests | total | killed % |",
        "|---|---|---|---|---|---|---|---|",
    ]
    details: list[str] = []
    for result in results:
        per_module: dict[str, Counter[str]] = {}
        for name, status in result["statuses"].items():
            per_module.setdefault(_module_of(name), Counter())[status] += 1
        for module, counts in sorted(per_module.items()):
            total = sum(counts.values())
            caught = counts["killed"] + counts["timeout"]
            lines.append(
                f"| {result['group']} | `{module}` | {counts['killed']} | {counts['survived']} "
                f"| {counts['timeout']} | {counts['no tests']} | {total} "
                f"| {100 * caught / total:.1f} |"
            )
        details.append(
            f"\n## {result['group']}\n\nRevision {result['revision']}, {result['measured_at']}, "
            f"{result['seconds']} s with {result['max_children']} mutants at once. Tests: "
            + ", ".join(f"`{t}`" for t in result["tests"])
            + ".\n"
        )
        survivors = result["survivors"]
        if not survivors:
            details.append("Every mutant was killed.\n")
        for name, diff in survivors.items():
            status = result["statuses"][name]
            reason = survivor_reason(name)
            details.append(f"### `{name}` ({status})\n\n{reason}\n\n```diff\n{_diff(diff)}\n```\n")
    lines.append("")
    lines.append("Killed % counts timeouts as caught.")
    return "\n".join(lines) + "\n" + "\n".join(details)


def _diff(shown: str) -> str:
    """The changed lines of `mutmut show` (its header and file names left out)."""
    kept = [
        line
        for line in shown.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return "\n".join(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"of: {', '.join(BY_NAME)} (default: all)")
    parser.add_argument("--max-children", type=int, default=MAX_CHILDREN)
    parser.add_argument("--report", action="store_true", help="only rewrite the report")
    args = parser.parse_args()
    unknown = set(args.groups) - set(BY_NAME)
    if unknown:
        parser.error(f"unknown groups: {', '.join(sorted(unknown))}")
    if not args.report:
        started = time.monotonic()
        for name in args.groups or list(BY_NAME):
            result = run_group(BY_NAME[name], args.max_children)
            counts = Counter(result["statuses"].values())
            print(f"{name}: {dict(counts)} in {result['seconds']} s", flush=True)
        print(f"mutation testing took {round(time.monotonic() - started)} s")
    REPORT.write_text(report())
    print(f"report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
