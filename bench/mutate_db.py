"""A pytest plugin for `make mutate`: each process that runs tests takes a free slot and uses
its own test database (`test_<name>_mut<slot>`, reused from run to run), so that mutants
tested side by side never share a database.

mutmut runs pytest in forked children; a slot is a lock file held (fcntl) for the length of
one pytest session and released when it ends. pytest-django puts TOX_PARALLEL_ENV after the
test database's name, which is how the slot reaches it.

Likewise a slot keeps one anvil (the sandbox chain) with its contracts deployed for the
mutants' sessions: each session starts from that state again (`evm_revert` to a snapshot taken
after the deployment) instead of starting a node and deploying the contracts anew.

A slot's database is migrated by the first session that takes the slot in a run of `make
mutate` (the driver clears the marks when it starts); the mutants' sessions after it connect
to it as it is, without `migrate` checking every migration again (most of a short mutant's
time otherwise). A mutant's process ends as soon as its session has its verdict (the exit
status mutmut reads): pytest's own unconfigure would otherwise collect the garbage of the
whole forked heap, which takes longer than most mutants' tests.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
import urllib.request
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
    _anvil_share_patch()


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


def _rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read()).get("result")


def _anvil_record() -> Path:
    return slots_folder() / f"{_slot[0]}.anvil.json"


def _anvil_share_patch() -> None:
    """In a mutant's session, `Anvil.start` attaches to the slot's anvil (started by the first
    session that needed it, left running for the next ones; the driver ends it) and puts its
    chain back to the snapshot the slot recorded; `SandboxChain.deploy` returns the contracts
    already deployed there."""
    from sandbox.chain import anvil, deploy

    if getattr(anvil.Anvil.start, "lt_mutate", False):
        return
    start, anvil_stop = anvil.Anvil.start, anvil.Anvil.stop
    original_deploy = vars(deploy.SandboxChain)["deploy"].__func__

    def shared_start(self: Any, *, timeout: float = 15.0) -> Any:
        if not _mutant():
            return start(self, timeout=timeout)
        record_path = _anvil_record()
        if record_path.exists():
            record = json.loads(record_path.read_text())
            self.port = record["port"]
            try:
                if self._answers():
                    _rpc(self.rpc_url, "anvil_setAutomine", True)
                    _rpc(self.rpc_url, "anvil_dropAllTransactions")
                    if _rpc(self.rpc_url, "evm_revert", record["snapshot"]):
                        record["snapshot"] = _rpc(self.rpc_url, "evm_snapshot")
                        record_path.write_text(json.dumps(record))
                        return self
            except OSError:
                pass
            record_path.unlink()  # gone or unusable: a new one
        self.port = anvil.free_port()
        args = [str(anvil.anvil_binary()), "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--chain-id", str(self.chain_id), "--silent"]
        # Its own session: it outlives this process, for the slot's next mutants.
        node = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self._answers():
            if time.monotonic() > deadline:
                raise anvil.AnvilError(f"anvil did not answer on {self.rpc_url}")
            time.sleep(0.05)
        snapshot = _rpc(self.rpc_url, "evm_snapshot")
        record = {"pid": node.pid, "port": self.port, "snapshot": snapshot}
        record_path.write_text(json.dumps(record))
        return self

    def shared_stop(self: Any) -> None:
        if not _mutant():
            anvil_stop(self)

    def shared_deploy(cls: Any, rpc_url: str, **kwargs: Any) -> Any:
        record_path = _anvil_record()
        record = json.loads(record_path.read_text()) if record_path.exists() else {}
        if (
            not _mutant()
            or record.get("port") is None
            or not rpc_url.endswith(f":{record['port']}")
        ):
            return original_deploy(cls, rpc_url, **kwargs)
        if "addresses" in record:
            return cls.connect(rpc_url, record["addresses"], **kwargs)
        chain = original_deploy(cls, rpc_url, **kwargs)
        record["addresses"] = chain.addresses
        record["snapshot"] = _rpc(rpc_url, "evm_snapshot")  # the base: contracts deployed
        record_path.write_text(json.dumps(record))
        return chain

    shared_start.lt_mutate = True  # type: ignore[attr-defined]
    anvil.Anvil.start = shared_start  # type: ignore[method-assign]
    anvil.Anvil.stop = shared_stop  # type: ignore[method-assign]
    deploy.SandboxChain.deploy = classmethod(shared_deploy)  # type: ignore[method-assign,assignment]


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
