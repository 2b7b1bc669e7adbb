"""Deploy the project's contracts on anvil and drive them as the venue and the oracle would."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from contracts import artifact, ctf_ids
from ltproject.devkeys import ANVIL_KEYS

from .contract_deploy import SANDBOX_GAS, contract_deploy
from .wallets import SandboxWallets

ZERO_BYTES32 = b"\x00" * 32
BINARY = [1, 2]  # index sets of YES and NO


@dataclass(frozen=True)
class SandboxMarket:
    """One binary condition on the sandbox chain and its two outcome token ids."""

    question_id: bytes
    condition_id: str  # 0x-hex
    neg_risk: bool
    yes_token_id: int
    no_token_id: int

    @property
    def token_ids(self) -> tuple[int, int]:
        return (self.yes_token_id, self.no_token_id)


class SandboxChain:
    """The deployed contracts plus the operations the sandbox venue and tests need."""

    def __init__(
        self, w3: Web3, addresses: dict[str, str], *, deployer_key: str, rpc_url: str
    ) -> None:
        for name in ("validation", "gas_estimate"):  # each adds an RPC round trip per call
            if name in w3.middleware_onion:
                w3.middleware_onion.remove(name)
        self.w3 = w3
        self.rpc_url = rpc_url
        self.markets: dict[str, SandboxMarket] = {}  # by condition id, as prepared here
        self.addresses = addresses
        self.deployer = Account.from_key(deployer_key).address
        self._deployer_key = deployer_key
        self.legacy = self._at("LegacyCollateral", addresses["legacy_collateral"])
        self.pusd = self._at("PUSD", addresses["pusd"])
        self.ctf = self._at("ConditionalTokens", addresses["ctf"])
        self.collateral_adapter = self._at("CtfCollateralAdapter", addresses["collateral_adapter"])
        self.neg_risk_adapter = self._at("NegRiskAdapter", addresses["neg_risk_adapter"])

    # --- deployment ---------------------------------------------------------------------

    @classmethod
    def deploy(cls, rpc_url: str, *, deployer_key: str = ANVIL_KEYS[0]) -> SandboxChain:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        deployer = Account.from_key(deployer_key).address
        legacy = contract_deploy(w3, deployer, "LegacyCollateral")
        pusd = contract_deploy(w3, deployer, "PUSD", legacy)
        ctf = contract_deploy(w3, deployer, "ConditionalTokens")
        collateral_adapter = contract_deploy(w3, deployer, "CtfCollateralAdapter", ctf, pusd)
        neg_risk_adapter = contract_deploy(w3, deployer, "NegRiskAdapter", ctf, pusd)
        nra = w3.eth.contract(
            address=Web3.to_checksum_address(neg_risk_adapter),
            abi=artifact("NegRiskAdapter")["abi"],
        )
        addresses = {
            "pusd": pusd,
            "legacy_collateral": legacy,
            "ctf": ctf,
            "collateral_adapter": collateral_adapter,
            "neg_risk_adapter": neg_risk_adapter,
            "neg_risk_wrapped_collateral": nra.functions.wcol().call(),
        }
        chain = cls(w3, addresses, deployer_key=deployer_key, rpc_url=rpc_url)
        chain.addresses.update(SandboxWallets.deploy(chain))
        # The faucet approves once, so minting outcome tokens later is mint + split + transfer.
        unlimited = 2**256 - 1
        chain._transact(chain.legacy.functions.approve(chain.pusd.address, unlimited))
        chain._transact(chain.legacy.functions.approve(chain.ctf.address, unlimited))
        chain._transact(chain.pusd.functions.approve(chain.neg_risk_adapter.address, unlimited))
        return chain

    @classmethod
    def connect(
        cls, rpc_url: str, addresses: dict[str, str], *, deployer_key: str = ANVIL_KEYS[0]
    ) -> SandboxChain:
        """Attach to contracts deployed earlier (e.g. by `lt_sandbox` in another process)."""
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
        return cls(w3, dict(addresses), deployer_key=deployer_key, rpc_url=rpc_url)

    def settings_env(self) -> dict[str, str]:
        """Environment that points LT's redemption at this chain."""
        return {
            "CHAIN_RPC_URL": self.rpc_url,
            "CHAIN_ID": str(self.w3.eth.chain_id),
            "CHAIN_CONTRACTS": json.dumps(self.addresses),
        }

    def info(self) -> dict[str, Any]:
        """The body of `GET /_sandbox/chain`."""
        return {
            "rpc_url": self.rpc_url,
            "chain_id": self.w3.eth.chain_id,
            "contracts": dict(self.addresses),
        }

    # --- collateral -------------------------------------------------------------------------

    def fund_pusd(self, wallet: str, amount: int) -> None:
        """Mint `amount` pUSD base units to `wallet` (backed 1:1 by freshly minted legacy)."""
        self._transact(self.legacy.functions.mint(self.deployer, amount))
        self._transact(self.pusd.functions.wrap(Web3.to_checksum_address(wallet), amount))

    def fund_legacy(self, wallet: str, amount: int) -> None:
        self._transact(self.legacy.functions.mint(Web3.to_checksum_address(wallet), amount))

    def pusd_balance(self, wallet: str) -> int:
        result: int = self.pusd.functions.balanceOf(Web3.to_checksum_address(wallet)).call()
        return result

    def legacy_balance(self, wallet: str) -> int:
        result: int = self.legacy.functions.balanceOf(Web3.to_checksum_address(wallet)).call()
        return result

    # --- markets ------------------------------------------------------------------------------

    def prepare_condition(self, question_id: bytes, *, neg_risk: bool = False) -> SandboxMarket:
        """Prepare a binary condition (the deployer is the oracle; neg-risk: the adapter)."""
        if neg_risk:
            self._transact(self.neg_risk_adapter.functions.prepareCondition(question_id))
            oracle = self.neg_risk_adapter.address
        else:
            self._transact(self.ctf.functions.prepareCondition(self.deployer, question_id, 2))
            oracle = self.deployer
        condition = ctf_ids.condition_id(oracle, question_id, 2)
        collateral = self.addresses[
            "neg_risk_wrapped_collateral" if neg_risk else "legacy_collateral"
        ]
        yes, no = (ctf_ids.position_id(collateral, condition, index_set) for index_set in BINARY)
        market = SandboxMarket(question_id, "0x" + bytes(condition).hex(), neg_risk, yes, no)
        self.markets[market.condition_id] = market
        return market

    def condition_prepared(self, question_id: bytes, *, neg_risk: bool = False) -> bool:
        """Whether this question already has a condition here (a second venue on one chain)."""
        oracle = self.neg_risk_adapter.address if neg_risk else self.deployer
        condition = bytes(ctf_ids.condition_id(oracle, question_id, 2))
        slots: int = self.ctf.functions.getOutcomeSlotCount(condition).call()
        return slots > 0

    def position_id(self, collateral: str, condition_id: bytes | str, index_set: int) -> int:
        """The CTF's own view (the off-chain port in contracts.ctf_ids must agree with it)."""
        condition = HexBytes(condition_id)
        collection = self.ctf.functions.getCollectionId(ZERO_BYTES32, condition, index_set).call()
        result: int = self.ctf.functions.getPositionId(collateral, collection).call()
        return result

    def split_position(self, wallet: str, market: SandboxMarket, amount: int) -> None:
        """Mint `amount` of both outcome tokens to `wallet` (collateral from the faucet)."""
        self._split_to_deployer(market, amount)
        self._transfer_batch(wallet, list(market.token_ids), [amount, amount])

    def give_position(self, wallet: str, market: SandboxMarket, outcome: int, amount: int) -> None:
        """Mint `amount` of one outcome (0 YES, 1 NO) to `wallet`; the faucet keeps the other."""
        self._split_to_deployer(market, amount)
        self._transfer_batch(wallet, [market.token_ids[outcome]], [amount])

    def transfer_position(self, from_key: str, to: str, token_id: int, amount: int) -> str:
        """Move outcome tokens between wallets (as a settled fill does); returns the tx hash."""
        sender = Account.from_key(from_key).address
        call = self.ctf.functions.safeTransferFrom(
            sender, Web3.to_checksum_address(to), token_id, amount, b""
        )
        tx = call.build_transaction(
            {"from": sender, "nonce": self.w3.eth.get_transaction_count(sender)}
        )
        signed = Account.sign_transaction(tx, from_key)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self._wait(tx_hash)
        return "0x" + bytes(tx_hash).hex()

    def move_position(self, sender: str, to: str, token_id: int, amount: int) -> None:
        """Move outcome tokens from any address (anvil impersonation; no key needed), as the
        venue does when it settles a fill between two users."""
        sender = Web3.to_checksum_address(sender)
        call = self.ctf.functions.safeTransferFrom(
            sender, Web3.to_checksum_address(to), token_id, amount, b""
        )
        self._impersonated(sender, call)

    def move_pusd(self, sender: str, to: str, amount: int) -> None:
        """Move pUSD from any address (impersonation): the buyer's side of a settled fill."""
        sender = Web3.to_checksum_address(sender)
        call = self.pusd.functions.transfer(Web3.to_checksum_address(to), amount)
        self._impersonated(sender, call)

    def act_as(self, sender: str, call: Any) -> None:
        """Send a contract call as any address, a wallet contract included (impersonation)."""
        self._impersonated(Web3.to_checksum_address(sender), call)

    def _impersonated(self, sender: str, call: Any) -> None:
        rpc = self.w3.provider.make_request
        rpc(RPCEndpoint("anvil_setBalance"), [sender, hex(10**18)])
        rpc(RPCEndpoint("anvil_impersonateAccount"), [sender])
        try:
            self._transact(call, sender=sender)
        finally:
            rpc(RPCEndpoint("anvil_stopImpersonatingAccount"), [sender])

    # --- the exchange's side of mint and merge matches -------------------------------------
    # The faucet (deployer) stands in for the exchange contract: it takes both sides' pUSD,
    # splits the pair and hands each its outcome (mint), or takes both outcomes, merges them
    # and pays each its pUSD (merge).

    def collect_pusd(self, sender: str, amount: int) -> None:
        """Take `amount` pUSD from `sender` into the faucet (impersonation)."""
        self.move_pusd(sender, self.deployer, amount)

    def pay_pusd(self, to: str, amount: int) -> None:
        """Pay `amount` of the faucet's own pUSD to `to`."""
        self._transact(self.pusd.functions.transfer(Web3.to_checksum_address(to), amount))

    def split_from_pusd(self, market: SandboxMarket, amount: int) -> None:
        """Split `amount` of the faucet's pUSD into both outcomes, held by the faucet."""
        condition = HexBytes(market.condition_id)
        if market.neg_risk:
            self._transact(self.neg_risk_adapter.functions.splitPosition(condition, amount))
            return
        self._transact(self.pusd.functions.unwrap(self.deployer, amount))
        self._transact(
            self.ctf.functions.splitPosition(
                self.legacy.address, ZERO_BYTES32, condition, BINARY, amount
            )
        )

    def merge_to_pusd(self, market: SandboxMarket, amount: int) -> None:
        """Merge `amount` of both outcomes the faucet holds back into pUSD for the faucet."""
        condition = HexBytes(market.condition_id)
        if market.neg_risk:
            self._approve_adapter()
            self._transact(self.neg_risk_adapter.functions.mergePositions(condition, amount))
            return
        self._transact(
            self.ctf.functions.mergePositions(
                self.legacy.address, ZERO_BYTES32, condition, BINARY, amount
            )
        )
        self._transact(self.pusd.functions.wrap(self.deployer, amount))

    def _approve_adapter(self) -> None:
        # The adapter pulls the outcomes from the faucet to merge them. Asked of the chain,
        # not remembered: a test's snapshot revert takes the approval back.
        adapter = self.neg_risk_adapter.address
        if not self.ctf.functions.isApprovedForAll(self.deployer, adapter).call():
            self._transact(self.ctf.functions.setApprovalForAll(adapter, True))

    def send_position(self, to: str, token_id: int, amount: int) -> None:
        """Hand `amount` of an outcome the faucet holds to `to`."""
        self._transfer_batch(to, [token_id], [amount])

    def mint_to_faucet(self, market: SandboxMarket, amount: int) -> None:
        """Mint `amount` of both outcomes into the faucet from fresh collateral."""
        self._split_to_deployer(market, amount)

    def position_balance(self, wallet: str, token_id: int) -> int:
        result: int = self.ctf.functions.balanceOf(
            Web3.to_checksum_address(wallet), token_id
        ).call()
        return result

    def report_payouts(self, market: SandboxMarket, payouts: list[int]) -> None:
        """Resolve the condition: [1, 0] YES wins, [0, 1] NO wins, [1, 1] a 50-50 split."""
        if market.neg_risk:
            if payouts not in ([1, 0], [0, 1]):
                raise ValueError("neg-risk markets resolve YES or NO, never 50-50")
            self._transact(
                self.neg_risk_adapter.functions.reportOutcome(market.question_id, payouts[0] == 1)
            )
        else:
            self._transact(self.ctf.functions.reportPayouts(market.question_id, payouts))

    def resolve(self, market: SandboxMarket | str, winner_token_id: int) -> None:
        """`POST /_sandbox/resolve`: the winner's outcome pays 1, the other 0 (the market may be
        given by its condition id when this object prepared it)."""
        if isinstance(market, str):
            market = self.markets[market.lower()]
        if winner_token_id not in market.token_ids:
            raise ValueError(f"token {winner_token_id} is not an outcome of {market.condition_id}")
        self.report_payouts(market, [1, 0] if winner_token_id == market.yes_token_id else [0, 1])

    # --- internals -------------------------------------------------------------------------------

    def _split_to_deployer(self, market: SandboxMarket, amount: int) -> None:
        condition = HexBytes(market.condition_id)
        if market.neg_risk:
            self.fund_pusd(self.deployer, amount)
            self._transact(self.neg_risk_adapter.functions.splitPosition(condition, amount))
            return
        self._transact(self.legacy.functions.mint(self.deployer, amount))
        self._transact(
            self.ctf.functions.splitPosition(
                self.legacy.address, ZERO_BYTES32, condition, BINARY, amount
            )
        )

    def _transfer_batch(self, wallet: str, ids: list[int], amounts: list[int]) -> None:
        self._transact(
            self.ctf.functions.safeBatchTransferFrom(
                self.deployer, Web3.to_checksum_address(wallet), ids, amounts, b""
            )
        )

    def _at(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=artifact(name)["abi"]
        )

    def _transact(self, call: Any, *, sender: str | None = None) -> None:
        # The deployer is an unlocked anvil account: anvil signs for it. Straight to the
        # provider: web3's transact adds fee and chain-id round trips the sandbox does not need.
        tx = {"from": sender or self.deployer, "to": call.address}
        tx["data"] = call._encode_transaction_data()
        tx["gas"] = hex(SANDBOX_GAS)
        response = self.w3.provider.make_request(RPCEndpoint("eth_sendTransaction"), [tx])
        if "error" in response:
            raise RuntimeError(f"sandbox transaction failed: {response['error']}")
        self._wait(response["result"])

    def _wait(self, tx_hash: Any) -> None:
        tx_hex = HexBytes(tx_hash).to_0x_hex()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = self.w3.provider.make_request(
                RPCEndpoint("eth_getTransactionReceipt"), [tx_hex]
            )
            receipt = answer.get("result")
            if receipt:
                if int(receipt["status"], 16) != 1:
                    raise RuntimeError(f"sandbox transaction {tx_hex} reverted")
                return
            time.sleep(0.005)
        raise RuntimeError(f"sandbox transaction {tx_hex} not mined within 30 s")
