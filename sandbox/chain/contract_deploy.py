"""Deploying one contract from `contracts/build` on the sandbox chain (anvil)."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from contracts import artifact

SANDBOX_GAS = 3_000_000  # explicit, so no estimate round trip (anvil's block limit is 30 M)


def contract_deploy(w3: Web3, deployer: str, name: str, *args: Any) -> str:
    """Deploy contract `name` from `deployer`; its address."""
    art = artifact(name)
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    tx_hash = factory.constructor(*args).transact({"from": deployer})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.01)
    if receipt["status"] != 1 or not receipt["contractAddress"]:
        raise RuntimeError(f"deploying {name} failed")
    return str(receipt["contractAddress"])
