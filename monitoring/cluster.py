"""The job cluster (django-q2) made to survive a killed process and to stop when told.

Why django-q2 1.11 alone wedges: its workers share one `multiprocessing.Queue` of tasks, and
`Queue.get()` holds the queue's read lock — a POSIX semaphore, which has no owner — for as
long as it waits for the next task. An idle worker spends nearly all its time there, so a
worker killed while idle (SIGKILL, the OOM killer, a SIGTERM sent to the whole process
group) takes the lock with it: the Sentinel starts a replacement, but neither it nor the
other workers can ever take a task again, and on SIGTERM none of them takes its STOP pill,
so the Sentinel waits for them for ever (and stops reaping, leaving `<defunct>` workers)
while the cluster ignores every further SIGTERM and SIGINT. The monitor's result queue has
the same lock. (django-q2 issue #23: "the cluster stops consuming after a worker dies".)

So here:

- A process of the cluster that a signal killed (a worker, the monitor or the pusher) may
  have taken a queue's lock with it: every process of the cluster is replaced, with new
  queues. The tasks the old processes held are redelivered by the ORM broker once their
  `retry` lapses (at-least-once delivery; every job is safe to run twice). A worker the
  Sentinel stops itself (timeout, recycling) is replaced as django-q2 does it.
- A stop request (SIGTERM, SIGINT) is django-q2's orderly stop, given STOP_SECONDS; then
  whatever is left of the cluster is killed. A running job is cut short and redelivered.
- A cluster that cannot work exits non-zero, so its supervisor (systemd, `make run`)
  starts it again: the Sentinel ended without being asked, or processes of the cluster died
  more than RENEWALS_MAX times within RENEWALS_WINDOW_SECONDS.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import time
import uuid
from collections import deque
from multiprocessing import Event
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from django import db
from django.db import reset_queries
from django_q.brokers import Broker, get_broker
from django_q.brokers.orm import ORM
from django_q.cluster import Sentinel, get_mp_context
from django_q.conf import Conf
from django_q.queues import Queue

log = logging.getLogger("django-q")

STOP_SECONDS = 7.0  # from the stop request to the killing of what is left: gone within 10 s
START_SECONDS = 60.0
POLL_SECONDS = 0.1
DRAIN_SECONDS = 2.0  # for the old monitor to save the results already in its queue
RENEWALS_MAX = 5
RENEWALS_WINDOW_SECONDS = 600.0
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>


class ClusterFailed(Exception):
    """The cluster cannot work; the message says why."""


class QueryLogFreeORM(ORM):
    """django-q2's ORM broker, except that each poll (the pusher's) and each acknowledgement
    (the monitor's, once it saved a result) starts a new query log. With DEBUG on, Django keeps
    each connection's last 9,000 queries until a request starts; neither process serves one,
    so their memory grew with every poll and every job until the logs were full."""

    def dequeue(self) -> Any:
        reset_queries()
        return super().dequeue()

    def acknowledge(self, task_id: Any) -> Any:
        reset_queries()
        return super().acknowledge(task_id)


def cluster_broker() -> Broker:
    """The broker the cluster's pusher and monitor use (the ORM one, query-log free)."""
    broker = get_broker()
    return QueryLogFreeORM(list_key=broker.list_key) if type(broker) is ORM else broker


class RenewingSentinel(Sentinel):
    """django-q2's Sentinel, except that a process killed by a signal renews the cluster."""

    # Set by django-q2's Sentinel (which has no type hints).
    pool: list[BaseProcess]
    monitor: BaseProcess
    pusher: BaseProcess
    event_out: Any
    task_queue: Queue
    result_queue: Queue

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.renewed_at: deque[float] = deque(maxlen=RENEWALS_MAX + 1)
        super().__init__(*args, **kwargs)  # runs the guard loop until the cluster stops

    def reincarnate(self, process: BaseProcess) -> None:
        if process not in (*self.pool, self.monitor, self.pusher):
            return  # of a generation already replaced (the guard loop's old list)
        if process.exitcode is not None and process.exitcode < 0:
            self.renew(dead=process)
        else:
            super().reincarnate(process)

    def renew(self, *, dead: BaseProcess) -> None:
        """Replace every process of the cluster and its queues (see the module's docstring)."""
        self.renewed_at.append(time.monotonic())
        if (
            len(self.renewed_at) > RENEWALS_MAX
            and self.renewed_at[-1] - self.renewed_at[0] < RENEWALS_WINDOW_SECONDS
        ):
            log.critical("cluster processes keep dying (%s renewals): giving up", RENEWALS_MAX)
            raise SystemExit(1)
        log.critical(
            "%s died of signal %s: replacing the cluster's processes and queues "
            "(the tasks they held come back after the broker's retry)",
            dead.name,
            -(dead.exitcode or 0),
        )
        self.event_out.set()  # the pusher stops taking tasks from the broker
        workers = [p for p in self.pool if p is not dead]
        _kill([p for p in (*workers, self.pusher) if p is not dead])
        self._drain_monitor(dead)
        for old in (self.task_queue, self.result_queue):
            old.cancel_join_thread()  # its lock may be gone with `dead`: never wait on it
            old.close()
        self.task_queue = Queue(maxsize=Conf.QUEUE_LIMIT) if Conf.QUEUE_LIMIT else Queue()
        self.result_queue = Queue()
        self.event_out = Event()
        # In place: the guard loop is iterating this very list.
        del self.pool[:]
        db.connections.close_all()  # not inherited by the new processes
        for _ in range(self.pool_size):
            self.spawn_worker()
        self.monitor = self.spawn_monitor()
        self.pusher = self.spawn_pusher()
        self.reincarnations += 1

    def _drain_monitor(self, dead: BaseProcess) -> None:
        """Let a live monitor save the results already queued (they ack their tasks)."""
        if self.monitor is dead or not self.monitor.is_alive():
            return
        self.result_queue.put("STOP")
        self.monitor.join(timeout=DRAIN_SECONDS)
        _kill([self.monitor])


def _kill(processes: list[BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    for process in processes:
        process.join(timeout=5)


def cluster_run() -> None:
    """Run the cluster until SIGTERM/SIGINT (then return) or until it cannot work
    (ClusterFailed)."""
    asked: list[float] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        asked.append(time.monotonic())

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    _adopt_orphans()
    stop_event, start_event = Event(), Event()
    db.connections.close_all()  # the Sentinel opens its own
    sentinel = get_mp_context().Process(
        target=RenewingSentinel,
        args=(stop_event, start_event, uuid.uuid4(), cluster_broker(), None),
        name=f"Sentinel-{uuid.uuid4().hex}",
    )
    sentinel.start()
    try:
        _wait(sentinel, start_event, asked)
        while not asked:
            if not sentinel.is_alive():
                raise ClusterFailed(f"the Sentinel exited with {sentinel.exitcode}")
            time.sleep(POLL_SECONDS)
        stop_event.set()
        sentinel.join(timeout=max(0.0, asked[0] + STOP_SECONDS - time.monotonic()))
    finally:
        _end(sentinel)


def _wait(sentinel: BaseProcess, start_event: Any, asked: list[float]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not start_event.is_set() and not asked:
        if not sentinel.is_alive():
            raise ClusterFailed(f"the cluster did not start (Sentinel exit {sentinel.exitcode})")
        if time.monotonic() > deadline:
            raise ClusterFailed(f"the cluster did not start within {START_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)


def _adopt_orphans() -> None:
    """Processes of the cluster whose parent died (the Sentinel killed) become this
    process's children rather than init's, so that `_end` finds and ends them."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _end(sentinel: BaseProcess) -> None:
    """Kill whatever of the cluster is still there (nothing, after an orderly stop)."""
    if sentinel.is_alive():
        log.error("the cluster did not stop within %.0f s: killing it", STOP_SECONDS)
    left = _descendants(os.getpid())  # the Sentinel, its processes, and any it orphaned
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    # After its processes: they hold the pipe that tells `join` the Sentinel ended.
    sentinel.join(timeout=5)
    for pid in left:
        if pid != sentinel.pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)  # adopted: reaped here, or they stay <defunct>


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
