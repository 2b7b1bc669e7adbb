"""A pytest plugin for `make mutate`: one pytest session that tests mutant after mutant.

mutmut compiles every mutant of a function into the mutated module behind a trampoline that
reads the name of the mutant under test at each call, so one process can test any number of
mutants by switching that name. This session collects its group's tests once, sets up the
session's fixtures (the test database, anvil and its contracts) once, and then, for each job
the driver (bench/mutate_runner.py) sends it, switches the mutant on, runs the job's tests in
the order given (fastest first) until one fails, switches it off and answers with the exit
status mutmut would have read from a process of its own: 1 killed, 0 survived, 36 timeout.
Forking and starting a pytest session per mutant (mutmut's way) costs a few seconds per
mutant, which is most of the time of a mutant whose first test kills it.

Jobs come as JSON lines on the file descriptor LT_MUTATE_JOBS_FD ({"mutant", "tests",
"limit"}), answers go as JSON lines to LT_MUTATE_RESULTS_FD. Each test runs its own setup and
teardown; a module's fixtures are kept between its tests and torn down before a test of another
module, the session's are kept for the length of the session. A mutant past its time limit is
stopped by an alarm; the session then answers "timeout" and ends (what the stopped test left
half done is not trusted to the next mutant): the driver starts a new one.
"""

from __future__ import annotations

import json
import os
import signal
import time
from types import FrameType
from typing import IO, Any

import pytest
from _pytest.runner import runtestprotocol

from bench.mutate_db import slot_take

KILLED, SURVIVED, TIMEOUT = 1, 0, 36


class MutantTimedOut(BaseException):
    """Raised by the alarm in the test that runs past its mutant's time limit (a
    BaseException: the code under test may catch Exception)."""


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # The session's own test database (test_<name>_mut<slot>), as bench.mutate_db gives it.
    os.environ["TOX_PARALLEL_ENV"] = f"mut{slot_take()}"


def _set_mutant(name: str) -> None:
    from mutmut.mutation.trampoline import set_mutant_under_test

    set_mutant_under_test(name)


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise MutantTimedOut()


def _run_mutant(session: pytest.Session, items: dict[str, pytest.Item], job: dict[str, Any]) -> int:
    """The mutant's verdict: its tests in the order given, until the first that fails."""
    timed_out = False
    signal.signal(signal.SIGALRM, _alarm)
    _set_mutant(job["mutant"])
    signal.setitimer(signal.ITIMER_REAL, float(job["limit"]))
    try:
        for nodeid in job["tests"]:
            item = items.get(nodeid)
            if item is None:
                raise LookupError(f"{nodeid} is not among this session's tests")
            # Tear down what the previous test kept that this one does not share (another
            # module's fixtures); then run it, keeping its module's fixtures for the next.
            session._setupstate.teardown_exact(item)
            reports = runtestprotocol(item, log=False, nextitem=item.parent)  # type: ignore[arg-type]
            if any(r.failed for r in reports):
                timed_out = any(
                    getattr(r, "longrepr", None) is not None and "MutantTimedOut" in str(r.longrepr)
                    for r in reports
                )
                return TIMEOUT if timed_out else KILLED
        return SURVIVED
    except MutantTimedOut:
        timed_out = True
        return TIMEOUT
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _set_mutant("")


# Session fixtures set up before the first mutant, so that their time (the test database's
# migrations, anvil and its contracts) does not count against a mutant's limit.
WARM_UP_FIXTURES = ("django_db_setup", "sandbox_chain_session")


def _warm_up(session: pytest.Session) -> None:
    for fixture in WARM_UP_FIXTURES:
        using = [i for i in session.items if fixture in getattr(i, "fixturenames", ())]
        if using:
            session._setupstate.teardown_exact(using[0])
            runtestprotocol(using[0], log=False, nextitem=using[0].parent)  # type: ignore[arg-type]


def pytest_runtestloop(session: pytest.Session) -> bool:
    items = {item.nodeid: item for item in session.items}
    _warm_up(session)
    jobs: IO[str] = os.fdopen(int(os.environ["LT_MUTATE_JOBS_FD"]), "r")
    results: IO[str] = os.fdopen(int(os.environ["LT_MUTATE_RESULTS_FD"]), "w")
    results.write(json.dumps({"ready": len(items)}) + "\n")
    results.flush()
    for line in jobs:
        job = json.loads(line)
        started = time.monotonic()
        verdict = _run_mutant(session, items, job)
        answer = {"mutant": job["mutant"], "exit": verdict, "seconds": time.monotonic() - started}
        results.write(json.dumps(answer) + "\n")
        results.flush()
        if verdict == TIMEOUT:
            break
    # The driver closes the jobs pipe when there is no more work (or ends this process).
    os._exit(0)
