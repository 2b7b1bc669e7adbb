"""Polymarket smart wallets on the sandbox chain: Safes, proxy wallets and deposit wallets.

Their owners cannot send transactions from them; the owner signs a wallet call (see
redemption/wallet_calls.py) and the relayer executes it. `SandboxWallets.execute` is that
relayer's on-chain half: it takes a `/submit` body and sends the matching transaction.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_account import Account
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from contracts import artifact

from .deploy import SANDBOX_GAS, _deploy

if TYPE_CHECKING:
    from .deploy import SandboxChain


@dataclass(frozen=True)
class _Kind:
    contract: str  # the wallet's artifact
    create: str  # the factory's functions
    address_of: str


# Keyed by the values of redemption's WalletType.
_KINDS = {
    "safe": _Kind("SafeWallet", "createSafe", "safeFor"),
    "proxy": _Kind("ProxyWallet", "createProxy", "proxyFor"),
    "deposit_wallet": _Kind("DepositWallet", "createWallet", "walletFor"),
}
KINDS = tuple(_KINDS)
_ADDRESS_KEYS = ("safe_factory", "proxy_relay_hub", "proxy_factory", "deposit_wallet_factory")
RECEIPT_TIMEOUT = 30


class WalletCallReverted(RuntimeError):
    """The relayed transaction was mined and reverted; the wallet's nonce is unchanged."""

    def __init__(self, tx_hash: str, reason: str) -> None:
        super().__init__(f"wallet call {tx_hash} reverted: {reason}")
        self.tx_hash = tx_hash
        self.reason = reason


class SandboxWallets:
    """The wallet factories of one sandbox deployment and the relayer's transactions."""

    # One relayer account may serve several requests at once: its transaction nonce is read
    # and used under this lock so two sends never take the same one.
    _send_lock = threading.Lock()

    def __init__(self, chain: SandboxChain) -> None:
        missing = [k for k in _ADDRESS_KEYS if k not in chain.addresses]
        if missing:
            raise KeyError(f"this deployment has no wallet factories ({', '.join(missing)})")
        self.chain = chain
        self.w3 = chain.w3
        self.safe_factory = self._at("SafeFactory", chain.addresses["safe_factory"])
        self.proxy_relay_hub = self._at("ProxyRelayHub", chain.addresses["proxy_relay_hub"])
        self.proxy_factory = self._at("ProxyWalletFactory", chain.addresses["proxy_factory"])
        self.deposit_wallet_factory = self._at(
            "DepositWalletFactory", chain.addresses["deposit_wallet_factory"]
        )
        self._factories = {
            "safe": self.safe_factory,
            "proxy": self.proxy_factory,
            "deposit_wallet": self.deposit_wallet_factory,
        }

    @classmethod
    def deploy(cls, chain: SandboxChain) -> dict[str, str]:
        """Deploy the factories and the relay hub; their addresses by `chain.addresses` key."""
        w3, deployer = chain.w3, chain.deployer
        hub = _deploy(w3, deployer, "ProxyRelayHub")
        return {
            "safe_factory": _deploy(w3, deployer, "SafeFactory"),
            "proxy_relay_hub": hub,
            "proxy_factory": _deploy(w3, deployer, "ProxyWalletFactory", hub),
            "deposit_wallet_factory": _deploy(w3, deployer, "DepositWalletFactory"),
        }

    # --- wallets -----------------------------------------------------------------------------

    def create(self, kind: str, owner: str) -> str:
        """Deploy `owner`'s wallet of this kind (a no-op when it exists); its address."""
        owner = Web3.to_checksum_address(owner)
        create = self._factory(kind).get_function_by_name(_kind(kind).create)
        self.chain._transact(create(owner))
        return self.address_for(kind, owner)

    def address_for(self, kind: str, owner: str) -> str:
        """The wallet's CREATE2 address, deployed or not."""
        address_of = self._factory(kind).get_function_by_name(_kind(kind).address_of)
        return str(address_of(Web3.to_checksum_address(owner)).call())

    def wallet(self, kind: str, address: str) -> Contract:
        """The wallet contract at `address` (SafeWallet, ProxyWallet or DepositWallet)."""
        return self._at(_kind(kind).contract, address)

    def is_deployed(self, address: str) -> bool:
        return len(self.w3.eth.get_code(Web3.to_checksum_address(address))) > 0

    def nonce(self, kind: str, owner_or_wallet: str) -> int:
        """The next nonce a signed call must carry, given the owner or the wallet: the Safe's
        or deposit wallet's own counter; for proxy wallets the relay hub's, per owner."""
        address = Web3.to_checksum_address(owner_or_wallet)
        deployed = self.is_deployed(address)  # an owner is an EOA: no code
        if kind == "proxy":
            owner = address
            if deployed:
                owner = self.wallet(kind, address).functions.owner().call()
            result: int = self.proxy_relay_hub.functions.getNonce(owner).call()
            return result
        wallet = address if deployed else self.address_for(kind, address)
        if not self.is_deployed(wallet):
            return 0  # a wallet deployed later starts at 0
        result = self.wallet(kind, wallet).functions.nonce().call()
        return result

    # --- the relayer ---------------------------------------------------------------------------

    def execute(self, request: dict[str, Any], *, relayer_key: str) -> str:
        """Send the transaction a `/submit` body asks for, from the relayer's account; the tx
        hash once mined. Raises WalletCallReverted when it reverts, ValueError when the body
        cannot be executed here (unknown type, another hub or relay, no Safe deployed)."""
        relayer = Account.from_key(relayer_key).address
        kind = request.get("type")
        if kind == "SAFE":
            contract, fn, args = self._safe_call(request)
        elif kind == "PROXY":
            contract, fn, args = self._proxy_call(request, relayer=relayer)
        elif kind == "WALLET":
            contract, fn, args = self._deposit_wallet_call(request)
        else:
            raise ValueError(f"unknown relayer request type {kind!r}")
        tx = {
            "from": relayer,
            "to": contract.address,
            "data": contract.encode_abi(fn, args=args),
            "gas": SANDBOX_GAS,
        }
        tx_hash = self._send(tx, relayer_key)
        receipt = self.w3.eth.wait_for_transaction_receipt(
            HexBytes(tx_hash), timeout=RECEIPT_TIMEOUT, poll_latency=0.01
        )
        if receipt["status"] != 1:
            raise WalletCallReverted(tx_hash, self._revert_reason(tx, receipt["blockNumber"]))
        return tx_hash

    def _safe_call(self, request: dict[str, Any]) -> tuple[Contract, str, list[Any]]:
        safe = Web3.to_checksum_address(request["proxyWallet"])
        if not self.is_deployed(safe):
            # A call to an address without code "succeeds": refuse it instead.
            raise ValueError(f"no Safe deployed at {safe}")
        params = request["signatureParams"]
        args = [
            Web3.to_checksum_address(request["to"]),
            0,
            HexBytes(request["data"]),
            int(params["operation"]),
            int(params["safeTxnGas"]),
            int(params["baseGas"]),
            int(params["gasPrice"]),
            Web3.to_checksum_address(params["gasToken"]),
            Web3.to_checksum_address(params["refundReceiver"]),
            HexBytes(request["signature"]),
        ]
        return self.wallet("safe", safe), "execTransaction", args

    def _proxy_call(
        self, request: dict[str, Any], *, relayer: str
    ) -> tuple[Contract, str, list[Any]]:
        params = request["signatureParams"]
        hub = self.proxy_relay_hub
        if Web3.to_checksum_address(params["relayHub"]) != hub.address:
            raise ValueError(f"request names relay hub {params['relayHub']}, not {hub.address}")
        if Web3.to_checksum_address(params["relay"]) != relayer:
            # The relay's address is part of the signed hash: only that account can send it.
            raise ValueError(f"request names relay {params['relay']}, not {relayer}")
        args = [
            Web3.to_checksum_address(request["from"]),
            Web3.to_checksum_address(request["to"]),
            HexBytes(request["data"]),
            int(params["relayerFee"]),
            int(params["gasPrice"]),
            int(params["gasLimit"]),
            int(request["nonce"]),
            HexBytes(request["signature"]),
            b"",
        ]
        return hub, "relayCall", args

    def _deposit_wallet_call(self, request: dict[str, Any]) -> tuple[Contract, str, list[Any]]:
        factory = self.deposit_wallet_factory
        if Web3.to_checksum_address(request["to"]) != factory.address:
            raise ValueError(f"request is for factory {request['to']}, not {factory.address}")
        params = request["depositWalletParams"]
        calls = [
            (Web3.to_checksum_address(c["target"]), int(c["value"]), HexBytes(c["data"]))
            for c in params["calls"]
        ]
        args = [
            Web3.to_checksum_address(params["depositWallet"]),
            int(request["nonce"]),
            int(params["deadline"]),
            calls,
            HexBytes(request["signature"]),
        ]
        return factory, "execute", args

    # --- internals -----------------------------------------------------------------------------

    def _send(self, tx: dict[str, Any], key: str) -> str:
        with self._send_lock:
            tx["nonce"] = self.w3.eth.get_transaction_count(tx["from"], "pending")
            tx["gasPrice"] = self.w3.eth.gas_price
            tx["chainId"] = self.w3.eth.chain_id
            signed = Account.sign_transaction(tx, key)
            return HexBytes(self.w3.eth.send_raw_transaction(signed.raw_transaction)).to_0x_hex()

    def _revert_reason(self, tx: dict[str, Any], block: int) -> str:
        # The receipt carries no reason: replay the call on the state the block left (a
        # reverted call changed nothing, so this is what it saw unless a later transaction
        # of the same block interfered).
        call = {k: tx[k] for k in ("from", "to", "data", "gas")}
        try:
            self.w3.eth.call(call, block)  # type: ignore[arg-type]
        except ContractLogicError as exc:
            return str(exc.message or exc)
        return "unknown (the replayed call succeeds)"

    def _factory(self, kind: str) -> Contract:
        _kind(kind)  # a clear error for an unknown kind
        return self._factories[kind]

    def _at(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=artifact(name)["abi"]
        )


def _kind(kind: str) -> _Kind:
    if kind not in _KINDS:
        raise ValueError(f"unknown wallet kind {kind!r} (one of {', '.join(KINDS)})")
    return _KINDS[kind]
