"""The chain (for live trading): the RPC answers, its head moves, gas is under the cap.

A node that answers but has stopped following the chain is the dangerous case: resolutions
and redemptions would look pending for ever. Polygon makes a block about every 2 s, so a head
older than `chain_head_age_s` means the node stalled.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from redemption.chain import TRANSIENT_ERRORS, Chain
from redemption.transactions import GWEI, fee_cap_wei, fees_current

from .base import LIVE, Check, CheckResult, Context, Findings, threshold


def check_chain(ctx: Context) -> CheckResult:
    if not ctx.any_live:
        return Findings().result("chain", "not used: no live strategy", {"used": False})
    chain = Chain.connect(
        settings.CHAIN_RPC_URL, settings.CHAIN_CONTRACTS, timeout=threshold("chain_timeout_s")
    )
    found = Findings()
    details: dict[str, Any] = {"used": True, "rpc": settings.CHAIN_RPC_URL}
    try:
        number, stamp = chain.head()
        fees = fees_current(chain=chain)
    except TRANSIENT_ERRORS as error:
        found.fail(f"RPC unreachable: {type(error).__name__}: {error}")
        return found.result("chain", "", details | {"reachable": False})
    age = round(ctx.now.timestamp() - stamp, 1)
    details |= {
        "reachable": True,
        "head_block": number,
        "head_age_s": age,
        "max_fee_gwei": round(fees.max_fee_per_gas / GWEI, 3),
        "fee_cap_gwei": str(settings.REDEMPTION_MAX_FEE_GWEI),
    }
    limit = threshold("chain_head_age_s")
    found.fail_if(age > limit, f"head block {number} is {age:.0f} s old: the node stalled")
    found.warn_if(
        fees.max_fee_per_gas > fee_cap_wei(),
        f"redeems would pay {fees.max_fee_per_gas / GWEI:.0f} gwei, over the "
        f"{settings.REDEMPTION_MAX_FEE_GWEI} gwei cap: they wait",
    )
    return found.result("chain", f"block {number}, {age:.0f} s old", details)


CHAIN = Check(
    "chain",
    check_chain,
    LIVE,
    "Chain (RPC)",
    on_failing="Resolutions and redemptions wait (nothing is sent on a chain LT cannot "
    "see); trading goes on. Checked again every 5 minutes.",
)
