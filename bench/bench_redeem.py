"""`redeem_100`: redeem 100 resolved winners on anvil — wall time and RPC calls per redeem.

Runs in its own throw-away PostgreSQL database (`lt_bench_redeem`) and its own anvil, so it
touches neither the suite's database nor a running sandbox.
"""

from __future__ import annotations

import statistics
import time
from decimal import Decimal
from typing import Any

N = 100


def run() -> dict[str, dict[str, Any]]:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import override_settings

    from sandbox.chain import ANVIL_KEYS, Anvil, SandboxChain

    connection.settings_dict["TEST"]["NAME"] = "lt_bench_redeem"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with Anvil() as anvil:
            sandbox = SandboxChain.deploy(anvil.rpc_url)
            overrides = {
                "SIGNER_PRIVATE_KEY": ANVIL_KEYS[1],
                "SIGNATURE_TYPE": 0,
                "CHAIN_RPC_URL": anvil.rpc_url,
                "CHAIN_CONTRACTS": dict(sandbox.addresses),
                "REDEMPTION_CONFIRMATIONS": 1,
                "REDEMPTION_PRIORITY_FEE_GWEI": 1,
            }
            with override_settings(**overrides):
                return {"redeem_100": _measure(sandbox)}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _measure(sandbox: Any) -> dict[str, Any]:
    from redemption.chain import Chain, CountingHTTPProvider
    from redemption.models import Redemption, RedemptionState
    from redemption.resolution import resolutions_detect
    from redemption.services import process_one_redemption
    from tests.redemption.conftest import WALLET, hold

    chain = Chain.connect(sandbox.rpc_url, sandbox.addresses)
    for _ in range(N):
        held = hold(sandbox, outcome=0, shares=Decimal("2"))
        sandbox.resolve(held.onchain, held.onchain.yes_token_id)
    resolutions_detect(chain=chain)
    before = sandbox.pusd_balance(WALLET)
    calls_before = CountingHTTPProvider.calls
    seen: set[int] = set()
    timings: list[float] = []
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        pk = process_one_redemption(chain=chain, exclude=seen)
        if pk is None:
            break
        timings.append((time.perf_counter() - t0) * 1000)
        seen.add(pk)
    wall = time.perf_counter() - started
    confirmed = Redemption.objects.filter(state=RedemptionState.CONFIRMED).count()
    rpc = CountingHTTPProvider.calls - calls_before
    return {
        "n": N,
        "confirmed": confirmed,
        "paid_pusd": str(Decimal(sandbox.pusd_balance(WALLET) - before).scaleb(-6)),
        "wall_s": round(wall, 3),
        "per_s": round(N / wall, 1),
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(sorted(timings)[int(len(timings) * 0.99) - 1], 2),
        "rpc_calls_per_redeem": round(rpc / N, 2),
    }
