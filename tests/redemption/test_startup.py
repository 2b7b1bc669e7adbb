"""Live trading refuses to start with a wallet LT cannot drive or that is not the signer's:
CHAIN_CONTRACTS must know the wallet type's contracts (Polygon's are the defaults), the funder
must be the wallet Polymarket's factory derives for the signer, and a Safe must take ERC-1155."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from contracts import abi
from contracts.wallet_addresses import proxy_wallet_address, safe_address
from redemption.startup import check_live_safe, live_wallet_problem, safe_problem
from sandbox.chain import SandboxChain, SandboxWallets
from sandbox.chain.contract_deploy import contract_deploy
from tests.redemption.conftest import WALLET, WALLET_KEY

ROOT = Path(__file__).resolve().parent.parent.parent

# Polygon's factories (docs.polymarket.com/resources/contract-addresses, "Wallet Factory
# Contracts") and the init code hashes Polymarket's clients derive wallets with
# (Polymarket/py-builder-relayer-client py_builder_relayer_client/constants/constants.py,
# Polymarket/rs-clob-client src/lib.rs).
PROXY_FACTORY = "0xaB45c5A4B0c941a2F231C04C3f49182e1A254052"
PROXY_INIT_CODE_HASH = "0xd21df8dc65880a8606f09fe0ce3df9b8869287ab0b058be05aa9e8af6330a00b"
SAFE_FACTORY = "0xaacFeEa03eb1561C4e67d661e40682Bd20E3541b"
SAFE_INIT_CODE_HASH = "0x2bce2127ff07fb632d16c8347c4ebf501f4841168bed00d9e6ef715ddb6fcecf"
# anvil's account 0: the owner in the client libraries' derivation tests.
ANVIL_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ANVIL_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
# Published wallets of those owners:
# - Polymarket/rs-clob-client src/lib.rs, tests derive_proxy_wallet_polygon and
#   derive_safe_wallet_polygon (owner anvil's account 0);
# - Polymarket/py-builder-relayer-client tests/builder/test_derive.py, test_derive_safe.
ANVIL_0_PROXY = "0x365f0cA36ae1F641E02Fe3b7743673DA42A13a70"
ANVIL_0_SAFE = "0xd93b25Cb943D14d0d34FBAf01fc93a0F8b5f6e47"
RELAYER_TEST_OWNER = "0x6e0c80c90ea6c15917308F820Eac91Ce2724B5b5"
RELAYER_TEST_SAFE = "0x6d8c4e9aDF5748Af82Dabe2C6225207770d6B4fa"


def same(a: str, b: str) -> bool:
    # rs-clob-client writes its expected addresses without the EIP-55 checksum casing.
    return Web3.to_checksum_address(a) == Web3.to_checksum_address(b)


# --- derivation against published wallets -------------------------------------------------------


def test_proxy_wallet_of_a_published_owner_is_derived_from_polygons_factory():
    derived = proxy_wallet_address(
        ANVIL_0, factory=PROXY_FACTORY, init_code_hash=PROXY_INIT_CODE_HASH
    )
    assert same(derived, ANVIL_0_PROXY)


@pytest.mark.parametrize(
    ("owner", "published"),
    [(ANVIL_0, ANVIL_0_SAFE), (RELAYER_TEST_OWNER, RELAYER_TEST_SAFE)],
)
def test_safe_of_a_published_owner_is_derived_from_polygons_factory(owner, published):
    derived = safe_address(owner, factory=SAFE_FACTORY, init_code_hash=SAFE_INIT_CODE_HASH)
    assert same(derived, published)


def test_proxy_and_safe_salts_differ_as_the_factories_do():
    # Packed 20 bytes for proxies, a padded word for Safes: swapping them finds another wallet.
    as_safe = safe_address(ANVIL_0, factory=PROXY_FACTORY, init_code_hash=PROXY_INIT_CODE_HASH)
    assert not same(as_safe, ANVIL_0_PROXY)


# --- start-up with Polygon's defaults (a real process, as an operator starts it) ---------------


def start_live(**env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check` with live trading on and no CHAIN_CONTRACTS: Polygon's defaults."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CHAIN_", "RELAYER_", "SIGNER_", "FUNDER_"))
        and k not in ("LIVE_TRADING", "SIGNATURE_TYPE", "CLOB_HOST")
    }
    full = {
        **base,
        "DJANGO_SETTINGS_MODULE": "ltproject.settings",
        "DEBUG": "true",
        "DATABASE_URL": "sqlite:////tmp/lt-startup-check.sqlite3",
        # The public key of the client libraries' tests signs only beside a loopback venue and
        # chain; nothing listens on port 9, so the Safe's chain check can only warn.
        "CHAIN_RPC_URL": "http://127.0.0.1:9",
        "LIVE_TRADING": "true",
        "SIGNER_PRIVATE_KEY": ANVIL_0_KEY,
        "RELAYER_URL": "https://relayer-v2.polymarket.com",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused start-up prints (and nothing else)."""
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    return line


def test_live_start_with_a_proxy_wallet_uses_polygons_contracts_by_default():
    result = start_live(SIGNATURE_TYPE="1", FUNDER_ADDRESS=ANVIL_0_PROXY)
    assert result.returncode == 0, result.stderr


def test_live_start_with_a_deposit_wallet_finds_polygons_factory_by_default():
    # Deposit wallets are not derived here (their factory decides), only their contracts known.
    result = start_live(SIGNATURE_TYPE="3", FUNDER_ADDRESS="0x" + "5a" * 20)
    assert result.returncode == 0, result.stderr


def test_live_start_refuses_a_funder_that_is_not_the_signers_proxy_wallet():
    line = refusal(start_live(SIGNATURE_TYPE="1", FUNDER_ADDRESS=ANVIL_0_SAFE))
    expected = Web3.to_checksum_address(ANVIL_0_PROXY)
    assert line == (
        f"ImproperlyConfigured: FUNDER_ADDRESS {ANVIL_0_SAFE} is not the "
        f"proxy wallet of the signer {ANVIL_0}: Polymarket's proxy wallet factory puts it at "
        f"{expected}"
    )


def test_live_start_refuses_a_funder_that_is_not_the_signers_safe():
    line = refusal(start_live(SIGNATURE_TYPE="2", FUNDER_ADDRESS=ANVIL_0_PROXY))
    assert f"FUNDER_ADDRESS {ANVIL_0_PROXY} is not the Safe of the signer {ANVIL_0}" in line
    assert line.endswith(Web3.to_checksum_address(ANVIL_0_SAFE))


def test_live_start_with_the_signers_safe_only_warns_when_the_chain_cannot_be_asked():
    result = start_live(SIGNATURE_TYPE="2", FUNDER_ADDRESS=ANVIL_0_SAFE)
    assert result.returncode == 0, result.stderr
    assert "lt.W111" in result.stderr + result.stdout


# --- the configuration, in process ------------------------------------------------------------


@pytest.fixture
def live(settings):
    settings.LIVE_TRADING = True
    settings.SIGNER_PRIVATE_KEY = ANVIL_0_KEY
    settings.RELAYER_URL = "https://relayer-v2.polymarket.com"
    settings.CHAIN_CONTRACTS = {
        "ctf": "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045",
        "pusd": "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB",
        "legacy_collateral": "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174",
        "collateral_adapter": "0xAdA100Db00Ca00073811820692005400218FcE1f",
        "neg_risk_adapter": "0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296",
        "proxy_factory": PROXY_FACTORY,
        "proxy_relay_hub": "0xD216153c06E857cD7f72665E0aF1d7D82172F494",
        "proxy_init_code_hash": PROXY_INIT_CODE_HASH,
        "safe_factory": SAFE_FACTORY,
        "safe_init_code_hash": SAFE_INIT_CODE_HASH,
    }
    return settings


def test_nothing_is_refused_without_live_trading(live):
    live.LIVE_TRADING = False
    live.SIGNATURE_TYPE, live.FUNDER_ADDRESS = 1, ANVIL_0_SAFE
    assert live_wallet_problem() is None


@pytest.mark.parametrize(
    ("signature_type", "missing"),
    [
        (1, "proxy_factory, proxy_relay_hub, proxy_init_code_hash"),
        (2, "safe_factory, safe_init_code_hash"),
        (3, "deposit_wallet_factory"),
    ],
)
def test_a_wallet_type_whose_contracts_are_unknown_is_refused(live, signature_type, missing):
    for key in ("proxy_factory", "proxy_relay_hub", "proxy_init_code_hash", "safe_factory"):
        live.CHAIN_CONTRACTS.pop(key)
    live.CHAIN_CONTRACTS.pop("safe_init_code_hash")
    live.SIGNATURE_TYPE, live.FUNDER_ADDRESS = signature_type, ANVIL_0_SAFE
    problem = live_wallet_problem()
    assert problem is not None and problem.endswith(f"needs {missing} in CHAIN_CONTRACTS")


def test_an_eoa_needs_no_wallet_contracts(live):
    live.CHAIN_CONTRACTS = {k: live.CHAIN_CONTRACTS[k] for k in list(live.CHAIN_CONTRACTS)[:5]}
    live.SIGNATURE_TYPE, live.FUNDER_ADDRESS = 0, ""
    assert live_wallet_problem() is None


def test_unusable_chain_contracts_are_refused(live):
    live.CHAIN_CONTRACTS.pop("ctf")
    live.SIGNATURE_TYPE = 0
    assert live_wallet_problem() == (
        "CHAIN_CONTRACTS is not usable for live trading: KeyError: 'ctf'"
    )


def test_a_smart_wallet_without_the_relayer_is_refused(live):
    live.RELAYER_URL = ""
    live.SIGNATURE_TYPE, live.FUNDER_ADDRESS = 1, ANVIL_0_PROXY
    problem = live_wallet_problem()
    assert problem is not None and problem.startswith("SIGNATURE_TYPE 1 redeems through")


def test_the_signers_own_wallets_pass(live):
    live.SIGNATURE_TYPE, live.FUNDER_ADDRESS = 1, ANVIL_0_PROXY.lower()
    assert live_wallet_problem() is None
    live.SIGNATURE_TYPE, live.FUNDER_ADDRESS = 2, ANVIL_0_SAFE
    assert live_wallet_problem() is None


# --- the sandbox's wallets: the same derivation, the Safe's checks on a real chain -------------


@pytest.fixture
def sandbox_live(chain_settings, sandbox_chain: SandboxChain):
    chain_settings.LIVE_TRADING = True
    chain_settings.SIGNER_PRIVATE_KEY = WALLET_KEY
    chain_settings.RELAYER_URL = "http://127.0.0.1:1/relayer"
    return chain_settings


@pytest.mark.parametrize(("kind", "signature_type"), [("proxy", 1), ("safe", 2)])
def test_a_wallet_the_sandbox_factory_made_for_the_signer_passes_and_anothers_is_refused(
    sandbox_live, sandbox_chain, kind, signature_type
):
    wallets = SandboxWallets(sandbox_chain)
    sandbox_live.SIGNATURE_TYPE = signature_type
    sandbox_live.FUNDER_ADDRESS = wallets.create(kind, WALLET)
    assert live_wallet_problem() is None
    sandbox_live.FUNDER_ADDRESS = wallets.create(kind, sandbox_chain.deployer)
    problem = live_wallet_problem()
    assert problem is not None and "is not the" in problem


def test_the_signers_safe_on_the_chain_passes_the_safe_check(sandbox_live, sandbox_chain):
    sandbox_live.SIGNATURE_TYPE = 2
    sandbox_live.FUNDER_ADDRESS = SandboxWallets(sandbox_chain).create("safe", WALLET)
    assert check_live_safe() == []


def test_a_safe_that_is_not_deployed_is_refused(sandbox_live, sandbox_chain):
    sandbox_live.SIGNATURE_TYPE = 2
    sandbox_live.FUNDER_ADDRESS = SandboxWallets(sandbox_chain).address_for("safe", WALLET)
    (error,) = check_live_safe()
    assert error.id == "lt.E111" and error.msg.startswith("no Safe is deployed at")


def test_a_safe_without_a_fallback_handler_is_refused_as_it_refuses_positions(
    sandbox_live, sandbox_chain
):
    # A factory of the same master copy that sets no fallback handler: same init code, so the
    # signer's Safe from it passes the derivation check, but positions cannot reach it.
    w3, deployer = sandbox_chain.w3, sandbox_chain.deployer
    master_copy = (
        w3.eth.contract(address=sandbox_chain.addresses["safe_factory"], abi=abi("SafeFactory"))
        .functions.masterCopy()
        .call()
    )
    bare = contract_deploy(w3, deployer, "SafeFactory", master_copy, "0x" + "00" * 20)
    factory = w3.eth.contract(address=Web3.to_checksum_address(bare), abi=abi("SafeFactory"))
    sandbox_chain._transact(factory.functions.createSafe(WALLET))
    sandbox_live.CHAIN_CONTRACTS = {**sandbox_live.CHAIN_CONTRACTS, "safe_factory": bare}
    sandbox_live.SIGNATURE_TYPE = 2
    sandbox_live.FUNDER_ADDRESS = safe_address(
        WALLET, factory=bare, init_code_hash=sandbox_live.CHAIN_CONTRACTS["safe_init_code_hash"]
    )
    assert live_wallet_problem() is None
    (error,) = check_live_safe()
    assert error.id == "lt.E111" and "refuses ERC-1155 positions" in error.msg
    onchain = sandbox_chain.prepare_condition(b"\x71" * 32)
    with pytest.raises(RuntimeError, match="reverted"):  # what a fill into it would meet
        sandbox_chain.give_position(sandbox_live.FUNDER_ADDRESS, onchain, 0, 1_000_000)


def test_a_safe_the_signer_does_not_own_is_refused(chain_settings, sandbox_chain, chain):
    safe = SandboxWallets(sandbox_chain).create("safe", sandbox_chain.deployer)
    assert safe_problem(chain, safe=safe, signer=sandbox_chain.deployer) is None
    problem = safe_problem(chain, safe=safe, signer=WALLET)
    assert problem == f"the signer {WALLET} is not an owner of the Safe {safe}"
