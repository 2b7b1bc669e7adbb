#!/usr/bin/env python
"""Django's command-line utility for LT."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltproject.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A configuration mistake is one line for the operator, not a traceback.
        sys.exit(f"ImproperlyConfigured: {error}")


if __name__ == "__main__":
    main()
