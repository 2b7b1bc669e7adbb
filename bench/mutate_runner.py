"""`mutmut run` with its mutants tested in long-lived pytest sessions (bench/mutate_worker.py).

    python -m bench.mutate_runner run --max-children 2 [mutant names]   # in a group's work folder
    python -m bench.mutate_runner diffs <mutant names>   # `mutmut show` of each, as JSON

mutmut generates the mutants, collects which tests reach which function, checks the clean run
and the forced failure, orders the mutants and records their verdicts in its files exactly as
`mutmut run` does (so `mutmut results` and `mutmut show` read them); only the part that tests
one mutant is replaced: instead of forking a new pytest session per mutant, each of
`--max-children` sessions takes mutant after mutant, each in a child forked from the session
as it was set up. A session that dies or runs past the hard time limit of its mutant is ended
(its process group) and the mutant counted as a timeout; the next mutant gets a new session.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mutmut.configuration import config
from mutmut.runners.harness import ListAllTestsResult, PytestRunner
from mutmut.state import state
from mutmut.workers.isolation import ForkRunner, MutantResult, MutantRunner

TIMEOUT = 36
SUSPICIOUS = 35
# Past its own limit (the alarm in the session), a mutant gets this long before its session is
# ended from outside: a test stuck where the alarm cannot reach it.
HARD_LIMIT_GRACE = 30.0
SESSION_START_LIMIT = 600.0  # a new session's collection and fixtures


def _function_of(mutant: str) -> str:
    return mutant.rsplit("__mutmut_", 1)[0]


@dataclass
class _Session:
    process: subprocess.Popen[bytes]
    jobs: IO[str]
    results: IO[bytes]
    log: IO[bytes]
    mutant: str | None = None
    started: float = 0.0
    deadline: float = 0.0
    limit: float = 0.0
    ready: bool = False
    buffer: bytes = b""

    def lines(self) -> list[str] | None:
        """The whole lines the session has written since last asked; None once it is gone."""
        chunk = os.read(self.results.fileno(), 65536)
        if not chunk:
            return None
        self.buffer += chunk
        *whole, self.buffer = self.buffer.split(b"\n")
        return [line.decode() for line in whole]

    def end(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.jobs, self.results, self.log):
            with contextlib.suppress(OSError):
                stream.close()


class SessionRunner(MutantRunner):
    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        pytest_runner = PytestRunner()
        pytest_runner.prepare_main_test_run()
        # Stats, the clean run, the forced failure and the test listing as mutmut does them.
        self._mutmut = ForkRunner(max_workers=max_workers, test_runner=pytest_runner)
        self._sessions: list[_Session] = []
        self._busy: dict[int, _Session] = {}  # results fd -> session testing a mutant
        self._no_tests: list[MutantResult] = []
        self._started = 0
        self._all_passed_unmutated = False
        self._killers: dict[str, list[str]] = {}  # function -> tests that killed its mutants
        self._stats_seconds = 0.0  # none when the stats come from the last run
        self._mutants_started = time.monotonic()

    # The session's command: mutmut's pytest arguments, this plugin instead of bench.mutate_db
    # (whose one-session-per-mutant shortcuts it does not need), every test of the group.
    def _command(self) -> list[str]:
        args = list(config().pytest_add_cli_args)
        if "bench.mutate_db" in args:
            at = args.index("bench.mutate_db")
            del args[at - 1 : at + 1]
        return [
            sys.executable, "-m", "pytest", "--rootdir=.", "--tb=native", "-q",
            "-p", "no:randomly", "-p", "bench.mutate_worker",
            *args, *config().pytest_add_cli_args_test_selection,
        ]  # fmt: skip

    @staticmethod
    def _warm_up_tests() -> list[str]:
        """The fastest test of each test module, which a session runs once before its first
        mutant (bench/mutate_worker.py)."""
        fastest: dict[str, tuple[float, str]] = {}
        for test, seconds in state().duration_by_test.items():
            module = test.split("::", 1)[0]
            if module not in fastest or seconds < fastest[module][0]:
                fastest[module] = (seconds, test)
        return [test for _, test in sorted(fastest.values(), key=lambda pair: pair[1])]

    def _start_session(self) -> _Session:
        jobs_read, jobs_write = os.pipe()
        results_read, results_write = os.pipe()
        self._started += 1
        log = open(Path("mutants") / f"session-{self._started}.log", "wb")  # noqa: SIM115
        env = {
            **os.environ,
            "MUTANT_UNDER_TEST": "",
            "PY_IGNORE_IMPORTMISMATCH": "1",
            "LT_MUTATE_JOBS_FD": str(jobs_read),
            "LT_MUTATE_RESULTS_FD": str(results_write),
            "LT_MUTATE_WARM_UP": json.dumps(self._warm_up_tests()),
        }
        process = subprocess.Popen(
            self._command(),
            cwd="mutants",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(jobs_read, results_write),
            start_new_session=True,  # its own process group: anvil and all end with it
        )
        os.close(jobs_read)
        os.close(results_write)
        session = _Session(
            process=process,
            jobs=os.fdopen(jobs_write, "w"),
            results=os.fdopen(results_read, "rb", buffering=0),
            log=log,
        )
        self._sessions.append(session)
        return session

    def startup(self) -> None:
        # (mutmut hides what is printed during its stats pass)
        print(f"\nstats pass: {self._stats_seconds:.0f} s", flush=True)
        self._mutants_started = time.monotonic()

    def submit(
        self, mutant_name: str, tests: list[str], cpu_time_limit: int, estimated_time: float
    ) -> None:
        if not tests:
            self._no_tests.append(MutantResult(mutant_name=mutant_name, exit_code=33, duration=0))
            return
        idle = [s for s in self._sessions if s.mutant is None and s.process.poll() is None]
        session = idle[0] if idle else self._start_session()
        cfg = config()
        limit = (estimated_time + cfg.timeout_constant) * cfg.timeout_multiplier
        # Fastest first, as mutmut orders them; but the tests that killed other mutants of the
        # same function before all others (most recent first): the next mutant of a function
        # is most often killed by the test that killed the last one. A mutant that survives
        # runs every test either way; this only shortens the time of those that die.
        by_duration = sorted(tests, key=lambda test: state().duration_by_test[test])
        killers = [t for t in self._killers.get(_function_of(mutant_name), []) if t in tests]
        ordered = killers + [test for test in by_duration if test not in killers]
        job = {"mutant": mutant_name, "tests": ordered, "limit": limit}
        session.mutant = mutant_name
        session.started = time.monotonic()
        session.limit = limit
        # A new session first collects its tests and sets up its fixtures.
        grace = HARD_LIMIT_GRACE if session.ready else SESSION_START_LIMIT
        session.deadline = session.started + limit + grace
        try:
            session.jobs.write(json.dumps(job) + "\n")
            session.jobs.flush()
        except BrokenPipeError:
            pass  # it died; wait_for_result finds that out
        self._busy[session.results.fileno()] = session

    def has_capacity(self) -> bool:
        return len(self._busy) < self.max_workers

    def _finish(self, session: _Session, exit_code: int) -> MutantResult:
        self._busy.pop(session.results.fileno(), None)
        assert session.mutant is not None
        result = MutantResult(
            mutant_name=session.mutant,
            exit_code=exit_code,
            duration=time.monotonic() - session.started,
        )
        session.mutant = None
        return result

    def _drop(self, session: _Session) -> None:
        self._busy.pop(session.results.fileno(), None)
        session.end()
        self._sessions.remove(session)

    def wait_for_result(self, timeout: float | None = None) -> MutantResult:
        if self._no_tests:
            return self._no_tests.pop(0)
        while True:
            now = time.monotonic()
            for session in list(self._busy.values()):
                if now > session.deadline:  # stuck past the alarm, or never ready
                    result = self._finish(session, TIMEOUT)
                    self._drop(session)
                    return result
            wait = max(0.05, min(s.deadline for s in self._busy.values()) - now)
            with selectors.DefaultSelector() as selector:
                for session in self._busy.values():
                    selector.register(session.results, selectors.EVENT_READ, session)
                events = selector.select(wait)
            for key, _ in events:
                session = key.data
                lines = session.lines()
                if lines is None:  # the session died
                    code = session.process.wait()
                    result = self._finish(session, code if code else SUSPICIOUS)
                    self._drop(session)
                    return result
                for line in lines:
                    answer = json.loads(line)
                    if "ready" in answer:
                        # Its collection and fixtures took their time: the clock starts now.
                        session.ready = True
                        session.started = time.monotonic()
                        session.deadline = session.started + session.limit + HARD_LIMIT_GRACE
                        continue
                    if answer.get("killed_by"):
                        killers = self._killers.setdefault(_function_of(answer["mutant"]), [])
                        if answer["killed_by"] in killers:
                            killers.remove(answer["killed_by"])
                        killers.insert(0, answer["killed_by"])
                    result = self._finish(session, int(answer["exit"]))
                    if answer.get("session_ends"):  # it had to kill its child: it ends too
                        self._drop(session)
                    return result

    def pending_count(self) -> int:
        return len(self._busy) + len(self._no_tests)

    def signal_work_complete(self) -> None:
        pass

    def stop_all_workers(self) -> None:
        for session in list(self._sessions):
            self._drop(session)

    def shutdown(self) -> None:
        seconds = time.monotonic() - self._mutants_started
        print(f"\nmutants tested in {seconds:.0f} s by {self._started} sessions", flush=True)
        for session in list(self._sessions):
            with contextlib.suppress(OSError):
                session.jobs.close()
            self._drop(session)

    def collect_stats(self, tests: Iterable[str] | None) -> int:
        started = time.monotonic()
        exit_code = self._mutmut.collect_stats(tests)
        self._stats_seconds = time.monotonic() - started
        self._all_passed_unmutated = not tests and exit_code == 0
        return exit_code

    def run_clean_tests(self, tests: Iterable[str]) -> int:
        if self._all_passed_unmutated:
            # The stats pass just ran every test of the group on the original code (a function
            # under "stats" runs its original) and all passed: that was the clean run.
            return 0
        return self._mutmut.run_clean_tests(tests)

    def run_forced_fail(self) -> int:
        return self._mutmut.run_forced_fail()

    def list_all_tests(self) -> ListAllTestsResult:
        return self._mutmut.list_all_tests()


def diffs(names: list[str]) -> dict[str, str]:
    """`mutmut show` of each mutant, in one process (mutmut's command takes a second each)."""
    from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    shown = {}
    for name in names:
        mutation = find_mutant(name)
        status = status_by_exit_code[mutation.exit_code_by_key[name]]
        diff = get_diff_for_mutant(name, path=mutation.path)
        shown[name] = f"# {name}: {status}\n{diff}"
    return shown


def main() -> None:
    if sys.argv[1:2] == ["diffs"]:
        print(json.dumps(diffs(sys.argv[2:])))
        return
    import mutmut.__main__ as mutmut_main

    def session_runner(max_workers: int = 1) -> MutantRunner:
        return SessionRunner(max_workers)

    mutmut_main.get_mutant_runner = session_runner
    mutmut_main.cli(prog_name="mutmut")


if __name__ == "__main__":
    main()
