from __future__ import annotations

from tests.redemption.conftest import WALLET, new_market


def test_collection_ids_follow_the_bn128_hash_and_position_ids_the_collateral(sandbox_chain):
    legacy = sandbox_chain.addresses["legacy_collateral"]
    pusd = sandbox_chain.addresses["pusd"]
    onchain = sandbox_chain.prepare_condition(b"\x07" * 32)
    yes_legacy = sandbox_chain.position_id(legacy, onchain.condition_id, 1)
    assert yes_legacy == onchain.yes_token_id
    assert sandbox_chain.position_id(pusd, onchain.condition_id, 1) != yes_legacy
    collection = sandbox_chain.ctf.functions.getCollectionId(
        b"\x00" * 32, bytes.fromhex(onchain.condition_id[2:]), 1
    ).call()
    # CTHelpers packs the point's y parity into bit 254 of x; x < p < 2**254.
    assert int.from_bytes(collection, "big") < 2**255


def test_split_mints_both_outcomes_and_merge_returns_collateral(sandbox_chain):
    onchain = sandbox_chain.prepare_condition(b"\x08" * 32)
    sandbox_chain.split_position(WALLET, onchain, 5_000_000)
    assert sandbox_chain.position_balance(WALLET, onchain.yes_token_id) == 5_000_000
    assert sandbox_chain.position_balance(WALLET, onchain.no_token_id) == 5_000_000
    legacy = sandbox_chain.addresses["legacy_collateral"]
    condition = bytes.fromhex(onchain.condition_id[2:])
    merge = sandbox_chain.ctf.functions.mergePositions(legacy, b"\x00" * 32, condition, [1, 2], 2)
    sandbox_chain.w3.eth.wait_for_transaction_receipt(merge.transact({"from": WALLET}))
    assert sandbox_chain.legacy_balance(WALLET) == 2
    assert sandbox_chain.position_balance(WALLET, onchain.yes_token_id) == 4_999_998


def test_move_position_settles_a_fill_between_any_two_addresses(sandbox_chain):
    onchain = sandbox_chain.prepare_condition(b"\x09" * 32)
    seller = "0x" + "5e" * 20
    sandbox_chain.give_position(seller, onchain, 0, 3_000_000)
    sandbox_chain.move_position(seller, WALLET, onchain.yes_token_id, 1_000_000)
    assert sandbox_chain.position_balance(WALLET, onchain.yes_token_id) == 1_000_000
    assert sandbox_chain.position_balance(seller, onchain.yes_token_id) == 2_000_000


def test_redeem_on_the_ctf_pays_stake_times_payout_and_zero_for_an_empty_balance(sandbox_chain):
    onchain = sandbox_chain.prepare_condition(b"\x0a" * 32)
    sandbox_chain.split_position(WALLET, onchain, 4_000_000)
    sandbox_chain.report_payouts(onchain, [1, 3])  # YES pays 1/4, NO 3/4
    legacy = sandbox_chain.addresses["legacy_collateral"]
    condition = bytes.fromhex(onchain.condition_id[2:])
    redeem = sandbox_chain.ctf.functions.redeemPositions(legacy, b"\x00" * 32, condition, [1, 2])
    for _ in range(2):  # the second pays 0 and still succeeds
        tx = redeem.transact({"from": WALLET})
        assert sandbox_chain.w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    assert sandbox_chain.legacy_balance(WALLET) == 4_000_000
    assert sandbox_chain.position_balance(WALLET, onchain.no_token_id) == 0


def test_report_payouts_sets_the_denominator(sandbox_chain, db):
    onchain, _ = new_market(sandbox_chain)
    condition = bytes.fromhex(onchain.condition_id[2:])
    assert sandbox_chain.ctf.functions.payoutDenominator(condition).call() == 0
    sandbox_chain.resolve(onchain.condition_id, onchain.no_token_id)  # as POST /_sandbox/resolve
    assert sandbox_chain.ctf.functions.payoutDenominator(condition).call() == 1
    assert sandbox_chain.ctf.functions.payoutNumerators(condition, 1).call() == 1


def test_info_lists_rpc_url_chain_id_and_contracts(sandbox_chain):
    info = sandbox_chain.info()
    assert info["chain_id"] == 137
    assert info["rpc_url"].startswith("http://127.0.0.1:")
    assert {"pusd", "ctf", "collateral_adapter", "neg_risk_adapter"} <= set(info["contracts"])


def test_start_deploys_and_another_process_can_attach_by_address():
    import json

    from sandbox.chain import SandboxChain, start

    anvil, chain = start()
    try:
        env = chain.settings_env()
        assert env["CHAIN_ID"] == "137"
        attached = SandboxChain.connect(env["CHAIN_RPC_URL"], json.loads(env["CHAIN_CONTRACTS"]))
        attached.fund_pusd(WALLET, 1_500_000)
        assert chain.pusd_balance(WALLET) == 1_500_000
    finally:
        anvil.stop()
    assert anvil.process is None
