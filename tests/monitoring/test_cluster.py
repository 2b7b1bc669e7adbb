"""`manage.py lt_qcluster`, the real processes on the test database: killed workers are
replaced and the cluster keeps working, SIGTERM stops it within 10 s even with a job
running, and a cluster that cannot work exits non-zero with nothing of it left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from monitoring.cluster import RENEWALS_MAX, STOP_SECONDS

ROOT = Path(__file__).resolve().parent.parent.parent
REPLACED_SECONDS = 30.0  # a killed worker replaced, and a task done, within this
STOP_LIMIT_SECONDS = 10.0
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":  # a zombie is gone already, waiting to be reaped
                found.setdefault(int(fields[1]), []).append(int(entry.name))
    return found


def _below(pid: int) -> list[int]:
    children, found, todo = _children(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


class _Cluster:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    @property
    def sentinel(self) -> int:
        (sentinel,) = _children().get(self.process.pid, [])
        return sentinel

    def workers(self) -> list[int]:
        """The Sentinel's children but the monitor and the pusher (its last two)."""
        try:
            return sorted(_children().get(self.sentinel, []))[:-2]
        except ValueError:
            return []

    def running(self) -> bool:
        try:
            return len(_children().get(self.sentinel, [])) == 2 + 2  # 2 workers, monitor, pusher
        except ValueError:
            return False


@pytest.fixture
def cluster() -> Iterator[_Cluster]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "Q_WORKERS": "2",
        "LOG_LEVEL_JOBS": "CRITICAL",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lt_qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    handle = _Cluster(process)
    try:
        assert _wait_for(handle.running, 60), "the cluster did not start"
        yield handle
    finally:
        everything = [process.pid, *_below(process.pid)]
        for pid in everything:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)


def _done(task_id: str) -> bool:
    return Task.objects.filter(id=task_id, success=True).exists()


def test_killed_workers_are_replaced_the_cluster_works_and_stops_on_sigterm(
    cluster: _Cluster,
) -> None:
    before = cluster.workers()
    # Every worker: one of them waits for a task holding the task queue's lock.
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert _wait_for(lambda: cluster.running() and not set(cluster.workers()) & set(before), 30)
    task = async_task("math.floor", 2.5, sync=False)
    assert _wait_for(lambda: _done(task), REPLACED_SECONDS - (time.monotonic() - killed_at))

    # A stop while a job runs: the job is cut short, the cluster gone within 10 s.
    async_task("time.sleep", 60, sync=False)
    assert _wait_for(_claimed, 10)  # the pusher took it from the broker...
    time.sleep(1)  # ...and a worker from the pusher
    everything = [cluster.process.pid, *_below(cluster.process.pid)]
    asked = time.monotonic()
    cluster.process.send_signal(signal.SIGTERM)
    code = cluster.process.wait(timeout=30)
    assert time.monotonic() - asked < STOP_LIMIT_SECONDS
    assert code == 0
    assert not [pid for pid in everything if _alive(pid)]


def _claimed() -> bool:
    """A task taken from the broker: locked until its `retry` lapses."""
    return OrmQ.objects.filter(lock__gt=timezone.now()).exists()


def test_a_stop_without_a_job_running_is_orderly_and_quick(cluster: _Cluster) -> None:
    everything = [cluster.process.pid, *_below(cluster.process.pid)]
    asked = time.monotonic()
    cluster.process.send_signal(signal.SIGINT)
    assert cluster.process.wait(timeout=30) == 0
    assert time.monotonic() - asked < STOP_SECONDS  # not the kill after STOP_SECONDS
    assert not [pid for pid in everything if _alive(pid)]


def test_a_cluster_whose_sentinel_is_killed_exits_non_zero_and_leaves_nothing(
    cluster: _Cluster,
) -> None:
    everything = [cluster.process.pid, *_below(cluster.process.pid)]
    os.kill(cluster.sentinel, signal.SIGKILL)
    assert cluster.process.wait(timeout=STOP_LIMIT_SECONDS) != 0
    assert _wait_for(lambda: not [pid for pid in everything if _alive(pid)], 5)


def test_the_cluster_gives_up_when_its_processes_keep_dying(cluster: _Cluster) -> None:
    for renewal in range(RENEWALS_MAX + 1):
        assert cluster.process.poll() is None, f"gave up after {renewal} renewals"
        assert _wait_for(cluster.running, 30)
        victim = cluster.workers()[0]
        os.kill(victim, signal.SIGKILL)

        def replaced_or_ended(victim: int = victim) -> bool:  # the last time, the end
            ended = cluster.process.poll() is not None
            return ended or (cluster.running() and victim not in cluster.workers())

        assert _wait_for(replaced_or_ended, 30)
    assert cluster.process.wait(timeout=STOP_LIMIT_SECONDS) != 0
