"""The chain as the redemption service sees it: a few reads and raw-transaction calls.

Everything talks JSON-RPC through web3.py. Reads are idempotent, so transient RPC errors
(timeouts, resets) are retried a few times here; sends are not retried here: the caller has
stored the raw transaction and decides (by hash) whether to broadcast it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import requests
from django.conf import settings
from eth_abi.exceptions import InsufficientDataBytes
from eth_account import Account
from hexbytes import HexBytes
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, TransactionNotFound
from web3.providers import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse, TxParams

from contracts import abi, ctf_ids

from .models import RedemptionRoute, WalletType

ZERO_BYTES32 = b"\x00" * 32
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ERC1155_RECEIVED = bytes.fromhex("f23a6e61")  # onERC1155Received's selector, the accept value
ERC1155_BATCH_RECEIVED = bytes.fromhex("bc197c81")
BATCH_SIZE = 500
TRANSFER_TOPIC = Web3.keccak(text="Transfer(address,address,uint256)")
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (requests.RequestException, OSError)

_retry_read = retry(
    retry=retry_if_exception_type(TRANSIENT_ERRORS),
    stop=stop_after_attempt(4),
    wait=wait_exponential(multiplier=0.05, max=1),
    reraise=True,
)


class CountingHTTPProvider(HTTPProvider):
    """An HTTP provider that counts its round trips (the benchmark reports RPC calls per redeem)."""

    calls = 0

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        type(self).calls += 1
        return super().make_request(method, params)

    def make_batch_request(self, batch_requests: list[tuple[RPCEndpoint, Any]]) -> Any:
        type(self).calls += 1  # one HTTP round trip, however many calls it carries
        return super().make_batch_request(batch_requests)


@dataclass(frozen=True)
class Contracts:
    ctf: str
    pusd: str
    legacy_collateral: str
    collateral_adapter: str
    neg_risk_adapter: str
    neg_risk_payout_token: str
    # Smart-wallet contracts the relayer path signs for (proxy wallets sign the factory and
    # hub addresses) and the init code hashes their wallets' addresses derive from
    # (contracts/wallet_addresses.py); empty where not configured.
    proxy_factory: str = ""
    proxy_relay_hub: str = ""
    proxy_init_code_hash: str = ""
    safe_factory: str = ""
    safe_init_code_hash: str = ""
    deposit_wallet_factory: str = ""

    @classmethod
    def from_mapping(cls, data: dict[str, str]) -> Contracts:
        get = data.get
        return cls(
            ctf=Web3.to_checksum_address(data["ctf"]),
            pusd=Web3.to_checksum_address(data["pusd"]),
            legacy_collateral=Web3.to_checksum_address(data["legacy_collateral"]),
            collateral_adapter=Web3.to_checksum_address(data["collateral_adapter"]),
            neg_risk_adapter=Web3.to_checksum_address(data["neg_risk_adapter"]),
            # The sandbox's neg-risk adapter pays pUSD; on Polygon it pays its own collateral.
            neg_risk_payout_token=Web3.to_checksum_address(
                get("neg_risk_payout_token") or data["pusd"]
            ),
            proxy_factory=_optional_address(get("proxy_factory")),
            proxy_relay_hub=_optional_address(get("proxy_relay_hub")),
            proxy_init_code_hash=_optional_hash(get("proxy_init_code_hash")),
            safe_factory=_optional_address(get("safe_factory")),
            safe_init_code_hash=_optional_hash(get("safe_init_code_hash")),
            deposit_wallet_factory=_optional_address(get("deposit_wallet_factory")),
        )


def _optional_address(value: str | None) -> str:
    return Web3.to_checksum_address(value) if value else ""


def _optional_hash(value: str | None) -> str:
    if not value:
        return ""
    raw = HexBytes(value)
    if len(raw) != 32:
        raise ValueError(f"{value!r} is not a 32-byte hash")
    return raw.to_0x_hex()


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    status: int
    block_number: int
    gas_used: int
    logs: list[dict[str, Any]]

    def transferred(self, *, token: str, to: str) -> int:
        """Sum of the token's ERC-20 Transfer amounts to `to` in this transaction."""
        recipient = HexBytes(to).rjust(32, b"\x00")
        total = 0
        for log in self.logs:
            topics = [HexBytes(t) for t in log["topics"]]
            if (
                Web3.to_checksum_address(log["address"]) == Web3.to_checksum_address(token)
                and len(topics) == 3
                and topics[0] == TRANSFER_TOPIC
                and topics[2] == recipient
            ):
                total += int.from_bytes(HexBytes(log["data"]), "big")
        return total

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "block_number": self.block_number, "gas_used": self.gas_used}


class Chain:
    """One RPC endpoint and the Polymarket contracts on it."""

    def __init__(self, w3: Web3, contracts: Contracts) -> None:
        # Every transaction is built and signed here with explicit gas and fees: web3's
        # validation middleware would add an eth_chainId round trip to every call.
        for name in ("validation", "gas_price_strategy", "ens_name_to_address", "gas_estimate"):
            if name in w3.middleware_onion:
                w3.middleware_onion.remove(name)
        self.w3 = w3
        self.contracts = contracts
        self.ctf: Contract = self._at("ConditionalTokens", contracts.ctf)
        self.collateral_adapter = self._at("CtfCollateralAdapter", contracts.collateral_adapter)
        self.neg_risk_adapter = self._at("NegRiskAdapter", contracts.neg_risk_adapter)
        self._tokens: dict[str, Contract] = {}

    @classmethod
    def connect(cls, rpc_url: str, contracts: dict[str, str], *, timeout: float = 10) -> Chain:
        provider = CountingHTTPProvider(rpc_url, request_kwargs={"timeout": timeout})
        return cls(Web3(provider), Contracts.from_mapping(contracts))

    def _at(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi(name))

    def _erc20(self, token: str) -> Contract:
        address = Web3.to_checksum_address(token)
        if address not in self._tokens:
            self._tokens[address] = self._at("PUSD", address)  # any ERC-20 ABI will do
        return self._tokens[address]

    @property
    def chain_id(self) -> int:
        return int(settings.CHAIN_ID)

    # --- reads (retried) ----------------------------------------------------------------

    @_retry_read
    def payout_denominator(self, condition_id: str) -> int:
        return int(self.ctf.functions.payoutDenominator(HexBytes(condition_id)).call())

    @_retry_read
    def payout_denominators(self, condition_ids: Sequence[str]) -> dict[str, int]:
        """`payoutDenominator` of many conditions in JSON-RPC batches of BATCH_SIZE: the
        resolution scan costs O(n / BATCH_SIZE) round trips, not one per market."""
        result: dict[str, int] = {}
        for start in range(0, len(condition_ids), BATCH_SIZE):
            chunk = condition_ids[start : start + BATCH_SIZE]
            with self.w3.batch_requests() as batch:
                for condition in chunk:
                    batch.add(self.ctf.functions.payoutDenominator(HexBytes(condition)))
                answers = batch.execute()
            result.update({c: int(cast(int, a)) for c, a in zip(chunk, answers, strict=True)})
        return result

    @_retry_read
    def payout_numerators(self, condition_id: str, slots: int = 2) -> list[int]:
        condition = HexBytes(condition_id)
        return [int(self.ctf.functions.payoutNumerators(condition, i).call()) for i in range(slots)]

    @_retry_read
    def position_balances(self, wallet: str, token_ids: Sequence[int]) -> list[int]:
        owner = Web3.to_checksum_address(wallet)
        call = self.ctf.functions.balanceOfBatch([owner] * len(token_ids), list(token_ids))
        return [int(b) for b in call.call()]

    def position_id(self, collateral: str, condition_id: str, index_set: int) -> int:
        """Computed off-chain (CTHelpers port): no RPC call."""
        return ctf_ids.position_id(collateral, condition_id, index_set)

    @_retry_read
    def erc20_balance(self, token: str, wallet: str, block: int | None = None) -> int:
        contract = self._erc20(token)
        owner = Web3.to_checksum_address(wallet)
        return int(contract.functions.balanceOf(owner).call(block_identifier=block or "latest"))

    @_retry_read
    def is_approved_for_all(self, wallet: str, operator: str) -> bool:
        owner = Web3.to_checksum_address(wallet)
        return bool(self.ctf.functions.isApprovedForAll(owner, operator).call())

    @_retry_read
    def transaction_count(self, address: str) -> int:
        """The node's next nonce for `address`, counting its own pool (a hint, see
        transactions.nonce_allocate: the DB allocator row is the authority)."""
        return int(self.w3.eth.get_transaction_count(Web3.to_checksum_address(address), "pending"))

    @_retry_read
    def gas_price(self) -> int:
        return int(self.w3.eth.gas_price)

    @_retry_read
    def estimate_gas(self, *, sender: str, to: str, data: str) -> int:
        tx = {"from": Web3.to_checksum_address(sender), "to": to, "data": data}
        return int(self.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]

    @_retry_read
    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    @_retry_read
    def head(self) -> tuple[int, int]:
        """(number, unix timestamp) of the latest block: a stalled node's head stops aging."""
        block = self.w3.eth.get_block("latest")
        return int(block["number"]), int(block["timestamp"])

    @_retry_read
    def receipt(self, tx_hash: str) -> Receipt | None:
        try:
            raw = self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        return Receipt(
            tx_hash=tx_hash,
            status=int(raw["status"]),
            block_number=int(raw["blockNumber"]),
            gas_used=int(raw["gasUsed"]),
            logs=[dict(log) for log in raw["logs"]],
        )

    @_retry_read
    def sent_call(self, tx_hash: str) -> tuple[str, str] | None:
        """(to, input data) of a transaction, None when the node does not know it."""
        try:
            tx = self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return None
        return str(tx.get("to") or ""), HexBytes(tx["input"]).to_0x_hex()

    # --- smart wallets (reads) -------------------------------------------------------------

    @_retry_read
    def has_code(self, address: str) -> bool:
        return len(self.w3.eth.get_code(Web3.to_checksum_address(address))) > 0

    @_retry_read
    def safe_nonce(self, safe: str) -> int:
        """The Safe's own next transaction nonce (what its next signature must carry)."""
        return int(self._at("SafeWallet", safe).functions.nonce().call())

    @_retry_read
    def safe_is_owner(self, safe: str, account: str) -> bool:
        owner = Web3.to_checksum_address(account)
        return bool(self._at("SafeWallet", safe).functions.isOwner(owner).call())

    @_retry_read
    def relay_hub_nonce(self, owner: str) -> int:
        """The relay hub's next nonce for a proxy wallet's owner."""
        hub = self._at("ProxyRelayHub", self.contracts.proxy_relay_hub)
        return int(hub.functions.getNonce(Web3.to_checksum_address(owner)).call())

    @_retry_read
    def accepts_positions(self, wallet: str) -> bool:
        """Whether `wallet` takes ERC-1155 positions from the CTF: both receiver hooks answer
        their selector when the CTF asks, as a transfer would. A Safe without a fallback
        handler answers nothing and so refuses them."""
        holder = self._at("SafeFallbackHandler", wallet)  # any ERC-1155 receiver ABI will do
        sender: TxParams = {"from": self.contracts.ctf}
        single = holder.functions.onERC1155Received(self.contracts.ctf, ZERO_ADDRESS, 0, 0, b"")
        batch = holder.functions.onERC1155BatchReceived(
            self.contracts.ctf, ZERO_ADDRESS, [], [], b""
        )
        try:
            answers = (single.call(sender), batch.call(sender))
        except (ContractLogicError, BadFunctionCallOutput, InsufficientDataBytes):
            return False
        expected = (ERC1155_RECEIVED, ERC1155_BATCH_RECEIVED)
        return tuple(bytes(a) for a in answers) == expected

    @_retry_read
    def is_known(self, tx_hash: str) -> bool:
        """Whether the node still has the transaction (pending or mined)."""
        try:
            self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
        return True

    # --- sends (never retried here) ----------------------------------------------------

    def send_raw(self, raw_transaction: str) -> None:
        self.w3.eth.send_raw_transaction(HexBytes(raw_transaction))

    # --- calls --------------------------------------------------------------------------

    def redeem_call(
        self,
        *,
        route: str,
        condition_id: str,
        collateral: str,
        index_sets: Sequence[int],
        amounts: Sequence[int],
    ) -> tuple[str, str]:
        """(to, data) of the redeem for a route (see reference/polymarket.md §5)."""
        condition = HexBytes(condition_id)
        if route == RedemptionRoute.COLLATERAL_ADAPTER:
            contract = self.collateral_adapter
            args: list[Any] = [self.contracts.pusd, ZERO_BYTES32, condition, list(index_sets)]
        elif route == RedemptionRoute.NEG_RISK_ADAPTER:
            contract, args = self.neg_risk_adapter, [condition, list(amounts)]
        elif route == RedemptionRoute.CTF_LEGACY:
            contract = self.ctf
            args = [Web3.to_checksum_address(collateral), ZERO_BYTES32, condition, list(index_sets)]
        else:
            raise ValueError(f"route {route!r} sends no transaction from an EOA")
        return contract.address, contract.encode_abi("redeemPositions", args=args)

    def merge_call(
        self,
        *,
        route: str,
        condition_id: str,
        collateral: str,
        index_sets: Sequence[int],
        amount: int,
    ) -> tuple[str, str]:
        """(to, data) merging `amount` of every outcome back into collateral (same contracts
        as the redeem of the route, so the merge pays pUSD like the redeem would)."""
        condition = HexBytes(condition_id)
        if route == RedemptionRoute.COLLATERAL_ADAPTER:
            contract = self.collateral_adapter
            pusd = self.contracts.pusd
            args: list[Any] = [pusd, ZERO_BYTES32, condition, list(index_sets), amount]
        elif route == RedemptionRoute.NEG_RISK_ADAPTER:
            contract, args = self.neg_risk_adapter, [condition, amount]
        elif route == RedemptionRoute.CTF_LEGACY:
            contract = self.ctf
            collateral_address = Web3.to_checksum_address(collateral)
            args = [collateral_address, ZERO_BYTES32, condition, list(index_sets), amount]
        else:
            raise ValueError(f"route {route!r} cannot merge")
        return contract.address, contract.encode_abi("mergePositions", args=args)

    def operator_for(self, route: str) -> str | None:
        """The contract that must be approved on the CTF before the route can pull positions."""
        if route == RedemptionRoute.COLLATERAL_ADAPTER:
            return self.contracts.collateral_adapter
        if route == RedemptionRoute.NEG_RISK_ADAPTER:
            return self.contracts.neg_risk_adapter
        return None

    def approval_call(self, operator: str) -> tuple[str, str]:
        data = self.ctf.encode_abi("setApprovalForAll", args=[operator, True])
        return self.ctf.address, data


def signer_address() -> str:
    """The EOA that signs: it holds the positions itself (signature type 0) or owns the
    wallet that does (types 1-3)."""
    if not settings.SIGNER_PRIVATE_KEY:
        raise RuntimeError("SIGNER_PRIVATE_KEY is not set: cannot redeem")
    return str(Account.from_key(settings.SIGNER_PRIVATE_KEY).address)


WALLET_TYPES = {
    0: WalletType.EOA,
    1: WalletType.PROXY,
    2: WalletType.SAFE,
    3: WalletType.DEPOSIT_WALLET,
}


def holder() -> tuple[str, str]:
    """(wallet type, address) of the wallet that holds LT's positions, from SIGNATURE_TYPE:
    the signer itself, or the proxy / Safe / deposit wallet named by FUNDER_ADDRESS."""
    wallet_type = WALLET_TYPES[int(settings.SIGNATURE_TYPE)]
    if wallet_type == WalletType.EOA:
        return wallet_type, signer_address()
    if not settings.FUNDER_ADDRESS:
        raise RuntimeError(f"FUNDER_ADDRESS is not set for a {wallet_type} wallet")
    return wallet_type, Web3.to_checksum_address(settings.FUNDER_ADDRESS)


@cache
def _default_chain(rpc_url: str, contracts: tuple[tuple[str, str], ...]) -> Chain:
    return Chain.connect(rpc_url, dict(contracts))


def get_chain() -> Chain:
    """The chain from settings (one client per process and configuration)."""
    contracts = tuple(sorted(settings.CHAIN_CONTRACTS.items()))
    return _default_chain(settings.CHAIN_RPC_URL, contracts)
