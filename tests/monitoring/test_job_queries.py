"""A q-cluster worker keeps no query log across jobs: with DEBUG on (make run, make soak),
Django logs each connection's queries until a request starts, and a worker serves none, so
its memory grew with every job it ran until it was recycled."""

from __future__ import annotations

from multiprocessing import Value
from queue import Queue
from typing import Any

import pytest
from django.db import connection
from django_q.worker import worker
from pytest_django.fixtures import Settings

from monitoring.cluster import cluster_broker
from strategies.models import Strategy

pytestmark = pytest.mark.django_db
JOBS = 30


def three_queries() -> int:
    return sum(Strategy.objects.count() for _ in range(3))


def test_a_worker_running_many_jobs_keeps_only_the_last_jobs_queries(settings: Settings) -> None:
    settings.DEBUG = True
    tasks: Queue[Any] = Queue()
    results: Queue[Any] = Queue()
    for n in range(JOBS):
        tasks.put(
            {"id": f"job-{n}", "name": f"job-{n}", "func": f"{__name__}.three_queries",
             "args": (), "kwargs": {}, "sync": True}
        )  # fmt: skip
    tasks.put("STOP")
    worker(tasks, results, Value("f", -1), timeout=-1)  # django-q2's worker loop, in-process
    assert results.qsize() == JOBS
    assert all(results.get()["success"] for _ in range(JOBS))
    assert len(connection.queries_log) <= 3  # the last job's, not 3 x 30


def test_the_clusters_broker_keeps_no_query_log_across_polls(settings: Settings) -> None:
    """The pusher polls the broker twice a second and the monitor acknowledges every job."""
    settings.DEBUG = True
    broker = cluster_broker()
    ids = [broker.enqueue(f"payload-{n}") for n in range(JOBS)]
    for _ in range(JOBS):
        assert broker.dequeue()
    assert len(connection.queries_log) <= 3  # the last poll's, not every poll's
    for task_id in ids:
        broker.acknowledge(task_id)
    assert len(connection.queries_log) <= 3
