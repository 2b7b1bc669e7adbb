from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

from execution.market_data import VenueMarketData
from execution.venue.session import reset_venue
from risk import market_data
from risk.market_data import StaticBooks

if TYPE_CHECKING:  # imported for real by pytest_plugins, so that pytest can rewrite it
    from monitoring.testing import SmtpServer
    from sandbox.chain import Anvil, SandboxChain
    from sandbox.testing import SandboxHandle

# The sandbox venue's fixtures (sandbox_venue, sandbox_factory): sandbox/testing.py.
pytest_plugins = ["sandbox.testing"]


@pytest.fixture
def admin_client_logged_in(db: None) -> Client:
    user = User.objects.create_superuser("root-admin", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def books() -> Iterator[StaticBooks]:
    """In-memory books, installed as the intake's market data for the test."""
    source = StaticBooks()
    previous = market_data.set_market_data(source)
    market_data._last_mids.clear()
    yield source
    market_data.set_market_data(previous)


@pytest.fixture
def live_venue(sandbox_venue: SandboxHandle, settings: Settings) -> Iterator[SandboxHandle]:
    """LT pointed at the sandbox venue as its live venue: settings, adapter, market data, and
    an executor that starts right after commit, in the test's thread."""
    settings.CLOB_HOST = sandbox_venue.url
    settings.SIGNER_PRIVATE_KEY = sandbox_venue.account.private_key
    settings.LIVE_TRADING = True
    settings.LT_EXECUTOR_AUTOSTART = True
    settings.LT_EXECUTOR_INLINE = True
    reset_venue()
    previous = market_data.set_market_data(VenueMarketData())
    market_data._last_mids.clear()  # the database is new; the "recorded already" memo is not
    yield sandbox_venue
    market_data.set_market_data(previous)
    reset_venue()


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and Django's mail pointed at it."""
    from monitoring.testing import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture(scope="session")
def anvil() -> Iterator[Anvil]:
    """One anvil for the whole session (the sandbox's and the redemption tests alike)."""
    from sandbox.chain import Anvil  # web3 is imported only by the tests that need a chain

    with Anvil() as node:
        yield node


@pytest.fixture(scope="session")
def sandbox_chain_session(anvil: Anvil) -> SandboxChain:
    from sandbox.chain import SandboxChain

    return SandboxChain.deploy(anvil.rpc_url)


@pytest.fixture
def sandbox_chain(sandbox_chain_session: SandboxChain) -> Iterator[SandboxChain]:
    """The deployed contracts, with every chain change of the test reverted afterwards."""
    w3 = sandbox_chain_session.w3
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
    yield sandbox_chain_session
    w3.provider.make_request("anvil_setAutomine", [True])  # type: ignore[arg-type]
    w3.provider.make_request("evm_revert", [snapshot])  # type: ignore[arg-type]
