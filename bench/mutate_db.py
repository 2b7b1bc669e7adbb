"""A pytest plugin for `make mutate`: each process that runs tests takes a free slot and uses
its own test database (`test_<name>_mut<slot>`, reused from run to run), so that mutants
tested side by side never share a database.

mutmut runs pytest in forked children; a slot is a lock file held (fcntl) for the length of
one pytest session and released when it ends. pytest-django puts TOX_PARALLEL_ENV after the
test database's name, which is how the slot reaches it.

A slot's database is migrated by the first session that takes the slot in a run of `make
mutate` (the driver clears the marks when it starts); the mutants' sessions after it connect
to it as it is, without `migrate` checking every migration again (most of a short mutant's
time otherwise). A mutant's process ends as soon as its session has its verdict (the exit
status mutmut reads): pytest's own unconfigure would otherwise collect the garbage of the
whole forked heap, which takes longer than most mutants' tests.
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
_slot: list[int] = []


def slots_folder() -> Path:
    return Path(os.environ.get("LT_MUTATE_LOCKS", "/tmp")) / "lt-mutate-slots"


def _mutant() -> bool:
    # mutmut names the mutant under test in MUTANT_UNDER_TEST ("stats", "fail" or "" in its
    # own runs, which go on in mutmut's process and must return).
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def _slot_take() -> int:
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
        _slot[:] = [slot]
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
    _databases_setup_patch()


def _databases_setup_patch() -> None:
    from django.test import utils

    setup = utils.setup_databases
    if getattr(setup, "lt_mutate", False):
        return

    def setup_databases(*args: Any, aliases: Any = None, **kwargs: Any) -> Any:
        from django.conf import settings
        from django.db import connections

        ready = slots_folder() / f"{_slot[0]}-{settings.DATABASES['default']['NAME']}.ready"
        if not (_mutant() and ready.exists()):
            done = setup(*args, aliases=aliases, **kwargs)
            ready.write_text("migrated\n")
            return done
        # As create_test_db(keepdb=True) leaves the connection, without its migrate.
        old_names = []
        for alias in aliases if aliases is not None else connections:
            connection = connections[alias]
            test_name = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
            old_names.append((connection, connection.settings_dict["NAME"], False))
            connection.close()
            settings.DATABASES[alias]["NAME"] = connection.settings_dict["NAME"] = test_name
            connection.ensure_connection()
        return old_names

    setup_databases.lt_mutate = True  # type: ignore[attr-defined]
    utils.setup_databases = setup_databases


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _mutant():
        os._exit(int(exitstatus))


def pytest_unconfigure(config: pytest.Config) -> None:
    os.environ.pop("TOX_PARALLEL_ENV", None)
    while _held:
        fd = _held.pop()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
