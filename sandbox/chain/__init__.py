"""The sandbox chain: anvil plus the project's own Polymarket-like contracts.

Python API (used by `lt_sandbox`, the sandbox venue and the tests):

    anvil, chain = start(port=8545)                  # anvil + fresh contracts; anvil.stop()
    # or: anvil = Anvil().start(); chain = SandboxChain.deploy(anvil.rpc_url)
    chain.info()                                     # {"rpc_url", "chain_id", "contracts": {...}}
    chain.fund_pusd(wallet, base_units)              # mint pUSD (1:1 backed by legacy collateral)
    m = chain.prepare_condition(question_id, neg_risk=False)   # -> SandboxMarket (both token ids)
    chain.split_position(wallet, m, base_units)      # mint YES and NO to `wallet`
    chain.give_position(wallet, m, outcome_index, base_units)  # mint one outcome to `wallet`
    chain.transfer_position(from_key, to, token_id, base_units)  # signed by the holder's key
    chain.move_position(from_address, to, token_id, base_units)  # any holder (impersonation)
    chain.move_pusd(from_address, to, base_units)    # any holder's pUSD (impersonation)
    chain.act_as(address, contract_call)             # any call as any address (impersonation)
    chain.collect_pusd(from_address, base_units)     # pUSD into the faucet (the exchange's hand)
    chain.split_from_pusd(m, base_units)             # the faucet's pUSD → both outcomes (mint)
    chain.merge_to_pusd(m, base_units)               # the faucet's outcomes → pUSD (merge)
    chain.send_position(to, token_id, base_units), chain.pay_pusd(to, base_units)  # from it
    chain.report_payouts(m, [1, 0])                  # resolve (YES wins); [0, 1] NO; [1, 1] 50-50
    chain.resolve(m, winner_token_id)                # `POST /_sandbox/resolve`
    chain.pusd_balance(wallet), chain.position_balance(wallet, token_id)
    SandboxChain.connect(rpc_url, addresses)         # attach to an earlier deployment
    chain.settings_env()                             # CHAIN_RPC_URL, CHAIN_ID, CHAIN_CONTRACTS

Smart wallets (Safe, proxy, deposit wallet; their factories are deployed with the chain):

    wallets = SandboxWallets(chain)
    wallets.create(kind, owner)                      # kind "safe" | "proxy" | "deposit_wallet"
    wallets.address_for(kind, owner), wallets.is_deployed(address)  # Polymarket's derivation
    wallets.nonce(kind, owner_or_wallet)             # the nonce the next signed call carries
    wallets.execute(submit_body, relayer_key=key)    # the relayer's tx; WalletCallReverted
                                                     # (a proxy call never reverts: hub events)

Amounts are integer base units (6 decimals for pUSD and for outcome shares). The deployer
(anvil account 0, unlocked) is the faucet and the oracle of standard markets; the neg-risk
adapter is the oracle of neg-risk markets, as on Polygon.
"""

from __future__ import annotations

from ltproject.devkeys import ANVIL_KEYS

from .anvil import Anvil, AnvilError, anvil_binary, free_port
from .deploy import SandboxChain, SandboxMarket
from .wallets import SandboxWallets, WalletCallReverted


def start(
    *, port: int | None = None, chain_id: int = 137, block_time: float = 0
) -> tuple[Anvil, SandboxChain]:
    """Start anvil (a free port unless given) and deploy the contracts: what `lt_sandbox`
    needs. The caller stops the node with `anvil.stop()`."""
    anvil = Anvil(port=port, chain_id=chain_id, block_time=block_time).start()
    try:
        return anvil, SandboxChain.deploy(anvil.rpc_url)
    except BaseException:
        anvil.stop()
        raise


__all__ = [
    "ANVIL_KEYS",
    "Anvil",
    "AnvilError",
    "SandboxChain",
    "SandboxMarket",
    "SandboxWallets",
    "WalletCallReverted",
    "anvil_binary",
    "free_port",
    "start",
]
