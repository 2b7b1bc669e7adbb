"""Signed chain transactions: one nonce allocator under a row lock, the raw transaction and its
hash stored before broadcast, re-broadcast of the same bytes, replacement with a fee bump.

The signer key comes from settings only; it is never stored, logged or passed to a task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from eth_account import Account
from web3 import Web3

from .chain import Chain
from .models import ChainNonce, ChainTransaction, TransactionStatus

log = logging.getLogger(__name__)

GWEI = 10**9
# Replacement must beat the pool's price bump (geth 10 %); web3 uses 12.5 % for legacy gas.
FEE_BUMP_NUMERATOR, FEE_BUMP_DENOMINATOR = 5, 4  # +25 %
GAS_MARGIN_NUMERATOR, GAS_MARGIN_DENOMINATOR = 5, 4
UNMINED = (TransactionStatus.SIGNED, TransactionStatus.BROADCAST)


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def bumped(self) -> Fees:
        return Fees(
            self.max_fee_per_gas * FEE_BUMP_NUMERATOR // FEE_BUMP_DENOMINATOR + 1,
            self.max_priority_fee_per_gas * FEE_BUMP_NUMERATOR // FEE_BUMP_DENOMINATOR + 1,
        )


def fee_cap_wei() -> int:
    """The most a new redeem may offer per gas (REDEMPTION_MAX_FEE_GWEI)."""
    return int(Decimal(settings.REDEMPTION_MAX_FEE_GWEI) * GWEI)


def fees_current(*, chain: Chain) -> Fees:
    priority = settings.REDEMPTION_PRIORITY_FEE_GWEI * GWEI
    return Fees(max_fee_per_gas=2 * chain.gas_price() + priority, max_priority_fee_per_gas=priority)


def nonce_allocate(*, chain_id: int, address: str, chain_next: int) -> int:
    """The next nonce of `address`, from the one allocator row (locked; caller is atomic).

    `chain_next` (the node's confirmed transaction count) moves the row forward when something
    else spent nonces of this address; the row never moves back, so our own signed but not yet
    mined transactions keep theirs.
    """
    ChainNonce.objects.bulk_create(
        [ChainNonce(chain_id=chain_id, address=address, next_nonce=chain_next)],
        ignore_conflicts=True,
    )
    row = ChainNonce.objects.select_for_update().get(chain_id=chain_id, address=address)
    nonce = max(row.next_nonce, chain_next)
    row.next_nonce = nonce + 1
    row.save(update_fields=["next_nonce", "updated_at"])
    return nonce


def transactions_fill_gap(*, chain: Chain, sender: str, node_next: int) -> int:
    """Re-send our stored, unmined transactions the node has lost (its pending count is
    below what we allocated): one lost nonce would hold every later transaction back."""
    row = ChainNonce.objects.filter(chain_id=chain.chain_id, address=sender).first()
    if row is None or node_next >= row.next_nonce:
        return 0
    lost = ChainTransaction.objects.filter(
        chain_id=chain.chain_id,
        from_address=sender,
        nonce__gte=node_next,
        status__in=UNMINED,
        replaced_by__isnull=True,
    ).order_by("nonce")
    return sum(transaction_broadcast(chain=chain, tx=tx) for tx in lost)


def _sign(
    *, chain: Chain, to: str, data: str, nonce: int, gas: int, fees: Fees
) -> tuple[str, str, dict[str, object]]:
    tx: dict[str, object] = {
        "type": 2,
        "chainId": chain.chain_id,
        "nonce": nonce,
        "to": Web3.to_checksum_address(to),
        "value": 0,
        "data": data,
        "gas": gas,
        "maxFeePerGas": fees.max_fee_per_gas,
        "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
    }
    signed = Account.sign_transaction(tx, settings.SIGNER_PRIVATE_KEY)
    return "0x" + bytes(signed.raw_transaction).hex(), "0x" + bytes(signed.hash).hex(), tx


def transaction_sign_and_store(
    *,
    chain: Chain,
    sender: str,
    chain_next: int,
    to: str,
    data: str,
    gas: int,
    fees: Fees,
    purpose: str,
) -> ChainTransaction:
    """Allocate a nonce, sign and store the transaction (status SIGNED), in one transaction.

    `chain_next` is the node's transaction count, read by the caller before any lock.
    """
    gas_limit = gas * GAS_MARGIN_NUMERATOR // GAS_MARGIN_DENOMINATOR
    with transaction.atomic():
        nonce = nonce_allocate(chain_id=chain.chain_id, address=sender, chain_next=chain_next)
        raw, tx_hash, _ = _sign(
            chain=chain, to=to, data=data, nonce=nonce, gas=gas_limit, fees=fees
        )
        return ChainTransaction.objects.create(
            chain_id=chain.chain_id,
            from_address=sender,
            to_address=Web3.to_checksum_address(to),
            nonce=nonce,
            purpose=purpose,
            data=data,
            gas_limit=gas_limit,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            raw_transaction=raw,
            tx_hash=tx_hash,
        )


def transaction_replacement_sign_and_store(
    *, chain: Chain, old: ChainTransaction
) -> ChainTransaction:
    """The same call with the same nonce and fees bumped (+25 %), stored before broadcast."""
    current = fees_current(chain=chain)
    previous = Fees(int(old.max_fee_per_gas or 0), int(old.max_priority_fee_per_gas or 0))
    bumped = previous.bumped()
    fees = Fees(
        max(bumped.max_fee_per_gas, current.max_fee_per_gas),
        max(bumped.max_priority_fee_per_gas, current.max_priority_fee_per_gas),
    )
    raw, tx_hash, _ = _sign(
        chain=chain,
        to=old.to_address,
        data=old.data,
        nonce=old.nonce,
        gas=int(old.gas_limit or 0),
        fees=fees,
    )
    return ChainTransaction.objects.create(
        chain_id=old.chain_id,
        from_address=old.from_address,
        to_address=old.to_address,
        nonce=old.nonce,
        purpose=old.purpose,
        data=old.data,
        gas_limit=old.gas_limit,
        max_fee_per_gas=fees.max_fee_per_gas,
        max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        raw_transaction=raw,
        tx_hash=tx_hash,
        replaces=old,
    )


def transaction_broadcast(*, chain: Chain, tx: ChainTransaction) -> bool:
    """Send the stored bytes. True when the node has the transaction (or had it already).

    An error leaves the row as it was: the send may or may not have reached the node, and the
    hash, not a new signature, decides later.
    """
    try:
        chain.send_raw(tx.raw_transaction)
    except Exception as exc:  # noqa: BLE001 - any RPC failure is recorded, decided by hash later
        message = str(exc)
        if "already known" in message or "already imported" in message:
            pass
        else:
            log.warning("broadcast of %s failed: %s", tx.tx_hash, message[:200])
            ChainTransaction.objects.filter(pk=tx.pk).update(error=message[:500])
            return False
    now = timezone.now()
    ChainTransaction.objects.filter(pk=tx.pk, status=TransactionStatus.SIGNED).update(
        status=TransactionStatus.BROADCAST, broadcast_at=now
    )
    tx.refresh_from_db()
    return True


def transaction_family(tx: ChainTransaction) -> list[ChainTransaction]:
    """The transaction and every one it replaced (same nonce), newest first."""
    family = [tx]
    while family[-1].replaces_id is not None:
        family.append(ChainTransaction.objects.get(pk=family[-1].replaces_id))
    return family


def transaction_record_mined(
    *,
    family: list[ChainTransaction],
    mined_hash: str,
    block_number: int,
    receipt: dict[str, object],
    reverted: bool,
) -> ChainTransaction:
    """Mark the mined member of a nonce family and the others replaced."""
    now = timezone.now()
    mined = next(t for t in family if t.tx_hash == mined_hash)
    for t in family:
        if t.pk == mined.pk:
            continue
        if t.status in UNMINED:
            ChainTransaction.objects.filter(pk=t.pk).update(status=TransactionStatus.REPLACED)
    status = TransactionStatus.REVERTED if reverted else TransactionStatus.MINED
    ChainTransaction.objects.filter(pk=mined.pk).update(
        status=status, block_number=block_number, receipt=receipt, mined_at=now
    )
    mined.refresh_from_db()
    return mined


def transaction_mark_confirmed(tx: ChainTransaction) -> None:
    ChainTransaction.objects.filter(pk=tx.pk).update(
        status=TransactionStatus.CONFIRMED, confirmed_at=timezone.now()
    )
