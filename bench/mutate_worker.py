"""A pytest plugin for `make mutate`: one pytest session that tests mutant after mutant.

mutmut compiles every mutant of a function into the mutated module behind a trampoline that
reads the name of the mutant under test at each call. mutmut's own way forks a process per
mutant and starts a new pytest session in it (configuration, collection, the test database's
check, anvil and its contracts): a few seconds per mutant, most of the time of a mutant that
its first test kills. This session does that work once: it collects its group's tests and sets
up the session's fixtures (the test database, anvil and its contracts) by running the fastest
test of each module once with no mutant, and then, for each job the driver
(bench/mutate_runner.py) sends it, forks a child that switches the mutant on and runs the job's
tests in the order given (fastest first) until one fails. The child's exit status is the
verdict mutmut would have read: 1 killed, 0 survived, 36 timeout. Each mutant starts from the
session as it was before any mutant ran: what a mutant leaves in the process (a module's cache,
a counter, a thread pool) dies with its child.

Jobs come as JSON lines on the file descriptor LT_MUTATE_JOBS_FD ({"mutant", "tests",
"limit"}), answers go as JSON lines to LT_MUTATE_RESULTS_FD. A child past its limit is stopped
by an alarm (its tests' teardown still runs, so their database rows go); one that does not stop
is killed GRACE seconds later, and the session then answers "timeout" and ends (what the child
left half done, a test's rows or a half-read connection, is not trusted to the next mutant):
the driver starts a new one.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import IO, Any

import pytest
from _pytest.runner import runtestprotocol

from bench.mutate_db import slot_take

KILLED, SURVIVED, TIMEOUT = 1, 0, 36
GRACE = 15.0  # seconds a child gets past its alarm before it is killed


class MutantTimedOut(BaseException):
    """Raised by the alarm in the test that runs past its mutant's time limit (a
    BaseException: the code under test may catch Exception)."""


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # The session's own test database (test_<name>_mut<slot>), as bench.mutate_db gives it.
    os.environ["TOX_PARALLEL_ENV"] = f"mut{slot_take()}"


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise MutantTimedOut()


def _run_tests(
    session: pytest.Session, items: dict[str, pytest.Item], tests: list[str], killer: int
) -> int:
    """The verdict of the tests (in the order given) on the mutant switched on; the test that
    failed is written to the file descriptor `killer`."""
    for nodeid in tests:
        item = items[nodeid]
        # Tear down what the previous test kept that this one does not share (another
        # module's fixtures); then run it, keeping its module's fixtures for the next.
        session._setupstate.teardown_exact(item)
        reports = runtestprotocol(item, log=False, nextitem=item.parent)  # type: ignore[arg-type]
        failed = [report for report in reports if report.failed]
        if failed:
            text = str(failed[0].longrepr)
            verdict = TIMEOUT if "MutantTimedOut" in text else KILLED
            last = text.strip().splitlines()[-1][:300] if text.strip() else ""
            print(f"{nodeid} {failed[0].when}: {last}", file=sys.stderr, flush=True)
            os.write(killer, nodeid.encode())
            return verdict
    return SURVIVED


def _child(
    session: pytest.Session, items: dict[str, pytest.Item], job: dict[str, Any], killer: int
) -> None:
    from mutmut.mutation.trampoline import set_mutant_under_test

    code = KILLED
    try:
        unknown = [nodeid for nodeid in job["tests"] if nodeid not in items]
        if unknown:
            raise LookupError(f"not among this session's tests: {unknown}")
        set_mutant_under_test(job["mutant"])
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, float(job["limit"]))
        code = _run_tests(session, items, job["tests"], killer)
        print(f"{job['mutant']}: {code}", file=sys.stderr, flush=True)
    except MutantTimedOut:
        code = TIMEOUT
    except BaseException as error:  # noqa: BLE001 (the verdict must reach the session)
        print(f"{job['mutant']}: {error!r}", file=sys.stderr, flush=True)
        code = 3  # an internal error, as pytest's exit status 3 (mutmut counts it killed)
    finally:
        os._exit(code)


def _verdict(pid: int, limit: float) -> tuple[int, bool]:
    """The child's exit status, and whether it had to be killed."""
    deadline = time.monotonic() + limit + GRACE
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return code, False
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return TIMEOUT, True
        time.sleep(0.01)


def _warm_up(session: pytest.Session, items: dict[str, pytest.Item]) -> None:
    """Run, with no mutant, the tests the driver names (the fastest of each test module), so
    that what a first test does once per process (the test database, anvil and its contracts,
    the imports made inside functions, Django's URL and template caches) is done here once
    rather than in every child."""
    for nodeid in json.loads(os.environ.get("LT_MUTATE_WARM_UP", "[]")):
        item = items.get(nodeid)
        if item is not None:
            session._setupstate.teardown_exact(item)
            runtestprotocol(item, log=False, nextitem=item.parent)  # type: ignore[arg-type]
    if threading.active_count() > 1:  # a child would have none of these threads
        names = [thread.name for thread in threading.enumerate()]
        print(f"threads left by the warm-up: {names}", file=sys.stderr, flush=True)


def pytest_runtestloop(session: pytest.Session) -> bool:
    from django.db import connections

    items = {item.nodeid: item for item in session.items}
    _warm_up(session, items)
    results: IO[str] = os.fdopen(int(os.environ["LT_MUTATE_RESULTS_FD"]), "w")
    jobs: IO[str] = os.fdopen(int(os.environ["LT_MUTATE_JOBS_FD"]), "r")
    gc.collect()
    gc.freeze()  # the children do not copy the pages a collection would touch
    results.write(json.dumps({"ready": len(items)}) + "\n")
    results.flush()
    for line in jobs:
        job = json.loads(line)
        started = time.monotonic()
        # Each child opens its own database connections; a shared socket would be closed for
        # all by the first child to end.
        connections.close_all()
        killer_read, killer_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(killer_read)
            _child(session, items, job, killer_write)
        os.close(killer_write)
        verdict, killed = _verdict(pid, float(job["limit"]))
        with os.fdopen(killer_read, "rb") as killer:
            killed_by = killer.read().decode()
        answer = {
            "mutant": job["mutant"],
            "exit": verdict,
            "seconds": time.monotonic() - started,
            "session_ends": killed,
            "killed_by": killed_by,
        }
        results.write(json.dumps(answer) + "\n")
        results.flush()
        if killed:
            break
    # The driver closes the jobs pipe when there is no more work (or ends this process).
    os._exit(0)
