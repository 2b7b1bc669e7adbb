"""`make mutate`: mutation testing (mutmut) of the money paths, each module against its tests.

    python -m bench.mutate                  # every group, then docs/mutation-report.md
    python -m bench.mutate money stops      # only these groups (the others' results are kept)
    python -m bench.mutate --report         # rewrite the report from the stored results

Each group mutates its source files in a work folder of its own (var/mutate/<group>/: links
to the project, a copy of the packages mutated, and mutmut's `mutants/`), runs mutmut there
with the group's test files (not the slow ones: no processes started, no browser) and stores
what became of every mutant in docs/mutation/<group>.json. The report, generated from those
files, counts killed / survived / timeout per module and lists every survivor with the reason
it is left (bench/mutate_reasons/, one module per group; a survivor without one is marked
"unexplained").

mutmut generates the mutants and records their verdicts; bench/mutate_runner.py has them
tested in MAX_CHILDREN long-lived pytest sessions (bench/mutate_worker.py), each mutant
switched on in turn, instead of a new pytest session per mutant. Tests run on PostgreSQL
(DATABASE_URL), each session in a test database of its own reused from run to run
(`test_<name>_mut<slot>`, bench/mutate_db.py).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fnmatch
import json
import os
import re
import shutil
import signal
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
RUN = RESULTS / "run.json"  # the last whole run: its wall time and revision
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
    deselect: list[str] = field(default_factory=list)  # test ids (or their prefixes) left out
    # A mutant's tests are stopped (a timeout) after (their measured time + constant) ×
    # multiplier seconds: the measured time counts the tests' calls, not their fixtures.
    timeout_multiplier: float = 4.0
    timeout_constant: float = 4.0


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
            "tests/intake/test_signature_rules.py",
            "tests/intake/test_auth.py",
            "tests/intake/test_signature_lockout.py",
        ],
    ),
    Group(
        # Fills, stops and the executor share most of their tests: one run, one stats pass.
        "execution",
        ["execution/fills.py", "execution/stops.py", "execution/executor.py"],
        [
            "tests/test_thresholds.py",
            "tests/execution/test_stop_boundaries.py",
            "tests/execution/test_executor.py",
            "tests/execution/test_send_outcomes.py",
            "tests/execution/test_faults.py",
            "tests/execution/test_submit_race.py",
            "tests/execution/test_fill_legs.py",
            "tests/execution/test_fill_record.py",
            "tests/execution/test_fills_venue.py",
            "tests/execution/test_venue_fidelity.py",
            "tests/execution/test_fill_lock_order.py",
            "tests/execution/test_reconcile.py",
            "tests/execution/test_positions.py",
            "tests/execution/test_executor_edges.py",
            "tests/execution/test_fills_edges.py",
            "tests/execution/test_stops_edges.py",
        ],
    ),
    Group(
        # The decision (risk/decision.py, portfolio.py, books.py) is pure: tests/risk/
        # test_decision.py runs it without a database and is the first to run for its
        # mutants; the engine, budgets, breakers and services are the database tests'.
        # Not mutated: migrations, the admin, the app config and the management commands
        # (operator tooling, not a money path).
        "risk",
        ["risk"],
        [
            "tests/risk",  # the new files in it too
            "tests/intake/test_intake.py",
            "tests/test_thresholds.py",
            "tests/test_rules_io.py",
        ],
        skip=["risk/migrations/*", "risk/admin.py", "risk/apps.py", "risk/management/*"],
        # The engine's Hypothesis state machine takes 8 s, and would for each live mutant.
        deselect=["tests/risk/test_state_machine.py"],
    ),
    Group(
        "redemption",
        ["redemption/services.py"],
        [
            "tests/redemption/test_payout_boundaries.py",
            "tests/redemption/test_redeem_edges.py",
            "tests/redemption/test_split_rounding.py",
            "tests/redemption/test_redeem.py",
            "tests/redemption/test_lifecycle.py",
            "tests/redemption/test_merge.py",
            "tests/redemption/test_faults.py",
            "tests/redemption/test_relayer.py",
            "tests/redemption/test_services_edges.py",
            "tests/redemption/test_services_relayed.py",
            "tests/redemption/test_services_core.py",
        ],
        # Not the hundred-winner run (23 s) nor the ones that kill a process mid-send.
        deselect=[
            "tests/redemption/test_faults.py::test_hundred_winners_with_lost_sends_and_rpc_timeouts_are_all_paid_once",
            "tests/redemption/test_faults.py::test_sigkill_mid_send_then_three_jobs_still_send_one_redeem",
        ],
    ),
]
BY_NAME = {g.name: g for g in GROUPS}

# Plugins are named, not discovered (PYTEST_DISABLE_PLUGIN_AUTOLOAD): a mutant's pytest
# session then loads only what the tests use. bench.mutate_db gives each session its own
# database and ends a mutant's process as soon as its tests are done.
PYTEST_ARGS = ["--reuse-db", "-m", "not slow", "-p", "no:cacheprovider",
               "-p", "pytest_django.plugin", "-p", "_hypothesis_pytestplugin",
               "-p", "time_machine", "-p", "bench.mutate_db",
               "-W", "ignore::DeprecationWarning"]  # fmt: skip
# Lines never mutated: log calls (what they write is for people, no rule reads it).
DO_NOT_MUTATE_PATTERNS = [r"^\s*(log|logger)\.(debug|info|warning|error|exception)\("]


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
    _configure(group, work)
    return work


def _configure(group: Group, work: Path) -> None:
    tests = [t for t in group.tests if (ROOT / t).exists()]
    deselect = [f"--deselect={test}" for test in group.deselect]
    config = (ROOT / "pyproject.toml").read_text()
    config += (
        "\n[tool.mutmut]\n"
        f"source_paths = {_toml_list(group.sources)}\n"
        f"do_not_mutate = {_toml_list(group.skip)}\n"
        f"do_not_mutate_patterns = {_toml_list(DO_NOT_MUTATE_PATTERNS)}\n"
        f"pytest_add_cli_args = {_toml_list(PYTEST_ARGS + deselect)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        f"timeout_multiplier = {group.timeout_multiplier}\n"
        f"timeout_constant = {group.timeout_constant}\n"
        "use_git_change_detection = false\n"
        "track_dependencies = false\n"
    )
    (work / "pyproject.toml").write_text(config)


def _mutmut(work: Path, *args: str, log: Path | None = None) -> str:
    env = {**os.environ, "LT_MUTATE_LOCKS": str(WORK), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if args[0] == "run":  # its mutants tested in long-lived pytest sessions
        command = [sys.executable, "-m", "bench.mutate_runner", *args]
    else:
        command = [str(Path(sys.executable).parent / "mutmut"), *args]
    if log is None:
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        return done.stdout
    with log.open("a") as out:
        subprocess.run(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    _reap_orphans()
    return log.read_text()


def _diffs(work: Path, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    command = [sys.executable, "-m", "bench.mutate_runner", "diffs", *names]
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _adopt_orphans() -> None:
    """Become the subreaper of what mutmut starts: a test process killed at its time limit
    leaves its children (an anvil) behind, and they come to this process to be ended."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans() -> None:
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            pid = int(stat.parent.name)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _module_of(mutant: str) -> str:
    return mutant.split(".x", 1)[0].split(".xǁ", 1)[0]


def run_group(
    group: Group,
    max_children: int,
    *,
    again: bool = False,
    only: list[str] | None = None,
    collect: bool = False,
    resume: bool = False,
) -> dict[str, Any]:
    """Run the group's mutants (all of them, in a new work folder), or with `again` only
    the ones the stored results list as not killed (those matching `only`, if given), in the
    work folder a full run left (the others' results are kept; new tests are found and
    measured first). `collect` runs nothing: it stores what the work folder holds (a run
    stopped part way: its mutants not reached are "not checked")."""
    log = WORK / f"{group.name}.log"
    names: list[str] = []
    previous: dict[str, Any] = {}
    work = WORK / group.name
    stored = RESULTS / f"{group.name}.json"
    if collect or (resume and (work / "mutants").exists()):
        again = False  # the work folder as a stopped run left it
    elif again and (work / "mutants").exists() and stored.exists():
        previous = json.loads(stored.read_text())
        names = [n for n, status in previous["statuses"].items() if status != "killed"]
        if only:
            names = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in only)]
        _configure(group, work)
        if not names:
            return previous
    else:
        again = False
        work = _prepare(group)
        log.unlink(missing_ok=True)
    started = time.monotonic()
    if not collect:
        _mutmut(work, "run", "--max-children", str(max_children), *names, log=log)
    statuses = _statuses(work)
    unchecked = [name for name, status in statuses.items() if status == "not checked"]
    if again and unchecked and not only:  # functions changed since: their mutants anew
        _mutmut(work, "run", "--max-children", str(max_children), *unchecked, log=log)
        statuses = _statuses(work)
    seconds = round(time.monotonic() - started)
    if not statuses or all(status == "not checked" for status in statuses.values()):
        # mutmut stopped before testing (its clean run of the tests failed, say).
        raise SystemExit(f"mutmut tested no mutant of {group.name}: see {log}")
    alive = sorted(n for n, status in statuses.items() if status not in ("killed", "not checked"))
    survivors = {name: diff.strip() for name, diff in _diffs(work, alive).items()}
    result: dict[str, Any] = {
        "group": group.name,
        "sources": group.sources,
        "skipped": group.skip,
        "tests": group.tests,
        "deselected": group.deselect,
        "revision": _revision(),
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": previous.get("seconds", seconds) if again else (None if collect else seconds),
        "max_children": max_children,
        "statuses": statuses,
        "survivors": survivors,
    }
    if collect:
        result["stopped"] = sum(status == "not checked" for status in statuses.values())
    if again:
        result["full_run"] = previous.get("full_run") or {
            "revision": previous["revision"],
            "measured_at": previous["measured_at"],
        }
        result["retested"] = {"count": len(names), "seconds": seconds}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{group.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def _statuses(work: Path) -> dict[str, str]:
    statuses: dict[str, str] = {}
    for line in _mutmut(work, "results", "--all", "true").splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            statuses[match[1]] = match[2].strip()
    return statuses


def _revision() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    # The run's own outputs (docs/mutation*) do not count as changes to what was measured.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                            ":!docs/mutation", ":!docs/mutation-report.md"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty else "")


def _exclusions(groups: list[Group]) -> list[str]:
    """Every line kept from mutation by a `pragma: no mutate` comment, with its reason."""
    from bench.mutate_reasons import exclusion_reason

    lines: list[str] = []
    for group in groups:
        for source in group.sources:
            path = ROOT / source
            files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
            for file in files:
                relative = str(file.relative_to(ROOT))
                if any(fnmatch.fnmatch(relative, pattern) for pattern in group.skip):
                    continue
                source_lines = file.read_text().splitlines()
                for number, text in enumerate(source_lines, 1):
                    if "pragma: no mutate" not in text:
                        continue
                    code = text.split("#", 1)[0].strip()
                    if not code:  # a block pragma: the statements after it
                        following = source_lines[number:]
                        code = next((c.strip() for c in following if c.strip()), "") + " …"
                    reason = exclusion_reason(relative, code)
                    lines.append(f"- `{relative}:{number}` `{code}`: {reason}")
    return lines


def report() -> str:
    from bench.mutate_reasons import survivor_reason

    results = [
        json.loads((RESULTS / f"{g.name}.json").read_text())
        for g in GROUPS
        if (RESULTS / f"{g.name}.json").exists()
    ]
    run = json.loads(RUN.read_text()) if RUN.exists() else None
    lines = [
        "# Mutation testing report",
        "",
        "Generated by `make mutate` (`python -m bench.mutate`, mutmut): each module's mutants "
        "run against the test files that cover it (of those, only the tests that reach the "
        "mutated function, fastest first but those that killed the function's earlier mutants "
        "before them, stopping at the first failure), each mutant in a process of its own forked "
        "from a pytest session that has its tests collected and its database and anvil set up. "
        "Killed: a test failed. "
        "Survived: every covering test passed. Timeout: the tests ran past their time limit "
        "(counted as caught: the mutant loops or waits for ever). No tests: no test reaches the "
        "mutated function.",
        "",
    ]
    if run:
        lines += [
            f"Whole run (`make mutate`, every group): {run['seconds']} s "
            f"({run['seconds'] / 60:.1f} min) on {run['cpus']} cores, {run['max_children']} "
            f"mutants at once, revision {run['revision']}, {run['measured_at']}.",
            "",
        ]
    lines += [
        "| group | module | killed | survived | timeout | no tests | other | total | killed % |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    details: list[str] = []
    for result in results:
        per_module: dict[str, Counter[str]] = {}
        for name, status in result["statuses"].items():
            per_module.setdefault(_module_of(name), Counter())[status] += 1
        for module, counts in sorted(per_module.items()):
            total = sum(counts.values())
            caught = counts["killed"] + counts["timeout"]
            other = total - caught - counts["survived"] - counts["no tests"]
            lines.append(
                f"| {result['group']} | `{module}` | {counts['killed']} | {counts['survived']} "
                f"| {counts['timeout']} | {counts['no tests']} | {other} | {total} "
                f"| {100 * caught / total:.1f} |"
            )
        measured = (
            f"Revision {result['revision']}, {result['measured_at']}, "
            f"{result['seconds']} s with {result['max_children']} mutants at once."
        )
        if result.get("stopped"):
            measured = (
                f"Revision {result['revision']}, {result['measured_at']}: the run was stopped "
                f"with {result['stopped']} of its {len(result['statuses'])} mutants not yet "
                "tested (counted under other, not as caught)."
            )
        if "retested" in result:
            full = result["full_run"]
            measured = (
                f"Full run at revision {full['revision']}, {full['measured_at']}, "
                f"{result['seconds']} s with {result['max_children']} mutants at once; the "
                f"{result['retested']['count']} mutants it left alive were run again at revision "
                f"{result['revision']}, {result['measured_at']} "
                f"({result['retested']['seconds']} s)."
            )
        skipped = (
            " Not mutated: " + ", ".join(f"`{s}`" for s in result["skipped"]) + "."
            if result.get("skipped")
            else ""
        )
        deselected = (
            " Tests left out: " + ", ".join(f"`{t}`" for t in result["deselected"]) + "."
            if result.get("deselected")
            else ""
        )
        details.append(
            f"\n## {result['group']}\n\n{measured} Tests: "
            + ", ".join(f"`{t}`" for t in result["tests"])
            + f".{deselected}{skipped}\n"
        )
        survivors = result["survivors"]
        if not survivors:
            details.append("Every mutant was killed.\n")
        for name, diff in survivors.items():
            status = result["statuses"][name]
            reason = (
                "Caught: with this mutant the tests never finish (they were stopped at their "
                "time limit)."
                if status == "timeout"
                else survivor_reason(name, _diff(diff))
            )
            details.append(f"### `{name}` ({status})\n\n{reason}\n\n```diff\n{_diff(diff)}\n```\n")
    lines.append("")
    lines.append("Killed % counts timeouts as caught; other: suspicious, segfault, not checked.")
    missing = [g.name for g in GROUPS if not (RESULTS / f"{g.name}.json").exists()]
    if missing:
        lines.append("")
        lines.append("No results stored for: " + ", ".join(f"`{m}`" for m in missing) + ".")
    lines += [
        "",
        "## Not mutated",
        "",
        "Log calls (`log.…(` / `logger.…(` lines, mutmut's `do_not_mutate_patterns`): what they "
        "write is read by people, never by a rule or a test. Lines marked `# pragma: no mutate`:",
        "",
        *(_exclusions([g for g in GROUPS if any(r["group"] == g.name for r in results)]) or
          ["- none"]),
    ]  # fmt: skip
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
    parser.add_argument(
        "--again",
        action="store_true",
        help="run only the mutants the stored results left alive (after new tests)",
    )
    parser.add_argument(
        "--only", action="append", help="with --again: only mutants matching this pattern"
    )
    parser.add_argument(
        "--resume", action="store_true", help="go on with a stopped run's work folder"
    )
    parser.add_argument(
        "--collect",
        action="store_true",
        help="store what a stopped run left in the work folder, running nothing",
    )
    args = parser.parse_args()
    unknown = set(args.groups) - set(BY_NAME)
    if unknown:
        parser.error(f"unknown groups: {', '.join(sorted(unknown))}")
    if not args.report:
        _adopt_orphans()
        started = time.monotonic()
        names = args.groups or list(BY_NAME)
        for name in names:
            result = run_group(
                BY_NAME[name],
                args.max_children,
                again=args.again,
                only=args.only,
                collect=args.collect,
                resume=args.resume,
            )
            counts = Counter(result["statuses"].values())
            print(f"{name}: {dict(counts)} in {result['seconds']} s", flush=True)
        seconds = round(time.monotonic() - started)
        print(f"mutation testing took {seconds} s")
        if set(names) == set(BY_NAME) and not (args.again or args.collect or args.resume):
            run = {
                "seconds": seconds,
                "revision": _revision(),
                "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "max_children": args.max_children,
                "cpus": os.cpu_count(),
            }
            RUN.write_text(json.dumps(run, indent=1) + "\n")
    REPORT.write_text(report())
    print(f"report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
