"""A pytest plugin for `make mutate`: each pytest session takes a free slot and uses its own
test database (`test_<name>_mut<slot>`, reused from run to run), so that sessions running side
by side never share a database.

A slot is a lock file held (fcntl) for the length of one pytest session and released when it
ends. pytest-django puts TOX_PARALLEL_ENV after the test database's name, which is how the slot
reaches it. mutmut runs its stats pass, clean run and forced failure as pytest sessions one
after another in its own process (this plugin); the sessions that test the mutants
(bench/mutate_worker.py) take their slots the same way.
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


def slots_folder() -> Path:
    return Path(os.environ.get("LT_MUTATE_LOCKS", "/tmp")) / "lt-mutate-slots"


def slot_take() -> int:
    folder = slots_folder()
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

    # mutmut's sessions run one after another in one process, and pytest-django leaves the
    # settings pointed at the previous session's test database: start from the configured names.
    for alias, db in settings.DATABASES.items():
        test = db.setdefault("TEST", {})
        _saved_names.setdefault(alias, (db["NAME"], test.get("NAME")))
        db["NAME"], test["NAME"] = _saved_names[alias]
    os.environ["TOX_PARALLEL_ENV"] = f"mut{slot_take()}"


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.pop("TOX_PARALLEL_ENV", None)
    while _held:
        fd = _held.pop()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
