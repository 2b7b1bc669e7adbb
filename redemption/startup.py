"""Refusals before live trading starts: a wallet LT cannot drive, or one that is not the
signer's, stops start-up with one line instead of failing at the first winner.

- `live_wallet_problem()` (configuration only, no I/O): CHAIN_CONTRACTS must name the contracts
  the wallet type needs, types 1-3 need the relayer, and for a proxy wallet (1) or a Safe (2)
  FUNDER_ADDRESS must be the wallet Polymarket's factory derives for the signer — otherwise
  orders and redemptions would be for somebody else's wallet. `refuse_unusable_wallet()` raises
  it as ImproperlyConfigured from the app's ready(), so every process (web, jobs, commands)
  refuses alike. Only imported when LIVE_TRADING is on: web3 costs a second to import.
- `check_live_safe` (a system check, reads the chain): a configured Safe must exist, be owned by
  the signer and take ERC-1155 positions (a Safe without a fallback handler refuses them, so
  every fill into it would fail).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from eth_account import Account
from web3 import Web3

from contracts.wallet_addresses import proxy_wallet_address, safe_address

from .chain import TRANSIENT_ERRORS, Chain, Contracts

# The CHAIN_CONTRACTS keys each signature type needs beyond the CTF's and collateral's.
WALLET_CONTRACTS: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("proxy_factory", "proxy_relay_hub", "proxy_init_code_hash"),
    2: ("safe_factory", "safe_init_code_hash"),
    3: ("deposit_wallet_factory",),
}
WALLET_NAMES = {1: "proxy wallet", 2: "Safe", 3: "deposit wallet"}
CHAIN_CHECK_TIMEOUT = 3  # seconds per RPC call: start-up does not wait long for a slow node


def live_wallet_problem() -> str | None:
    """Why live trading must not start with this configuration (one line), or None."""
    if not settings.LIVE_TRADING:
        return None
    signature_type = int(settings.SIGNATURE_TYPE)
    try:
        contracts = Contracts.from_mapping(dict(settings.CHAIN_CONTRACTS))
    except (KeyError, TypeError, ValueError) as exc:
        return f"CHAIN_CONTRACTS is not usable for live trading: {type(exc).__name__}: {exc}"
    missing = [k for k in WALLET_CONTRACTS[signature_type] if not getattr(contracts, k)]
    if missing:
        return (
            f"SIGNATURE_TYPE {signature_type} ({WALLET_NAMES[signature_type]}) needs "
            f"{', '.join(missing)} in CHAIN_CONTRACTS"
        )
    if signature_type != 0 and not settings.RELAYER_URL:
        return (
            f"SIGNATURE_TYPE {signature_type} redeems through Polymarket's relayer: set "
            "RELAYER_URL (https://relayer-v2.polymarket.com) and RELAYER_API_KEY"
        )
    if signature_type in (1, 2):
        return _funder_problem(signature_type, contracts)
    return None


def _funder_problem(signature_type: int, contracts: Contracts) -> str | None:
    signer = str(Account.from_key(settings.SIGNER_PRIVATE_KEY).address)
    expected = derived_wallet(signature_type, signer, contracts)
    funder = str(settings.FUNDER_ADDRESS)
    if Web3.is_address(funder) and Web3.to_checksum_address(funder) == expected:
        return None
    name = WALLET_NAMES[signature_type]
    return (
        f"FUNDER_ADDRESS {funder} is not the {name} of the signer {signer}: "
        f"Polymarket's {name} factory puts it at {expected}"
    )


def derived_wallet(signature_type: int, owner: str, contracts: Contracts) -> str:
    """The address of `owner`'s proxy wallet (1) or Safe (2) under these contracts."""
    if signature_type == 1:
        return proxy_wallet_address(
            owner, factory=contracts.proxy_factory, init_code_hash=contracts.proxy_init_code_hash
        )
    if signature_type == 2:
        return safe_address(
            owner, factory=contracts.safe_factory, init_code_hash=contracts.safe_init_code_hash
        )
    raise ValueError(f"signature type {signature_type} has no derived wallet")


def refuse_unusable_wallet() -> None:
    problem = live_wallet_problem()
    if problem:
        raise ImproperlyConfigured(problem)


def safe_problem(chain: Chain, *, safe: str, signer: str) -> str | None:
    """Why this Safe cannot hold LT's positions, or None."""
    if not chain.has_code(safe):
        return f"no Safe is deployed at FUNDER_ADDRESS {safe}"
    if not chain.safe_is_owner(safe, signer):
        return f"the signer {signer} is not an owner of the Safe {safe}"
    if not chain.accepts_positions(safe):
        return (
            f"the Safe {safe} refuses ERC-1155 positions (no fallback handler): every fill "
            "into it would fail; set Safe 1.3's CompatibilityFallbackHandler on it"
        )
    return None


@register()
def check_live_safe(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.LIVE_TRADING or int(settings.SIGNATURE_TYPE) != 2:
        return []
    if live_wallet_problem():
        return []  # ready() refuses this configuration already
    chain = Chain.connect(
        settings.CHAIN_RPC_URL, dict(settings.CHAIN_CONTRACTS), timeout=CHAIN_CHECK_TIMEOUT
    )
    safe = Web3.to_checksum_address(settings.FUNDER_ADDRESS)
    signer = str(Account.from_key(settings.SIGNER_PRIVATE_KEY).address)
    try:
        problem = safe_problem(chain, safe=safe, signer=signer)
    except TRANSIENT_ERRORS as exc:
        # Trading does not need the chain; redemption will, and its health check says so.
        message = f"could not check the Safe {safe} on {settings.CHAIN_RPC_URL}: {exc}"
        return [Warning(message, obj="settings.FUNDER_ADDRESS", id="lt.W111")]
    if problem:
        return [Error(problem, obj="settings.FUNDER_ADDRESS", id="lt.E111")]
    return []
