"""The sandbox smart wallets (Safe, proxy, deposit wallet) driven by LT's signed wallet calls.

Safes and deposit wallets revert a call that fails. The proxy wallets' relay hub, like GSN v1's
on Polygon, never does: its receipt says success and only its events (read here by LT's own
redemption.wallet_outcomes) say whether the call ran, failed or was refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

from contracts import abi
from redemption import wallet_calls
from redemption.chain import Chain
from redemption.models import RedemptionRoute
from redemption.wallet_outcomes import proxy_call_failure
from sandbox.chain import ANVIL_KEYS, SandboxChain, SandboxWallets, WalletCallReverted
from sandbox.chain.contract_deploy import contract_deploy

# The wallet owner signs; the relayer sends and pays the gas.
OWNER_KEY = ANVIL_KEYS[5]
RELAYER_KEY = ANVIL_KEYS[8]
STRANGER_KEY = "0x" + "42" * 32
OWNER = Account.from_key(OWNER_KEY).address
RELAYER = Account.from_key(RELAYER_KEY).address
RECIPIENT = Web3.to_checksum_address("0x" + "7e" * 20)
KINDS = ["safe", "proxy", "deposit_wallet"]
REVERTING_KINDS = ["safe", "deposit_wallet"]
PROXY_GAS_LIMIT = 500_000
Call = tuple[str, str]
# What each wallet says when the signature is not the owner's.
NOT_THE_OWNER = {"safe": "GS026", "deposit_wallet": "DepositWallet: not signed by the owner"}


@pytest.fixture
def wallets(sandbox_chain: SandboxChain) -> SandboxWallets:
    return SandboxWallets(sandbox_chain)


def request(
    wallets: SandboxWallets,
    kind: str,
    calls: list[tuple[str, str]],
    *,
    key: str = OWNER_KEY,
    nonce: int | None = None,
    deadline: int | None = None,
) -> dict[str, Any]:
    """The owner's wallet call as LT signs it (`key` may be someone else's, to forge one)."""
    wallet = wallets.address_for(kind, OWNER)
    nonce = wallets.nonce(kind, OWNER) if nonce is None else nonce
    chain_id = wallets.w3.eth.chain_id
    if kind == "safe":
        ((to, data),) = calls  # one call per Safe transaction (no MultiSend here)
        return wallet_calls.safe_request(
            private_key=key, chain_id=chain_id, safe=wallet, to=to, data=data, nonce=nonce
        )
    if kind == "proxy":
        body = wallet_calls.proxy_request(
            private_key=key,
            proxy_factory=wallets.proxy_factory.address,
            relay_hub=wallets.proxy_relay_hub.address,
            relay=RELAYER,
            proxy_wallet=wallet,
            calls=calls,
            nonce=nonce,
            gas_limit=PROXY_GAS_LIMIT,
        )
        body["from"] = OWNER  # the hub checks the signature against `from`
        return body
    if deadline is None:
        deadline = wallets.w3.eth.get_block("latest")["timestamp"] + 3600
    return wallet_calls.deposit_wallet_request(
        private_key=key,
        chain_id=chain_id,
        wallet=wallet,
        factory=wallets.deposit_wallet_factory.address,
        nonce=nonce,
        deadline=deadline,
        calls=calls,
    )


def pusd_transfer(chain: SandboxChain, to: str, amount: int) -> tuple[str, str]:
    return chain.pusd.address, chain.pusd.encode_abi("transfer", args=[to, amount])


def funded_wallet(wallets: SandboxWallets, kind: str, amount: int = 5_000_000) -> str:
    wallet = wallets.create(kind, OWNER)
    wallets.chain.fund_pusd(wallet, amount)
    return wallet


def execute_reverted(wallets: SandboxWallets, body: dict[str, Any]) -> WalletCallReverted:
    with pytest.raises(WalletCallReverted) as info:
        wallets.execute(body, relayer_key=RELAYER_KEY)
    return info.value


def relayed_through_hub(
    sandbox_chain: SandboxChain, wallets: SandboxWallets, body: dict[str, Any]
) -> str | None:
    """Relay a proxy call; what LT reads of it: None when it ran and succeeded, else why not.
    The relay transaction itself always succeeds."""
    tx_hash = wallets.execute(body, relayer_key=RELAYER_KEY)
    chain = Chain.connect(sandbox_chain.rpc_url, sandbox_chain.addresses)
    receipt = chain.receipt(tx_hash)
    assert receipt is not None and receipt.status == 1
    return proxy_call_failure(
        sent=chain.sent_call(tx_hash),
        logs=receipt.logs,
        hub=wallets.proxy_relay_hub.address,
        request=body,
    )


# --- deployment and addresses ------------------------------------------------------------------


def test_the_chain_deploys_the_wallet_factories_and_an_attached_chain_finds_them(sandbox_chain):
    contracts = sandbox_chain.info()["contracts"]
    names = {"safe_factory", "proxy_relay_hub", "proxy_factory", "deposit_wallet_factory"}
    assert names <= set(contracts)
    env = sandbox_chain.settings_env()
    attached = SandboxChain.connect(env["CHAIN_RPC_URL"], json.loads(env["CHAIN_CONTRACTS"]))
    assert SandboxWallets(attached).proxy_factory.address == contracts["proxy_factory"]


@pytest.mark.parametrize("kind", KINDS)
def test_wallet_is_created_once_at_the_address_known_before_it_exists(wallets, kind):
    expected = wallets.address_for(kind, OWNER)
    assert not wallets.is_deployed(expected)
    assert wallets.nonce(kind, OWNER) == 0
    assert wallets.create(kind, OWNER) == expected
    assert wallets.create(kind, OWNER) == expected  # idempotent
    assert wallets.is_deployed(expected)
    assert wallets.address_for(kind, RELAYER) != expected
    if kind != "proxy":  # a proxy wallet does not know its user: its nonce is the owner's
        assert wallets.nonce(kind, expected) == wallets.nonce(kind, OWNER) == 0


def test_factories_derive_wallet_addresses_as_lt_does(wallets):
    """The Safe factory's own view agrees with LT's derivation, and the proxy factory's
    clone is the init code whose hash the deployment reports."""
    assert wallets.safe_factory.functions.computeProxyAddress(OWNER).call() == (
        wallets.address_for("safe", OWNER)
    )
    implementation = wallets.proxy_factory.functions.getImplementation().call()
    wallet = wallets.create("proxy", OWNER)
    code = wallets.w3.eth.get_code(wallet)
    # EIP-1167: the clone delegates everything to the factory's one implementation.
    assert bytes(code) == bytes.fromhex(
        "363d3d373d3d3d363d73" + implementation[2:].lower() + "5af43d82803e903d91602b57fd5bf3"
    )


def test_unknown_wallet_kind_is_refused(wallets):
    with pytest.raises(ValueError, match="unknown wallet kind"):
        wallets.address_for("multisig", OWNER)


# --- one signed call, exactly once ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_owners_signed_call_moves_pusd_out_of_the_wallet_and_uses_one_nonce(
    sandbox_chain, wallets, kind
):
    wallet = funded_wallet(wallets, kind)
    body = request(wallets, kind, [pusd_transfer(sandbox_chain, RECIPIENT, 2_000_000)])
    tx_hash = wallets.execute(body, relayer_key=RELAYER_KEY)
    receipt = sandbox_chain.w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1 and receipt["from"] == RELAYER
    assert sandbox_chain.pusd_balance(wallet) == 3_000_000
    assert sandbox_chain.pusd_balance(RECIPIENT) == 2_000_000
    assert wallets.nonce(kind, OWNER) == 1


@pytest.mark.parametrize("kind", REVERTING_KINDS)
def test_wallet_call_signed_by_anyone_but_the_owner_is_refused(sandbox_chain, wallets, kind):
    wallet = funded_wallet(wallets, kind)
    call = pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)
    error = execute_reverted(wallets, request(wallets, kind, [call], key=STRANGER_KEY))
    assert NOT_THE_OWNER[kind] in error.reason
    assert sandbox_chain.w3.eth.get_transaction_receipt(error.tx_hash)["status"] == 0
    assert sandbox_chain.pusd_balance(wallet) == 5_000_000
    assert wallets.nonce(kind, OWNER) == 0


@pytest.mark.parametrize("kind", REVERTING_KINDS)
def test_replayed_wallet_call_fails_so_it_runs_exactly_once(sandbox_chain, wallets, kind):
    wallet = funded_wallet(wallets, kind)
    body = request(wallets, kind, [pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)])
    wallets.execute(body, relayer_key=RELAYER_KEY)
    error = execute_reverted(wallets, body)
    # The Safe's hash covers its current nonce, so an old signature recovers a stranger.
    assert ("GS026" if kind == "safe" else "wrong nonce") in error.reason
    assert sandbox_chain.pusd_balance(wallet) == 4_000_000
    assert wallets.nonce(kind, OWNER) == 1


@pytest.mark.parametrize("kind", REVERTING_KINDS)
def test_failing_inner_call_reverts_and_leaves_the_nonce_for_the_next_call(
    sandbox_chain, wallets, kind
):
    wallet = funded_wallet(wallets, kind)
    too_much = request(wallets, kind, [pusd_transfer(sandbox_chain, RECIPIENT, 9_000_000)])
    error = execute_reverted(wallets, too_much)
    # The Safe reports its own code, as Safe 1.3 does; the deposit wallet passes it on.
    assert ("GS013" if kind == "safe" else "ERC20: insufficient balance") in error.reason
    assert wallets.nonce(kind, OWNER) == 0
    retry = request(wallets, kind, [pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)])
    assert retry["nonce"] == too_much["nonce"] == "0"
    wallets.execute(retry, relayer_key=RELAYER_KEY)
    assert sandbox_chain.pusd_balance(wallet) == 4_000_000
    assert wallets.nonce(kind, OWNER) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_wallet_holds_positions_and_sets_ctf_approval_on_a_signed_call(
    sandbox_chain, wallets, kind
):
    wallet = wallets.create(kind, OWNER)
    onchain = sandbox_chain.prepare_condition(b"\x31" * 32)
    sandbox_chain.split_position(wallet, onchain, 3_000_000)  # ERC-1155 batch receipt
    assert sandbox_chain.position_balance(wallet, onchain.no_token_id) == 3_000_000
    adapter = sandbox_chain.collateral_adapter.address
    data = sandbox_chain.ctf.encode_abi("setApprovalForAll", args=[adapter, True])
    wallets.execute(
        request(wallets, kind, [(sandbox_chain.ctf.address, data)]), relayer_key=RELAYER_KEY
    )
    assert sandbox_chain.ctf.functions.isApprovedForAll(wallet, adapter).call()
    assert not sandbox_chain.ctf.functions.isApprovedForAll(OWNER, adapter).call()


# --- the relay hub: failure is in the events, never in the receipt ------------------------------


def test_hub_refuses_a_call_signed_by_a_stranger_without_reverting_or_using_the_nonce(
    sandbox_chain, wallets
):
    wallet = funded_wallet(wallets, "proxy")
    call = pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)
    failure = relayed_through_hub(
        sandbox_chain, wallets, request(wallets, "proxy", [call], key=STRANGER_KEY)
    )
    assert failure == "the relay hub refused the call (WrongSignature); its nonce was not used"
    assert sandbox_chain.pusd_balance(wallet) == 5_000_000
    assert wallets.nonce("proxy", OWNER) == 0


def test_hub_refuses_a_replayed_call_as_wrong_nonce_so_it_runs_exactly_once(sandbox_chain, wallets):
    wallet = funded_wallet(wallets, "proxy")
    body = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)])
    assert relayed_through_hub(sandbox_chain, wallets, body) is None
    failure = relayed_through_hub(sandbox_chain, wallets, body)
    assert failure == "the relay hub refused the call (WrongNonce); its nonce was not used"
    assert sandbox_chain.pusd_balance(wallet) == 4_000_000
    assert wallets.nonce("proxy", OWNER) == 1


def test_hub_uses_the_nonce_up_when_the_relayed_call_fails_so_a_retry_signs_the_next(
    sandbox_chain, wallets
):
    wallet = funded_wallet(wallets, "proxy")
    too_much = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 9_000_000)])
    failure = relayed_through_hub(sandbox_chain, wallets, too_much)
    assert failure == (
        "the relay hub ran the call and it failed (RelayedCallFailed); its nonce is used up"
    )
    assert sandbox_chain.pusd_balance(wallet) == 5_000_000  # the failed call changed nothing
    assert wallets.nonce("proxy", OWNER) == 1
    retry = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)])
    assert retry["nonce"] == "1"
    assert relayed_through_hub(sandbox_chain, wallets, retry) is None
    assert sandbox_chain.pusd_balance(wallet) == 4_000_000
    assert wallets.nonce("proxy", OWNER) == 2


def test_hub_outcome_of_another_signed_call_is_not_taken_for_this_one(sandbox_chain, wallets):
    """The owner's other call with the same nonce succeeded; this body's signature is not in
    that transaction, so its success is not this call's."""
    funded_wallet(wallets, "proxy")
    first = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)])
    other = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 2_000_000)])
    tx_hash = wallets.execute(first, relayer_key=RELAYER_KEY)
    chain = Chain.connect(sandbox_chain.rpc_url, sandbox_chain.addresses)
    receipt = chain.receipt(tx_hash)
    assert receipt is not None
    failure = proxy_call_failure(
        sent=chain.sent_call(tx_hash),
        logs=receipt.logs,
        hub=wallets.proxy_relay_hub.address,
        request=other,
    )
    assert failure == "the relayer's transaction carries another signed call"


# --- redemption through a wallet -----------------------------------------------------------------


def approve_and_redeem(sandbox_chain: SandboxChain, onchain: Any) -> tuple[Call, Call]:
    """(to, data) of the CTF approval of the collateral adapter and of the redeem through it,
    as LT's redemption service encodes them."""
    chain = Chain.connect(sandbox_chain.rpc_url, sandbox_chain.addresses)
    redeem = chain.redeem_call(
        route=RedemptionRoute.COLLATERAL_ADAPTER,
        condition_id=onchain.condition_id,
        collateral=sandbox_chain.pusd.address,
        index_sets=[1, 2],
        amounts=[],
    )
    return chain.approval_call(chain.contracts.collateral_adapter), redeem


@pytest.mark.parametrize("kind", KINDS)
def test_wallet_redeems_a_resolved_winner_through_the_collateral_adapter(
    sandbox_chain, wallets, kind
):
    wallet = wallets.create(kind, OWNER)
    onchain = sandbox_chain.prepare_condition(b"\x32" * 32)
    sandbox_chain.give_position(wallet, onchain, 0, 10_000_000)
    sandbox_chain.resolve(onchain, onchain.yes_token_id)
    approve, redeem = approve_and_redeem(sandbox_chain, onchain)
    before = sandbox_chain.pusd_balance(wallet)
    wallets.execute(request(wallets, kind, [approve]), relayer_key=RELAYER_KEY)
    wallets.execute(request(wallets, kind, [redeem]), relayer_key=RELAYER_KEY)
    assert sandbox_chain.pusd_balance(wallet) - before == 10_000_000
    assert sandbox_chain.position_balance(wallet, onchain.yes_token_id) == 0
    assert sandbox_chain.pusd_balance(OWNER) == 0
    assert wallets.nonce(kind, OWNER) == 2


@pytest.mark.parametrize("kind", ["proxy", "deposit_wallet"])
def test_one_signed_batch_approves_and_redeems_together(sandbox_chain, wallets, kind):
    wallet = wallets.create(kind, OWNER)
    onchain = sandbox_chain.prepare_condition(b"\x33" * 32)
    sandbox_chain.give_position(wallet, onchain, 1, 4_000_000)
    sandbox_chain.resolve(onchain, onchain.no_token_id)
    calls = list(approve_and_redeem(sandbox_chain, onchain))
    wallets.execute(request(wallets, kind, calls), relayer_key=RELAYER_KEY)
    assert sandbox_chain.pusd_balance(wallet) == 4_000_000
    assert wallets.nonce(kind, OWNER) == 1


# --- per-kind details ----------------------------------------------------------------------------


def test_safe_hash_signed_by_lt_is_the_safes_own_transaction_hash(sandbox_chain, wallets):
    safe_address = wallets.create("safe", OWNER)
    safe = wallets.wallet("safe", safe_address)
    to, data = pusd_transfer(sandbox_chain, RECIPIENT, 1)
    zero = "0x" + "00" * 20
    onchain = safe.functions.getTransactionHash(
        to, 0, bytes.fromhex(data[2:]), 0, 0, 0, 0, zero, zero, 7
    ).call()
    python = wallet_calls.safe_tx_hash(chain_id=137, safe=safe_address, to=to, data=data, nonce=7)
    assert bytes(onchain) == python
    assert safe.functions.getOwners().call() == [OWNER]
    assert safe.functions.getThreshold().call() == 1


def test_safe_accepts_a_plain_ecdsa_signature_of_the_hash(sandbox_chain, wallets):
    safe = funded_wallet(wallets, "safe")
    to, data = pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)
    body = request(wallets, "safe", [(to, data)])
    digest = wallet_calls.safe_tx_hash(chain_id=137, safe=safe, to=to, data=data, nonce=0)
    signed = Account.unsafe_sign_hash(digest, OWNER_KEY)  # v 27/28: no eth_sign prefix
    body["signature"] = "0x" + bytes(signed.signature).hex()
    wallets.execute(body, relayer_key=RELAYER_KEY)
    assert sandbox_chain.pusd_balance(RECIPIENT) == 1_000_000


def test_safe_request_is_refused_before_sending_when_no_safe_is_deployed(sandbox_chain, wallets):
    body = request(wallets, "safe", [pusd_transfer(sandbox_chain, RECIPIENT, 1)])
    with pytest.raises(ValueError, match="no Safe deployed"):
        wallets.execute(body, relayer_key=RELAYER_KEY)


def test_safe_signature_is_eth_sign_style_with_v_shifted_by_four(wallets):
    body = request(wallets, "safe", [("0x" + "11" * 20, "0x")])
    signature = bytes.fromhex(body["signature"][2:])
    assert len(signature) == 65 and signature[64] in (31, 32)
    assert body["type"] == "SAFE" and body["from"] == OWNER and body["nonce"] == "0"


def test_proxy_wallet_is_created_by_its_first_relayed_call(sandbox_chain, wallets):
    wallet = wallets.address_for("proxy", OWNER)
    sandbox_chain.fund_pusd(wallet, 2_000_000)  # funds may arrive before the wallet exists
    body = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 2_000_000)])
    wallets.execute(body, relayer_key=RELAYER_KEY)
    assert wallets.is_deployed(wallet)
    assert sandbox_chain.pusd_balance(RECIPIENT) == 2_000_000


def test_proxy_request_for_another_relay_is_refused_before_sending(sandbox_chain, wallets):
    body = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 1)])
    with pytest.raises(ValueError, match="names relay"):
        wallets.execute(body, relayer_key=STRANGER_KEY)


def test_proxy_hash_names_the_relay_so_only_that_relay_can_send_it(wallets):
    body = request(wallets, "proxy", [("0x" + "11" * 20, "0xabcdef")])
    args = [OWNER, body["to"], bytes.fromhex(body["data"][2:]), 0, 0, PROXY_GAS_LIMIT, 0]
    signature = bytes.fromhex(body["signature"][2:])
    can_relay = wallets.proxy_relay_hub.functions.canRelay
    stranger = Account.from_key(STRANGER_KEY).address
    assert can_relay(stranger, *args, signature).call() == 1  # WrongSignature
    assert can_relay(RELAYER, *args, signature).call() == 0  # the named relay passes


def test_proxy_factory_called_directly_acts_for_the_caller_not_an_appended_address(
    sandbox_chain, wallets
):
    """GSN v1's rule: only the hub may name the sender by appending it; anyone else calling
    the factory acts on their own wallet."""
    owners_wallet = funded_wallet(wallets, "proxy")
    stranger = Account.from_key(STRANGER_KEY).address
    body = request(wallets, "proxy", [pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)])
    data = body["data"] + OWNER[2:].lower()  # the owner appended, as the hub would
    with pytest.raises(Exception, match="insufficient balance"):  # the stranger's own wallet
        sandbox_chain.w3.eth.call({"from": stranger, "to": body["to"], "data": data})
    sandbox_chain.w3.eth.call({"from": OWNER, "to": body["to"], "data": body["data"]})
    assert sandbox_chain.pusd_balance(owners_wallet) == 5_000_000  # calls only, nothing sent


def test_deposit_wallet_refuses_a_batch_past_its_deadline(sandbox_chain, wallets):
    wallet = funded_wallet(wallets, "deposit_wallet")
    expired = wallets.w3.eth.get_block("latest")["timestamp"] - 1
    call = pusd_transfer(sandbox_chain, RECIPIENT, 1_000_000)
    error = execute_reverted(wallets, request(wallets, "deposit_wallet", [call], deadline=expired))
    assert "expired" in error.reason
    assert sandbox_chain.pusd_balance(wallet) == 5_000_000
    assert wallets.nonce("deposit_wallet", wallet) == 0


def test_deposit_wallet_digest_matches_and_erc1271_accepts_only_the_owner(sandbox_chain, wallets):
    wallet_address = wallets.create("deposit_wallet", OWNER)
    wallet = wallets.wallet("deposit_wallet", wallet_address)
    to, data = pusd_transfer(sandbox_chain, RECIPIENT, 5)
    message = wallet_calls.batch_message(
        chain_id=137, wallet=wallet_address, nonce=3, deadline=99, calls=[(to, data)]
    )
    onchain = wallet.functions.batchDigest(3, 99, [(to, 0, bytes.fromhex(data[2:]))]).call()
    assert bytes(onchain) == wallet_calls.typed_digest(message)
    digest = b"\x5a" * 32
    owner_signature = Account.unsafe_sign_hash(digest, OWNER_KEY).signature
    stranger_signature = Account.unsafe_sign_hash(digest, STRANGER_KEY).signature
    assert wallet.functions.isValidSignature(digest, owner_signature).call() == bytes.fromhex(
        "1626ba7e"
    )
    assert wallet.functions.isValidSignature(digest, stranger_signature).call() != bytes.fromhex(
        "1626ba7e"
    )


def test_deposit_wallet_factory_forwards_only_to_its_own_wallets(sandbox_chain, wallets):
    # The same owner's wallet from another factory: valid signature, wrong factory.
    w3, deployer = sandbox_chain.w3, sandbox_chain.deployer
    other_factory = contract_deploy(w3, deployer, "DepositWalletFactory")
    other = sandbox_chain.w3.eth.contract(address=other_factory, abi=abi("DepositWalletFactory"))
    sandbox_chain._transact(other.functions.createWallet(OWNER))
    foreign = other.functions.walletFor(OWNER).call()
    sandbox_chain.fund_pusd(foreign, 1_000_000)
    body = request(wallets, "deposit_wallet", [pusd_transfer(sandbox_chain, RECIPIENT, 1)])
    body["depositWalletParams"]["depositWallet"] = foreign
    error = execute_reverted(wallets, body)
    assert "not a wallet of this factory" in error.reason
    assert sandbox_chain.pusd_balance(foreign) == 1_000_000


def test_proxy_signature_is_a_personal_sign_of_the_rlx_hash(wallets):
    body = request(wallets, "proxy", [("0x" + "11" * 20, "0xabcdef")])
    params = body["signatureParams"]
    digest = wallet_calls.proxy_struct_hash(
        sender=OWNER,
        to=body["to"],
        data=body["data"],
        transaction_fee=0,
        gas_price=0,
        gas_limit=int(params["gasLimit"]),
        nonce=0,
        relay_hub=params["relayHub"],
        relay=params["relay"],
    )
    signer = Account.recover_message(encode_defunct(primitive=digest), signature=body["signature"])
    assert signer == OWNER
    assert params == {
        "gasPrice": "0",
        "gasLimit": str(PROXY_GAS_LIMIT),
        "relayerFee": "0",
        "relayHub": wallets.proxy_relay_hub.address,
        "relay": RELAYER,
    }
