"""System checks that refuse a job-queue configuration unsafe for trading.

django-q2 only warns about these; for LT they decide whether a job can run twice at once
or replay every missed tick after downtime, so a wrong value stops `manage.py` from starting.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def check_q_cluster(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    conf: dict[str, Any] = getattr(settings, "Q_CLUSTER", {})
    errors: list[CheckMessage] = []

    def fail(code: str, message: str) -> None:
        errors.append(Error(message, obj="settings.Q_CLUSTER", id=f"lt.{code}"))

    if conf.get("orm") != "default":
        fail("E001", "Q_CLUSTER['orm'] must be 'default' so jobs commit with the data they touch.")
    timeout, retry = conf.get("timeout"), conf.get("retry")
    if not timeout or not retry or retry < 2 * timeout:
        fail("E002", "Q_CLUSTER needs a timeout and retry >= 2 × timeout.")
    if not conf.get("max_attempts"):
        fail("E003", "Q_CLUSTER['max_attempts'] must be a small positive number, not unlimited.")
    if conf.get("catch_up", True):
        fail("E004", "Q_CLUSTER['catch_up'] must be False: missed trading ticks run once.")
    return errors
