"""Polymarket smart wallets on the sandbox chain: Safes, proxy wallets and deposit wallets.

Their owners cannot send transactions from them; the owner signs a wallet call (see
redemption/wallet_calls.py) and the relayer executes it. `SandboxWallets.execute` is that
relayer's on-chain half: it takes a `/submit` body and sends the matching transaction.

The factories place wallets where Polymarket's do (contracts/wallet_addresses.py derives
them, for LT and for this module alike), and the proxy wallets' relay hub answers as GSN v1's
does: a relayed call that fails or is refused leaves a successful receipt and says so only in
the hub's events (redemption/wallet_outcomes.py reads them).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from eth_account import Account
from eth_utils import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from contracts import artifact, wallet_addresses

from .contract_deploy import SANDBOX_GAS, contract_deploy

if TYPE_CHECKING:
    from .deploy import SandboxChain


# Keyed by the values of redemption's WalletType: the contract whose ABI a wallet answers.
_KINDS = {"safe": "SafeWallet", "proxy": "ProxyWallet", "deposit_wallet": "DepositWallet"}
KINDS = tuple(_KINDS)
_ADDRESS_KEYS = (
    "safe_factory",
    "safe_init_code_hash",
    "proxy_relay_hub",
    "proxy_factory",
    "proxy_init_code_hash",
    "deposit_wallet_factory",
)
RECEIPT_TIMEOUT = 30
PROXY_TX_GAS_OVERHEAD = 500_000  # the hub's and factory's gas around the signed call's limit
MAX_TX_GAS = 29_000_000  # under anvil's 30 M block gas limit


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
        self.addresses = chain.addresses
        self._factories = {
            "safe": self.safe_factory,
            "proxy": self.proxy_factory,
            "deposit_wallet": self.deposit_wallet_factory,
        }

    @classmethod
    def deploy(cls, chain: SandboxChain) -> dict[str, str]:
        """Deploy the factories (with the Safe's master copy and fallback handler) and the
        relay hub: their addresses, and the init code hashes their wallets' addresses derive
        from, by `chain.addresses` key (LT's CHAIN_CONTRACTS takes the same keys)."""
        w3, deployer = chain.w3, chain.deployer
        hub = contract_deploy(w3, deployer, "ProxyRelayHub")
        proxy_factory = contract_deploy(w3, deployer, "ProxyWalletFactory", hub)
        master_copy = contract_deploy(w3, deployer, "SafeWallet")
        handler = contract_deploy(w3, deployer, "SafeFallbackHandler")
        safe_factory = contract_deploy(w3, deployer, "SafeFactory", master_copy, handler)
        implementation = (
            w3.eth.contract(
                address=Web3.to_checksum_address(proxy_factory),
                abi=artifact("ProxyWalletFactory")["abi"],
            )
            .functions.getImplementation()
            .call()
        )
        safe_code = (
            w3.eth.contract(
                address=Web3.to_checksum_address(safe_factory), abi=artifact("SafeFactory")["abi"]
            )
            .functions.getContractBytecode()
            .call()
        )
        return {
            "safe_factory": safe_factory,
            "safe_init_code_hash": "0x" + keccak(safe_code).hex(),
            "proxy_relay_hub": hub,
            "proxy_factory": proxy_factory,
            "proxy_init_code_hash": wallet_addresses.proxy_init_code_hash(
                factory=proxy_factory, implementation=implementation
            ),
            "deposit_wallet_factory": contract_deploy(w3, deployer, "DepositWalletFactory"),
        }

    # --- wallets -----------------------------------------------------------------------------

    def create(self, kind: str, owner: str) -> str:
        """Deploy `owner`'s wallet of this kind (a no-op when it exists), as polymarket.com
        does at sign-up; its address."""
        owner = Web3.to_checksum_address(owner)
        factory = self._factory(kind)
        if kind == "safe":
            self.chain._transact(factory.functions.createSafe(owner))
        elif kind == "proxy":
            self.chain._transact(factory.functions.makeWallet(owner))
        else:
            self.chain._transact(factory.functions.createWallet(owner))
        wallet = self.address_for(kind, owner)
        if not self.is_deployed(wallet):
            raise RuntimeError(f"the {kind} factory did not create {owner}'s wallet at {wallet}")
        return wallet

    def address_for(self, kind: str, owner: str) -> str:
        """The wallet's CREATE2 address, deployed or not: LT's own derivation for Safes and
        proxy wallets (the one it checks FUNDER_ADDRESS with), the factory's for the rest."""
        owner = Web3.to_checksum_address(owner)
        factory = self._factory(kind)
        if kind == "safe":
            return wallet_addresses.safe_address(
                owner, factory=factory.address, init_code_hash=self.addresses["safe_init_code_hash"]
            )
        if kind == "proxy":
            return wallet_addresses.proxy_wallet_address(
                owner,
                factory=factory.address,
                init_code_hash=self.addresses["proxy_init_code_hash"],
            )
        return str(factory.functions.walletFor(owner).call())

    def wallet(self, kind: str, address: str) -> Contract:
        """The wallet contract at `address` (SafeWallet, ProxyWallet or DepositWallet)."""
        return self._at(_contract(kind), address)

    def is_deployed(self, address: str) -> bool:
        return len(self.w3.eth.get_code(Web3.to_checksum_address(address))) > 0

    def nonce(self, kind: str, owner_or_wallet: str) -> int:
        """The next nonce a signed call must carry: the Safe's or deposit wallet's own counter
        (given the owner or the wallet); for proxy wallets the relay hub's, per owner (given
        the owner: a proxy wallet does not know its user)."""
        address = Web3.to_checksum_address(owner_or_wallet)
        deployed = self.is_deployed(address)  # an owner is an EOA: no code
        if kind == "proxy":
            if deployed:
                raise ValueError("a proxy wallet's nonce is its owner's at the relay hub")
            result: int = self.proxy_relay_hub.functions.getNonce(address).call()
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
        cannot be executed here (unknown type, another hub or relay, no Safe deployed).

        A proxy call the hub refused or whose call failed does not revert: its hash comes back
        like any other, and only the hub's events in the receipt tell."""
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
        gas = SANDBOX_GAS
        if kind == "PROXY":
            # The hub refuses a transaction that cannot give the call its signed gas limit.
            signed_limit = int(request["signatureParams"]["gasLimit"])
            gas = min(signed_limit + PROXY_TX_GAS_OVERHEAD, MAX_TX_GAS)
        tx = {
            "from": relayer,
            "to": contract.address,
            "data": contract.encode_abi(fn, args=args),
            "gas": gas,
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
        _contract(kind)  # a clear error for an unknown kind
        return self._factories[kind]

    def _at(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=artifact(name)["abi"]
        )


def _contract(kind: str) -> str:
    if kind not in _KINDS:
        raise ValueError(f"unknown wallet kind {kind!r} (one of {', '.join(KINDS)})")
    return _KINDS[kind]
