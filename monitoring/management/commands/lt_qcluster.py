"""`manage.py lt_qcluster`: LT's job cluster — django-q2's, made to survive a killed
process and to stop within 10 s of SIGTERM (see monitoring/cluster.py). Exits 0 when told to
stop, non-zero when the cluster cannot work, so a supervisor starts it again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.cluster import ClusterFailed, cluster_run


class Command(BaseCommand):
    help = "Run the job cluster (django-q2) until SIGTERM or SIGINT."

    def handle(self, *args: Any, **options: Any) -> None:
        # Task packages are signed with it: fail now, not in every worker.
        assert settings.SECRET_KEY
        try:
            cluster_run()
        except ClusterFailed as error:
            raise CommandError(str(error)) from None
