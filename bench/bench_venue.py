"""`sign_order` and `bare_client_post`: the venue client path against the sandbox on loopback.

- `sign_order`: the adapter signs an order and computes its hash, no I/O (target ≤ 1 ms).
- `bare_client_post`: py-clob-client-v2 alone, `create_order` + `post_order` of a resting
  GTC order, one round trip per order over keep-alive HTTP — the floor the executor's
  signal→POST path is compared with.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltproject.test_settings")
django.setup()

from py_clob_client_v2.client import ClobClient  # noqa: E402
from py_clob_client_v2.clob_types import OrderArgsV2, PartialCreateOrderOptions  # noqa: E402

from bench.stats import latency_figures  # noqa: E402
from execution.venue import OrderRequest, VenueAdapter  # noqa: E402
from ltproject.domain import Side  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402
from sandbox.testing import TEST_PRIVATE_KEY  # noqa: E402
from sandbox.venue import Venue  # noqa: E402

N_SIGN = 1000
N_POST = 500
WARMUP = 20


def _sign_order(url: str, token: str) -> dict[str, float | int | str]:
    adapter = VenueAdapter(host=url, chain_id=137, private_key=TEST_PRIVATE_KEY)
    adapter.connect()
    request = OrderRequest(token_id=token, side=Side.BUY, price=Decimal("0.20"), size=Decimal(10))
    tick = Decimal("0.01")
    for _ in range(WARMUP):
        adapter.sign_order(request, tick_size=tick)
    samples = []
    for _ in range(N_SIGN):
        started = time.perf_counter()
        adapter.sign_order(request, tick_size=tick)
        samples.append(time.perf_counter() - started)
    return dict(latency_figures(samples))


def _bare_client_post(url: str, token: str) -> dict[str, float | int | str]:
    client = ClobClient(url, chain_id=137, key=TEST_PRIVATE_KEY)
    client.set_api_creds(client.create_or_derive_api_key())
    options = PartialCreateOrderOptions(tick_size="0.01")
    args = OrderArgsV2(token_id=token, price=0.05, size=5, side="BUY")
    for _ in range(WARMUP):
        client.post_order(client.create_order(args, options))
    samples = []
    for _ in range(N_POST):
        started = time.perf_counter()
        client.post_order(client.create_order(args, options))
        samples.append(time.perf_counter() - started)
    return dict(latency_figures(samples))


def run() -> dict[str, dict[str, float | int | str]]:
    venue = Venue(seed=0)
    server = SandboxServer(venue).start()
    try:
        token = venue.scenario.markets[0].yes.token_id
        return {
            "sign_order": {**_sign_order(server.url, token), "target_ms": 1.0},
            "bare_client_post": _bare_client_post(server.url, token),
        }
    finally:
        server.stop()
