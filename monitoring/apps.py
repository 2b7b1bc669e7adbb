"""Health checks, alerts, schedules and status."""

from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django_q.signals import pre_execute

        from . import checks, lockouts  # noqa: F401 - system checks, the lockout alert
        from .lifeline import lifeline_watch
        from .thread_connections import connection_guard

        # Every process, every server: a connection ends with the thread that opened it.
        connection_created.connect(connection_guard, dispatch_uid="lt-thread-connections")
        # With DEBUG on, Django logs each connection's queries until a request starts; a job
        # worker serves no request, so each job starts a new log (as each request does).
        pre_execute.connect(job_queries_reset, dispatch_uid="lt-job-queries")
        # A child of `make run` (lt_run) ends when lt_run does, however lt_run ends.
        lifeline_watch()


def job_queries_reset(**kwargs: object) -> None:
    from django.db import reset_queries

    reset_queries()
