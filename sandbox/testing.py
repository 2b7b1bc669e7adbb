"""pytest plugin: a sandbox venue on a free port, controlled in-process.

Register with `pytest_plugins = ["sandbox.testing"]` (tests/conftest.py does). Fixtures:

- `sandbox_venue`: a fresh venue + server per test (default scenario, seed 0, clock frozen
  until the test steps it);
- `sandbox_factory`: call it with `scenario=`, `seed=`, `start=`, `chain=` (a SandboxChain:
  markets become real conditions, funding and fills settle on-chain) for another one.

The handle (`SandboxHandle`) offers `.url`, `.ws_url` (the WebSocket channels are
`{ws_url}/ws/market` and `{ws_url}/ws/user`), `.venue`, `.faults`, `.step(n)`, `.advance(s)`,
`.fund(address, pusd=, token_id=, shares=)`, `.resolve(condition_id, winner_token_id)`,
`.orders()`, `.market(slug)`, `.drop_websockets()`, `.account` (a funded test EOA) and
`.client()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from sandbox import views
from sandbox.faults import Faults
from sandbox.scenario import Market, Scenario
from sandbox.server import SandboxServer
from sandbox.units import parse_units
from sandbox.venue import Venue

if TYPE_CHECKING:
    from sandbox.chain import SandboxChain

# anvil's first well-known dev account; the default scenario funds it with 10,000 pUSD.
TEST_PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
TEST_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
# anvil's second account: known, unfunded (a second trader for tests that need one).
OTHER_PRIVATE_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
OTHER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


@dataclass(frozen=True, slots=True)
class TestAccount:
    private_key: str
    address: str


class SandboxHandle:
    def __init__(self, venue: Venue, server: SandboxServer) -> None:
        self.venue = venue
        self.server = server
        self.account = TestAccount(TEST_PRIVATE_KEY, TEST_ADDRESS)
        self.other_account = TestAccount(OTHER_PRIVATE_KEY, OTHER_ADDRESS)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}"

    @property
    def faults(self) -> Faults:
        return self.venue.faults

    def drop_websockets(self) -> int:
        """End every WebSocket connection at once, as the venue sometimes does; how many."""
        return self.venue.feed.drop_all()

    def step(self, n: int = 1) -> None:
        self.venue.step(n)

    def advance(self, seconds: float) -> None:
        self.venue.advance(seconds)

    def fund(
        self,
        address: str,
        *,
        pusd: Decimal | int | str = 0,
        token_id: str = "",
        shares: Decimal | int | str = 0,
        signer: str = "",
    ) -> None:
        """Credit whole pUSD / shares (not base units)."""
        self.venue.fund(
            address,
            pusd=parse_units(pusd),
            token_id=token_id,
            shares=parse_units(shares),
            signer=signer,
        )

    def resolve(self, condition_id: str, winner_token_id: str) -> None:
        self.venue.resolve(condition_id, winner_token_id)

    def orders(self) -> list[dict[str, Any]]:
        return [views.order_json(self.venue, o) for o in self.venue.orders()]

    def market(self, slug: str) -> Market:
        return self.venue.scenario.market(slug)

    def client(self, private_key: str = TEST_PRIVATE_KEY, **options: Any) -> Any:
        """A py-clob-client-v2 ClobClient with L2 credentials, talking HTTP to this venue."""
        from py_clob_client_v2.client import ClobClient

        client = ClobClient(self.url, chain_id=137, key=private_key, **options)
        client.set_api_creds(client.create_or_derive_api_key())
        return client

    def stop(self) -> None:
        self.server.stop()


def start_sandbox(
    scenario: Scenario | None = None,
    *,
    seed: int = 0,
    start: float | None = None,
    chain: SandboxChain | None = None,
) -> SandboxHandle:
    venue = Venue(scenario, seed=seed, start=start, chain=chain)
    return SandboxHandle(venue, SandboxServer(venue).start())


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxHandle]]:
    started: list[SandboxHandle] = []

    def make(**options: Any) -> SandboxHandle:
        handle = start_sandbox(**options)
        started.append(handle)
        return handle

    yield make
    for handle in started:
        handle.stop()


@pytest.fixture
def sandbox_venue(sandbox_factory: Callable[..., SandboxHandle]) -> SandboxHandle:
    return sandbox_factory()
