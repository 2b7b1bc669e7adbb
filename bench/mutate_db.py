"""A pytest plugin for `make mutate`: each process that runs tests takes a free slot and uses
its own test database (`test_<name>_mut<slot>`, reused from run to run), so that mutants
tested side by side never share a database.

mutmut runs pytest in forked children; a slot is a lock file held (fcntl) for the length of
one pytest session and released when it ends. pytest-django puts TOX_PARALLEL_ENV after the
test database's name, which is how the slot reaches it.

A mutant's process ends as soon as its session has its verdict (the exit status mutmut reads):
pytest's own unconfigure would otherwise collect the garbage of the whole forked heap, which
takes longer than most mutants' tests.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

import pytest

SLOTS = 8
_held: list[int] = []
_saved_names: dict[str, tuple[Any, Any]] = {}


def _slot_take() -> int:
    folder = Path(os.environ.get("LT_MUTATE_LOCKS", "/tmp")) / "lt-mutate-slots"
    folder.mkdir(parents=True, exist_ok=True)
    for slot in range(SLOTS):
        fd = os.open(folder / f"{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _held.append(fd)
        return slot
    raise RuntimeError(f"all {SLOTS} test database slots are taken")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # A forked child inherits its parent's settings, which an earlier session pointed at its
    # test database: start from the configured names.
    for alias, db in settings.DATABASES.items():
        test = db.setdefault("TEST", {})
        _saved_names.setdefault(alias, (db["NAME"], test.get("NAME")))
        db["NAME"], test["NAME"] = _saved_names[alias]
    os.environ["TOX_PARALLEL_ENV"] = f"mut{_slot_take()}"


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # mutmut names the mutant under test in MUTANT_UNDER_TEST ("stats", "fail" or "" in its
    # own runs, which go on in mutmut's process and must return).
    if "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", ""):
        os._exit(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.pop("TOX_PARALLEL_ENV", None)
    while _held:
        fd = _held.pop()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
