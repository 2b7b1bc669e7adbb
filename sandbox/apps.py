from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The sandbox venue has no models; it is an app only for `manage.py lt_sandbox`."""

    name = "sandbox"
    verbose_name = "Sandbox venue"
