"""What the stream benchmarks share: LT trading live on an in-process sandbox venue, one of
its markets known to LT, and another trader funded to take LT's orders and move its book."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from execution.markets import market_refresh
from execution.models import Market
from execution.venue import VenueAdapter
from execution.venue.session import get_venue, reset_venue
from sandbox.testing import OTHER_PRIVATE_KEY, TEST_PRIVATE_KEY, SandboxHandle, start_sandbox

SLUG = "btc-above-150k-2026"


@dataclass
class LiveSandbox:
    sandbox: SandboxHandle
    lt: VenueAdapter  # LT's own adapter (the process's venue session)
    other: VenueAdapter  # another trader
    market: Market
    token: str  # the market's YES token


def live_sandbox(*, seed: int) -> LiveSandbox:
    """LT pointed at a new sandbox venue as its live venue, its executor sending at once (as
    in production), the other trader holding pUSD and shares, LT holding shares to sell."""
    sandbox = start_sandbox(seed=seed)
    settings.CLOB_HOST, settings.SIGNER_PRIVATE_KEY = sandbox.url, TEST_PRIVATE_KEY
    settings.LIVE_TRADING = True
    settings.LT_EXECUTOR_AUTOSTART = settings.LT_EXECUTOR_INLINE = True
    reset_venue()
    lt = get_venue()
    lt.connect()
    market = market_refresh(venue=lt, condition_id=sandbox.market(SLUG).condition_id)
    token = market.tokens.get(outcome_index=0).token_id
    sandbox.fund(sandbox.account.address, pusd=1_000_000, token_id=token, shares=1_000_000)
    sandbox.fund(sandbox.other_account.address, pusd=10_000_000, token_id=token, shares=10**7)
    other = VenueAdapter(host=sandbox.url, chain_id=137, private_key=OTHER_PRIVATE_KEY)
    other.connect()
    return LiveSandbox(sandbox=sandbox, lt=lt, other=other, market=market, token=token)
