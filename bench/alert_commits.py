"""Commits N alerts one by one (for `bench_alerts`; see there) and prints, as JSON, when each
committed: {alert id: unix time}.

Usage: python -m bench.alert_commits N   (production settings: tasks go through the broker)
"""

from __future__ import annotations

import json
import random
import sys
import time

import django

django.setup()

from django.db import transaction  # noqa: E402

from monitoring.alerts import alert_create  # noqa: E402
from monitoring.models import Alert  # noqa: E402

SPACING_S = 0.2


def main(n: int) -> None:
    rng = random.Random(0)
    committed: dict[int, float] = {}
    for i in range(n):
        critical = i % 5 == 0
        with transaction.atomic():
            alert = alert_create(
                reason_code="BENCH",
                subject=f"bench alert {i}",
                severity=Alert.Severity.CRITICAL if critical else Alert.Severity.WARNING,
                context={"n": i},
                dedupe_key=f"bench:{i}",
            )
        committed[alert.pk] = time.time()  # the commit (and its queued task) is done
        time.sleep(SPACING_S * rng.uniform(0.5, 1.5))
    print(json.dumps(committed))


if __name__ == "__main__":
    main(int(sys.argv[1]))
