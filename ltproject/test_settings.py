"""Test settings: the production settings with test-only overrides in this one place."""

from __future__ import annotations

import os

# Tests run on PostgreSQL (the invariants rely on its row locks and constraints).
os.environ.setdefault("DATABASE_URL", "postgres://root@127.0.0.1:5432/lt")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")

from ltproject.settings import *  # noqa: F403
from ltproject.settings import Q_CLUSTER

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
ALERT_EMAILS = ["ops@example.com"]
# Intake tests observe decisions alone; execution tests drive the executor themselves (and
# turn this on to test the after-commit start).
LT_EXECUTOR_AUTOSTART = False
LT_EXECUTOR_INLINE = True
# Tests flush venue metrics themselves (a background writer would commit outside the test's
# transaction); warnings are not held back for batching unless a test asks.
LT_VENUE_METRICS_FLUSH_SECONDS = 0
ALERT_BATCH_SECONDS = 0
