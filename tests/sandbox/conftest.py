from __future__ import annotations

import pytest

from sandbox.chain import SandboxChain


@pytest.fixture
def clob(sandbox_venue):
    """The real py-clob-client-v2, with L2 credentials, for the funded test account."""
    return sandbox_venue.client()


@pytest.fixture
def btc(sandbox_venue):
    return sandbox_venue.market("btc-above-150k-2026")


@pytest.fixture
def mayor_alice(sandbox_venue):
    return sandbox_venue.market("mayor-election-alice")


@pytest.fixture
def chain(sandbox_chain: SandboxChain) -> SandboxChain:
    """The sandbox chain (tests/conftest.py), reverted after each test."""
    return sandbox_chain
