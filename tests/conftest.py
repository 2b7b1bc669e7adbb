from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

# The sandbox venue's fixtures (sandbox_venue, sandbox_factory): sandbox/testing.py.
pytest_plugins = ["sandbox.testing"]


@pytest.fixture
def admin_client_logged_in(db: None) -> Client:
    user = User.objects.create_superuser("root-admin", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client
