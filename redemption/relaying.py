"""Wallet calls through the relayer, recorded before they are posted.

One call = one `RelayedTransaction`: signed for the wallet's next nonce, stored with the exact
body, then posted; its state follows the relayer's until the chain has it. After a crash
the stored body is found by the relayer's own listing or posted again — the wallet nonce in
the signature makes a second execution impossible, so at most one call per row reaches the
chain, and a new signature is made only after the old one is dead: refused or failed by the
relayer, or mined without doing what it was signed for.

A mined receipt is not success: the proxy wallets' relay hub never reverts when the call it
relays fails, so the call's own events decide (wallet_outcomes.py). The nonce a signature
carries is the relayer's, checked against the wallet's (or the hub's) own on the chain.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import timezone
from web3.exceptions import ContractLogicError

from . import wallet_calls
from .chain import TRANSIENT_ERRORS, Chain, Receipt, signer_address
from .models import RelayedTransaction, RelayState, WalletType
from .relayer import (
    FINAL_FAILURES,
    ON_CHAIN_STATES,
    RelayedState,
    RelayerClient,
    RelayerError,
    get_relayer,
)
from .wallet_outcomes import proxy_call_failure, safe_call_failure

log = logging.getLogger(__name__)

POLL_SECONDS = 0.1
PROXY_GAS_OVERHEAD = 150_000  # the hub and the factory around the wallet's own call
PROXY_GAS_DEFAULT = 10_000_000  # when the inner call cannot be estimated (as the clients do)
ESTIMATE_ERRORS: tuple[type[BaseException], ...] = (
    *TRANSIENT_ERRORS,
    ContractLogicError,
    ValueError,
)
NONCE_TYPES: dict[str, str] = {WalletType.SAFE: "SAFE", WalletType.DEPOSIT_WALLET: "WALLET"}
OPEN_STATES = (RelayState.SIGNED, RelayState.NEW, RelayState.EXECUTED, RelayState.MINED)


class RelayedCallFailed(Exception):
    """The relayer refused the call or it failed on-chain: a new attempt needs a new nonce."""


class WalletNotReady(Exception):
    """No call can be signed for the wallet now (no Safe deployed, or the relayer's nonce is not
    the chain's): nothing was signed, try again later."""


def relayed_sign(
    *,
    chain: Chain,
    wallet_type: str,
    wallet: str,
    to: str,
    data: str,
    purpose: str,
    relayer: RelayerClient | None = None,
) -> RelayedTransaction:
    """The call signed for the wallet's next nonce, as an unsaved row.

    The nonce comes from the relayer and, for Safes and proxy wallets, must equal the chain's
    (WalletNotReady otherwise). That is I/O, so this runs before the caller's transaction; the
    caller saves the row in it, together with whatever points at it. Saving a second
    signature for a nonce still in flight violates lt_relayed_tx_nonce_once.
    """
    relayer = relayer or get_relayer()
    key = settings.SIGNER_PRIVATE_KEY
    signer = signer_address()
    contracts = chain.contracts
    if wallet_type == WalletType.SAFE:
        nonce = _safe_nonce(chain, relayer, signer=signer, safe=wallet)
        body = wallet_calls.safe_request(
            private_key=key, chain_id=chain.chain_id, safe=wallet, to=to, data=data, nonce=nonce
        )
    elif wallet_type == WalletType.PROXY:
        relay, relayer_nonce = relayer.relay_payload(signer)
        nonce = _agreed(relayer_nonce, chain.relay_hub_nonce(signer), what="the relay hub's")
        body = wallet_calls.proxy_request(
            private_key=key,
            proxy_factory=contracts.proxy_factory,
            relay_hub=contracts.proxy_relay_hub,
            relay=relay,
            proxy_wallet=wallet,
            calls=[(to, data)],
            nonce=nonce,
            gas_limit=_proxy_gas(chain, wallet=wallet, to=to, data=data),
        )
    elif wallet_type == WalletType.DEPOSIT_WALLET:
        nonce = relayer.nonce(signer, NONCE_TYPES[wallet_type])
        deadline = int(time.time()) + settings.RELAYER_BATCH_DEADLINE_SECONDS
        body = wallet_calls.deposit_wallet_request(
            private_key=key,
            chain_id=chain.chain_id,
            wallet=wallet,
            factory=contracts.deposit_wallet_factory,
            nonce=nonce,
            deadline=deadline,
            calls=[(to, data)],
        )
    else:
        raise ValueError(f"a {wallet_type} wallet sends its own transactions")
    return RelayedTransaction(
        wallet_type=wallet_type,
        signer_address=signer,
        wallet_address=wallet,
        nonce=nonce,
        purpose=purpose[:32],
        to_address=to,
        data=data,
        request=body,
    )


def _safe_nonce(chain: Chain, relayer: RelayerClient, *, signer: str, safe: str) -> int:
    if not chain.has_code(safe):
        raise WalletNotReady(f"no Safe is deployed at {safe}")
    relayer_nonce = relayer.nonce(signer, NONCE_TYPES[WalletType.SAFE])
    return _agreed(relayer_nonce, chain.safe_nonce(safe), what="the Safe's own")


def _agreed(relayer_nonce: int, chain_nonce: int, *, what: str) -> int:
    """The nonce to sign, when the relayer's and the chain's agree. A relayer behind the chain
    would have LT sign a used nonce (a dead signature); one ahead of it, a call that waits
    behind calls that may never run: either way sign nothing until they agree."""
    if relayer_nonce != chain_nonce:
        raise WalletNotReady(
            f"the relayer's next nonce {relayer_nonce} is not {what} {chain_nonce}"
        )
    return chain_nonce


def _proxy_gas(chain: Chain, *, wallet: str, to: str, data: str) -> int:
    try:
        return chain.estimate_gas(sender=wallet, to=to, data=data) + PROXY_GAS_OVERHEAD
    except ESTIMATE_ERRORS:
        # The wallet may not exist yet (the relayer deploys it on first use) or the node
        # cannot simulate the call from it: sign for the clients' default limit instead.
        return PROXY_GAS_DEFAULT


def relayed_post(relayed: RelayedTransaction, *, relayer: RelayerClient | None = None) -> None:
    """Hand the stored body to the relayer, unless it already holds it.

    Raises RelayedCallFailed when the relayer refuses the body for good.
    """
    relayer = relayer or get_relayer()
    if relayed.transaction_id:
        return
    if relayed.posts:
        # Posted before without a recorded answer: the relayer may hold it already.
        found = _find(relayer, relayed)
        if found is not None:
            _record(relayed, found)
            return
    RelayedTransaction.objects.filter(pk=relayed.pk).update(posts=relayed.posts + 1)
    relayed.posts += 1
    try:
        answer = relayer.submit(relayed.request)
    except RelayerError as exc:
        _record_failure(relayed, RelayState.INVALID, exc.message)
        raise RelayedCallFailed(str(exc)) from exc
    _record(relayed, answer)


def _find(relayer: RelayerClient, relayed: RelayedTransaction) -> RelayedState | None:
    wallet = relayed.wallet_address.lower()
    for row in relayer.transactions():
        if row.proxy_address.lower() == wallet and row.nonce == str(relayed.nonce):
            return row
    return None


def _record(relayed: RelayedTransaction, state: RelayedState) -> None:
    fields: dict[str, object] = {"updated_at": timezone.now()}
    if state.transaction_id:
        fields["transaction_id"] = state.transaction_id
    if state.tx_hash:
        fields["tx_hash"] = state.tx_hash
    if state.state in RelayState.values:
        fields["state"] = state.state
    RelayedTransaction.objects.filter(pk=relayed.pk).update(**fields)
    for name, value in fields.items():
        setattr(relayed, name, value)


def _record_failure(relayed: RelayedTransaction, state: str, error: str) -> None:
    RelayedTransaction.objects.filter(pk=relayed.pk).update(
        state=state, error=error[:1000], updated_at=timezone.now()
    )
    relayed.state, relayed.error = state, error


def relayed_wait(
    relayed: RelayedTransaction,
    *,
    chain: Chain,
    timeout: float,
    relayer: RelayerClient | None = None,
) -> Receipt | None:
    """Post if needed, then follow the relayer until the chain has the call (its receipt) or
    `timeout` passes (None). Raises RelayedCallFailed when it failed for good."""
    relayer = relayer or get_relayer()
    relayed_post(relayed, relayer=relayer)
    deadline = time.monotonic() + timeout
    while True:
        state = relayer.transaction(relayed.transaction_id)
        if state is not None:
            _record(relayed, state)
            if state.state in FINAL_FAILURES:
                _record_failure(relayed, state.state, f"relayer: {state.state}")
                raise RelayedCallFailed(f"relayed call {relayed.transaction_id}: {state.state}")
            if state.state in ON_CHAIN_STATES and state.tx_hash:
                receipt = chain.receipt(state.tx_hash)
                if receipt is not None:
                    _check_outcome(relayed, chain=chain, receipt=receipt)
                    return receipt
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_SECONDS)


def _check_outcome(relayed: RelayedTransaction, *, chain: Chain, receipt: Receipt) -> None:
    """Raise RelayedCallFailed (recorded) unless the mined transaction did this call."""
    failure = "reverted on-chain" if receipt.status != 1 else _call_failure(relayed, chain, receipt)
    if failure:
        _record_failure(relayed, RelayState.FAILED, failure)
        raise RelayedCallFailed(f"relayed call {receipt.tx_hash}: {failure}")


def _call_failure(relayed: RelayedTransaction, chain: Chain, receipt: Receipt) -> str | None:
    if relayed.wallet_type == WalletType.PROXY:
        return proxy_call_failure(
            sent=chain.sent_call(receipt.tx_hash),
            logs=receipt.logs,
            hub=chain.contracts.proxy_relay_hub,
            request=relayed.request,
        )
    if relayed.wallet_type == WalletType.SAFE:
        safe_tx_hash = wallet_calls.safe_tx_hash(
            chain_id=chain.chain_id,
            safe=relayed.wallet_address,
            to=relayed.to_address,
            data=relayed.data,
            nonce=int(relayed.nonce),
        )
        return safe_call_failure(
            logs=receipt.logs, safe=relayed.wallet_address, safe_tx_hash=safe_tx_hash
        )
    return None  # deposit wallets: the receipt's status is all that is read


def relayed_confirmed(relayed: RelayedTransaction) -> None:
    RelayedTransaction.objects.filter(pk=relayed.pk).update(
        state=RelayState.CONFIRMED, updated_at=timezone.now()
    )


def relayed_open_for(*, wallet: str, purpose: str) -> RelayedTransaction | None:
    """A call of this purpose still in flight for the wallet (an approval, say)."""
    return (
        RelayedTransaction.objects.filter(
            wallet_address=wallet, purpose=purpose[:32], state__in=OPEN_STATES
        )
        .order_by("-pk")
        .first()
    )
