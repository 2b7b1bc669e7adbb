"""The redemption job: claim one redemption, check the chain, send one redeem (or merge),
follow it to its confirmed payout. Every step is recorded before the next I/O, so a crash or
a second worker resumes from the row, never sends a second redeem (DESIGN.md §5 invariant 5).

An EOA sends its own transactions (transactions.py: nonce allocator, raw bytes stored before
broadcast, fee-bump replacement). A Safe, proxy or deposit wallet is driven through the
relayer (relaying.py: the signed wallet call stored before it is posted; the wallet nonce
makes a second execution impossible).

States: pending → submitted → confirmed | failed | not_needed.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from execution.models import Order, Position, PositionStatus
from execution.positions import position_apply_fill
from ltproject.domain import Side
from ltproject.money import PUSD_PLACES, ZERO, quantize_price, quantize_pusd
from monitoring.models import Alert
from monitoring.services import alert_create, alert_resolve

from .chain import TRANSIENT_ERRORS, Chain, Receipt, get_chain
from .models import (
    ChainTransaction,
    Redemption,
    RedemptionAllocation,
    RedemptionKind,
    RedemptionState,
    RelayedTransaction,
    TransactionStatus,
    WalletType,
)
from .reasons import RedemptionAlert, RedemptionCode
from .relayer import RelayerUnavailable
from .relaying import (
    RelayedCallFailed,
    WalletNotReady,
    relayed_confirmed,
    relayed_open_for,
    relayed_sign,
    relayed_wait,
)
from .resolution import position_settle
from .selectors import SENDING_ROUTES, alert_exists, redemptions_overdue
from .transactions import (
    UNMINED,
    fee_cap_wei,
    fees_current,
    transaction_broadcast,
    transaction_family,
    transaction_mark_confirmed,
    transaction_record_mined,
    transaction_replacement_sign_and_store,
    transaction_sign_and_store,
    transactions_fill_gap,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=3)  # longer than one pass over one redemption can take
RETRY_BASE = timedelta(seconds=30)  # backoff after a failed attempt: 30 s, 1 min, 2 min, ...
RETRY_MAX = timedelta(minutes=15)
TRANSIENT_RETRY = timedelta(seconds=5)  # RPC trouble: soon, without counting an attempt
FOLLOW_UP = timedelta(seconds=5)  # waiting for a receipt, depth or a replacement
NOT_RESOLVED_RETRY = timedelta(minutes=5)
GAS_TOO_HIGH_RETRY = timedelta(minutes=2)  # fees over REDEMPTION_MAX_FEE_GWEI: wait for calm
WALLET_NOT_READY_RETRY = timedelta(minutes=1)  # nonces disagree or no Safe: nothing was signed
RECEIPT_POLL_SECONDS = 0.05
REBROADCASTS_PER_PASS = 2
BASE_UNIT = Decimal(1).scaleb(-PUSD_PLACES)
# RPC or relayer trouble: the same step again soon, without counting an attempt.
RETRY_SOON: tuple[type[BaseException], ...] = (*TRANSIENT_ERRORS, RelayerUnavailable)


class ClaimLostError(Exception):
    """The claim was lost (another worker or an operator changed the row): stop quietly."""


def to_pusd(base_units: int) -> Decimal:
    return Decimal(base_units) * BASE_UNIT


# --- claiming ------------------------------------------------------------------------------


def redemption_claim(*, exclude: set[int] | None = None) -> Redemption | None:
    """Take one due redemption with a lease; a second worker skips it (SKIP LOCKED + lease)."""
    now = timezone.now()
    with transaction.atomic():
        redemption = (
            Redemption.objects.select_for_update(skip_locked=True)
            .filter(
                state__in=(RedemptionState.PENDING, RedemptionState.SUBMITTED),
                route__in=SENDING_ROUTES,
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .exclude(pk__in=exclude or ())
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if redemption is None:
            return None
        redemption.lease_until = now + LEASE
        redemption.save(update_fields=["lease_until", "updated_at"])
    return redemption


def _update_claimed(redemption: Redemption, **fields: object) -> None:
    """Write fields only while we still hold the lease; otherwise the work is someone else's."""
    rows = Redemption.objects.filter(
        pk=redemption.pk, lease_until=redemption.lease_until, state=redemption.state
    ).update(updated_at=timezone.now(), **fields)
    if rows != 1:
        raise ClaimLostError(f"redemption {redemption.pk} changed under us")
    for name, value in fields.items():
        setattr(redemption, name, value)


def _release(
    redemption: Redemption, *, after: timedelta, error: str = "", attempt: bool = False
) -> None:
    fields: dict[str, object] = {"lease_until": None, "next_attempt_at": timezone.now() + after}
    if error:
        fields["last_error"] = error[:1000]
    if attempt:
        fields["attempts"] = redemption.attempts + 1
    _update_claimed(redemption, **fields)


# --- the job -------------------------------------------------------------------------------


def process_one_redemption(
    *, chain: Chain | None = None, exclude: set[int] | None = None
) -> int | None:
    """Claim and advance one redemption; returns its id, or None when nothing is due."""
    redemption = redemption_claim(exclude=exclude)
    if redemption is None:
        return None
    chain = chain or get_chain()
    try:
        if redemption.state == RedemptionState.PENDING:
            _start(redemption, chain)
        else:
            _follow(redemption, chain)
    except ClaimLostError:
        log.info("redemption %s: claim lost", redemption.pk)
    except RETRY_SOON as exc:
        _release_quietly(redemption, after=TRANSIENT_RETRY, error=f"RPC: {exc}")
    except WalletNotReady as exc:
        # Not an attempt: nothing was signed. A wallet that stays unready raises the overdue
        # alert an hour after resolution, with this reason as its last error.
        _release_quietly(redemption, after=WALLET_NOT_READY_RETRY, error=str(exc))
    except Exception as exc:
        log.exception("redemption %s failed", redemption.pk)
        _fail_attempt(redemption, error=f"{type(exc).__name__}: {exc}")
    return redemption.pk


def redemptions_process(*, chain: Chain | None = None, budget_seconds: float = 45.0) -> int:
    """One pass: each due redemption is advanced at most once. Returns how many were touched."""
    seen: set[int] = set()
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        pk = process_one_redemption(chain=chain, exclude=seen)
        if pk is None:
            break
        seen.add(pk)
    return len(seen)


def _release_quietly(redemption: Redemption, *, after: timedelta, error: str) -> None:
    with contextlib.suppress(ClaimLostError):
        _release(redemption, after=after, error=error)


def _fail_attempt(redemption: Redemption, *, error: str) -> None:
    """Count a failed attempt; past the maximum (nothing in flight) give up: failed + alert."""
    redemption.refresh_from_db()
    attempts = redemption.attempts + 1
    if redemption.state == RedemptionState.PENDING and attempts >= settings.REDEMPTION_MAX_ATTEMPTS:
        with transaction.atomic():
            rows = Redemption.objects.filter(
                pk=redemption.pk, state=RedemptionState.PENDING
            ).update(
                state=RedemptionState.FAILED,
                attempts=attempts,
                last_error=error[:1000],
                outcome_code=RedemptionCode.MAX_ATTEMPTS,
                lease_until=None,
            )
            if rows:
                _alert_failed(redemption, error=error)
        return
    backoff = min(RETRY_BASE * (2 ** (attempts - 1)), RETRY_MAX)
    Redemption.objects.filter(pk=redemption.pk).update(
        attempts=attempts,
        last_error=error[:1000],
        lease_until=None,
        next_attempt_at=timezone.now() + backoff,
    )


# --- pending: check, then send one redeem --------------------------------------------------


@dataclass(frozen=True)
class Plan:
    balances: list[int]
    expected: int


def _plan(redemption: Redemption, chain: Chain) -> Plan | None:
    """Chain checks before sending; None when the condition is not resolved on-chain yet."""
    denominator = chain.payout_denominator(redemption.condition_id)
    if denominator == 0:
        return None
    token_ids = [int(t) for t in redemption.token_ids]
    balances = chain.position_balances(redemption.wallet_address, token_ids)
    numerators = [int(n) for n in redemption.payout_numerators] or chain.payout_numerators(
        redemption.condition_id, len(token_ids)
    )
    expected = sum(b * n // denominator for b, n in zip(balances, numerators, strict=True))
    return Plan(balances, expected)


@dataclass(frozen=True)
class Call:
    """The one transaction a redemption sends: where, what, and what it should pay."""

    to: str
    data: str
    amounts: list[int]  # base units per outcome the call moves
    expected: int  # pUSD base units it should pay


def _start(redemption: Redemption, chain: Chain) -> None:
    if redemption.kind == RedemptionKind.MERGE:
        call = _merge_call(redemption, chain)
    else:
        call = _redeem_call(redemption, chain)
    if call is None or not _approved(redemption, chain):
        return
    submitted = {
        "state": RedemptionState.SUBMITTED,
        "amounts": [str(to_pusd(b)) for b in call.amounts],
        "expected_payout": to_pusd(call.expected),
    }
    if redemption.wallet_type != WalletType.EOA:
        relayed = relayed_sign(
            chain=chain,
            wallet_type=redemption.wallet_type,
            wallet=redemption.wallet_address,
            to=call.to,
            data=call.data,
            purpose=str(redemption.kind),
        )
        try:
            with transaction.atomic():
                relayed.save()
                _update_claimed(redemption, relayed=relayed, **submitted)
        except IntegrityError:
            # Another call of this wallet holds the nonce the relayer handed out: after it.
            _release(redemption, after=FOLLOW_UP, error="the wallet's next nonce is in flight")
            return
        _follow(redemption, chain)
        return
    sender = redemption.wallet_address
    fees = fees_current(chain=chain)
    if fees.max_fee_per_gas > fee_cap_wei():
        # A gas spike costs more than waiting: the payout is safe on-chain, the fee is not.
        _release(redemption, after=GAS_TOO_HIGH_RETRY, error="gas price over the fee cap")
        return
    gas = chain.estimate_gas(sender=sender, to=call.to, data=call.data)
    chain_next = chain.transaction_count(sender)
    transactions_fill_gap(chain=chain, sender=sender, node_next=chain_next)
    with transaction.atomic():
        tx = transaction_sign_and_store(
            chain=chain,
            sender=sender,
            chain_next=chain_next,
            to=call.to,
            data=call.data,
            gas=gas,
            fees=fees,
            purpose=str(redemption.kind),
        )
        _update_claimed(redemption, transaction=tx, **submitted)
    _follow(redemption, chain)


def _redeem_call(redemption: Redemption, chain: Chain) -> Call | None:
    """The redeem to send, or None when none is (not resolved yet, nothing held, a loss)."""
    plan = _plan(redemption, chain)
    if plan is None:
        _release(redemption, after=NOT_RESOLVED_RETRY, error="not resolved on-chain yet")
        return None
    if sum(plan.balances) == 0:
        _finish_without_payout(redemption, code=RedemptionCode.ALREADY_REDEEMED)
        return None
    if plan.expected == 0:
        # The wallet holds only losing tokens (the books said otherwise): nothing will be paid.
        _finish_without_payout(redemption, code=RedemptionCode.LOSS, payout=ZERO)
        return None
    to, data = chain.redeem_call(
        route=redemption.route,
        condition_id=redemption.condition_id,
        collateral=redemption.collateral_token,
        index_sets=redemption.index_sets,
        amounts=plan.balances,
    )
    return Call(to, data, plan.balances, plan.expected)


def _merge_call(redemption: Redemption, chain: Chain) -> Call | None:
    """The merge to send: `amount` of every outcome back into as much pUSD. None when the
    condition resolved meanwhile (its redemption pays instead) or the chain holds too little."""
    if chain.payout_denominator(redemption.condition_id) > 0:
        _finish_without_payout(redemption, code=RedemptionCode.RESOLVED_FIRST, book=False)
        return None
    amount = int(Decimal(redemption.amounts[0]).scaleb(PUSD_PLACES))
    token_ids = [int(t) for t in redemption.token_ids]
    balances = chain.position_balances(redemption.wallet_address, token_ids)
    if min(balances) < amount:
        redemption.last_error = f"merge of {to_pusd(amount)} but the wallet holds {balances}"
        _finish_without_payout(redemption, code=RedemptionCode.BALANCE_SHORT, book=False)
        _alert(redemption, RedemptionAlert.BALANCE_SHORT, "holds less than the ledger")
        return None
    to, data = chain.merge_call(
        route=redemption.route,
        condition_id=redemption.condition_id,
        collateral=redemption.collateral_token,
        index_sets=redemption.index_sets,
        amount=amount,
    )
    return Call(to, data, [amount] * len(token_ids), amount)


def _approved(redemption: Redemption, chain: Chain) -> bool:
    """The adapter routes pull positions: approve the adapter on the CTF once (its own tx)."""
    operator = chain.operator_for(redemption.route)
    wallet = redemption.wallet_address
    if operator is None or chain.is_approved_for_all(wallet, operator):
        return True
    purpose = f"approve:{operator}"[:32]
    if redemption.wallet_type != WalletType.EOA:
        return _approved_relayed(redemption, chain, operator=operator, purpose=purpose)
    tx = ChainTransaction.objects.filter(
        from_address=wallet, purpose=purpose, status__in=UNMINED, replaced_by__isnull=True
    ).first()
    if tx is None:
        to, data = chain.approval_call(operator)
        gas = chain.estimate_gas(sender=wallet, to=to, data=data)
        tx = transaction_sign_and_store(
            chain=chain,
            sender=wallet,
            chain_next=chain.transaction_count(wallet),
            to=to,
            data=data,
            gas=gas,
            fees=fees_current(chain=chain),
            purpose=purpose,
        )
    transaction_broadcast(chain=chain, tx=tx)
    found = _wait_receipt(transaction_family(tx), chain)
    if found is None:
        _release(redemption, after=FOLLOW_UP, error="waiting for the CTF approval")
        return False
    mined, receipt = found
    transaction_record_mined(
        family=transaction_family(tx),
        mined_hash=mined.tx_hash,
        block_number=receipt.block_number,
        receipt=receipt.as_json(),
        reverted=receipt.status != 1,
    )
    if receipt.status != 1:
        raise RuntimeError(f"the CTF approval {mined.tx_hash} reverted")
    return True


def _approved_relayed(redemption: Redemption, chain: Chain, *, operator: str, purpose: str) -> bool:
    """The same approval as a wallet call through the relayer (one in flight per wallet)."""
    wallet = redemption.wallet_address
    relayed = relayed_open_for(wallet=wallet, purpose=purpose)
    if relayed is None:
        to, data = chain.approval_call(operator)
        relayed = relayed_sign(
            chain=chain,
            wallet_type=redemption.wallet_type,
            wallet=wallet,
            to=to,
            data=data,
            purpose=purpose,
        )
        try:
            with transaction.atomic():
                relayed.save()
        except IntegrityError:
            _release(redemption, after=FOLLOW_UP, error="the wallet's next nonce is in flight")
            return False
    try:
        receipt = relayed_wait(relayed, chain=chain, timeout=settings.REDEMPTION_RECEIPT_TIMEOUT)
    except RelayedCallFailed as exc:
        raise RuntimeError(f"the CTF approval failed: {exc}") from exc
    if receipt is None:
        _release(redemption, after=FOLLOW_UP, error="waiting for the CTF approval (relayer)")
        return False
    relayed_confirmed(relayed)
    return True


# --- submitted: follow the transaction -----------------------------------------------------


def _wait_receipt(
    family: list[ChainTransaction], chain: Chain
) -> tuple[ChainTransaction, Receipt] | None:
    """Poll for a receipt of any transaction of the nonce family; re-send dropped bytes."""
    timeout = settings.REDEMPTION_RECEIPT_TIMEOUT
    deadline = time.monotonic() + timeout
    rebroadcasts = 0
    while True:
        for tx in family:
            receipt = chain.receipt(tx.tx_hash)
            if receipt is not None:
                return tx, receipt
        if time.monotonic() >= deadline:
            newest = family[0]
            if rebroadcasts < REBROADCASTS_PER_PASS and not chain.is_known(newest.tx_hash):
                # Dropped (or the send never arrived): the same bytes again, never a new signature.
                transaction_broadcast(chain=chain, tx=newest)
                rebroadcasts += 1
                deadline = time.monotonic() + timeout
                continue
            return None
        time.sleep(RECEIPT_POLL_SECONDS)


def _follow(redemption: Redemption, chain: Chain) -> None:
    if redemption.relayed_id is not None:
        _follow_relayed(redemption, chain)
        return
    assert redemption.transaction_id is not None
    family = transaction_family(ChainTransaction.objects.get(pk=redemption.transaction_id))
    newest = family[0]
    if newest.status == TransactionStatus.SIGNED:
        transaction_broadcast(chain=chain, tx=newest)  # stored but maybe never sent (crash)
    found = _wait_receipt(family, chain)
    if found is None:
        sender = redemption.wallet_address
        node_next = chain.transaction_count(sender)
        transactions_fill_gap(chain=chain, sender=sender, node_next=node_next)
        _maybe_replace(redemption, newest, chain)
        return
    mined_tx, receipt = found
    mined = transaction_record_mined(
        family=family,
        mined_hash=mined_tx.tx_hash,
        block_number=receipt.block_number,
        receipt=receipt.as_json(),
        reverted=receipt.status != 1,
    )
    depth = chain.block_number() - receipt.block_number + 1
    if depth < settings.REDEMPTION_CONFIRMATIONS:
        _release(redemption, after=FOLLOW_UP)
        return
    if receipt.status != 1:
        _reverted(redemption, mined)
        return
    _book(
        redemption,
        receipt,
        chain,
        confirm=lambda: transaction_mark_confirmed(mined),
    )


def _follow_relayed(redemption: Redemption, chain: Chain) -> None:
    assert redemption.relayed_id is not None
    relayed = RelayedTransaction.objects.get(pk=redemption.relayed_id)
    try:
        receipt = relayed_wait(relayed, chain=chain, timeout=settings.REDEMPTION_RECEIPT_TIMEOUT)
    except RelayedCallFailed as exc:
        # Refused or failed for good (nothing paid): a new attempt signs the next nonce.
        _update_claimed(
            redemption, state=RedemptionState.PENDING, outcome_code=RedemptionCode.RELAYER_REFUSED
        )
        _fail_attempt(redemption, error=str(exc))
        return
    if receipt is None:
        _release(redemption, after=FOLLOW_UP, error="waiting for the relayer")
        return
    depth = chain.block_number() - receipt.block_number + 1
    if depth < settings.REDEMPTION_CONFIRMATIONS:
        _release(redemption, after=FOLLOW_UP)
        return
    _book(redemption, receipt, chain, confirm=lambda: relayed_confirmed(relayed))


def _maybe_replace(redemption: Redemption, newest: ChainTransaction, chain: Chain) -> None:
    """A transaction pending too long is replaced: same nonce, fees bumped, stored first."""
    sent_at = newest.broadcast_at or newest.created_at
    stuck = timezone.now() - sent_at >= timedelta(seconds=settings.REDEMPTION_STUCK_AFTER_SECONDS)
    if not stuck or newest.status != TransactionStatus.BROADCAST:
        _release(redemption, after=FOLLOW_UP, error="waiting for the receipt")
        return
    with transaction.atomic():
        replacement = transaction_replacement_sign_and_store(chain=chain, old=newest)
        _update_claimed(redemption, transaction=replacement)
    log.info(
        "redemption %s: replaced %s with %s", redemption.pk, newest.tx_hash, replacement.tx_hash
    )
    transaction_broadcast(chain=chain, tx=replacement)
    _release(redemption, after=FOLLOW_UP, error="replaced a stuck transaction")


def _reverted(redemption: Redemption, tx: ChainTransaction) -> None:
    """A reverted redeem paid nothing: back to pending, counted as a failed attempt."""
    _update_claimed(redemption, state=RedemptionState.PENDING, outcome_code=RedemptionCode.REVERTED)
    _fail_attempt(redemption, error=f"transaction {tx.tx_hash} reverted")


# --- booking -------------------------------------------------------------------------------


def _book(
    redemption: Redemption, receipt: Receipt, chain: Chain, *, confirm: Callable[[], None]
) -> None:
    """Check the collateral that arrived against the expected payout, then book it."""
    wallet, token = redemption.wallet_address, redemption.collateral_token
    received = receipt.transferred(token=token, to=wallet)
    before = chain.erc20_balance(token, wallet, receipt.block_number - 1)
    after = chain.erc20_balance(token, wallet, receipt.block_number)
    expected = redemption.expected_payout or ZERO
    tx_hash = receipt.tx_hash
    with transaction.atomic():
        confirm()
        fields: dict[str, object] = {
            "lease_until": None,
            "collateral_before": to_pusd(before),
            "collateral_after": to_pusd(after),
            "actual_payout": to_pusd(received),
            "confirmed_at": timezone.now(),
        }
        if received == 0 and expected > 0:
            # The trap: a redeem against the wrong collateral succeeds and pays nothing.
            fields |= {"state": RedemptionState.FAILED, "outcome_code": RedemptionCode.PAID_NOTHING}
            fields["last_error"] = f"{tx_hash} succeeded but paid 0 (expected {expected})"
            _update_claimed(redemption, **fields)
            _alert(redemption, RedemptionAlert.PAID_NOTHING, "paid nothing", critical=True)
            return
        merge = redemption.kind == RedemptionKind.MERGE
        paid_code = RedemptionCode.MERGED if merge else RedemptionCode.PAID
        code = paid_code if to_pusd(received) == expected else RedemptionCode.PAYOUT_MISMATCH
        fields |= {"state": RedemptionState.CONFIRMED, "outcome_code": code, "last_error": ""}
        if after - before != received:
            fields["last_error"] = (
                f"balance moved {after - before} in the block, {received} from the redeem"
            )
        _update_claimed(redemption, **fields)
        if redemption.kind == RedemptionKind.MERGE:
            _allocate_merge(redemption)
        else:
            _allocate(redemption, payout=to_pusd(received))
        _alerts_settle(redemption, f"paid {to_pusd(received)} pUSD in {tx_hash}")
        if code == RedemptionCode.PAYOUT_MISMATCH:
            _alert(
                redemption,
                RedemptionAlert.PAYOUT_MISMATCH,
                f"paid {to_pusd(received)}, expected {expected}",
            )


def _allocate(redemption: Redemption, *, payout: Decimal | None) -> None:
    """Split the payout by each strategy's winning shares; positions are closed as redeemed.

    `payout=None` (already redeemed elsewhere) books each position at its resolution value,
    but records no payout on the allocations.
    """
    allocations = list(
        redemption.allocations.select_related("position")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    numerators = [int(n) for n in redemption.payout_numerators]
    denominator = int(redemption.payout_denominator or 1)
    token_index = {str(t): i for i, t in enumerate(redemption.token_ids)}
    weights = [
        a.shares * numerators[token_index[a.position.token_id]] / denominator for a in allocations
    ]
    total = sum(weights, ZERO)
    shares = _split(payout if payout is not None else total, weights)
    for allocation, share in zip(allocations, shares, strict=True):
        position = Position.objects.select_for_update().get(pk=allocation.position_id)
        if position.status != PositionStatus.RESOLVED_WON:
            continue
        if payout is not None:
            allocation.payout = share
            allocation.save(update_fields=["payout"])
        position_settle(position, payout=share, status=PositionStatus.REDEEMED)
        _orders_link(position, redemption)


def _orders_link(position: Position, redemption: Redemption) -> None:
    """Point the orders that built (or partly sold) a redeemed position at its redemption.

    Orders carry no position of their own: those of the same strategy, token and mode placed
    since the previous position in that token closed are this position's.
    """
    previous_close = (
        Position.objects.filter(
            strategy_id=position.strategy_id,
            token_id=position.token_id,
            mode=position.mode,
            closed_at__lte=position.opened_at,
        )
        .exclude(pk=position.pk)
        .aggregate(last=Max("closed_at"))["last"]
    )
    orders = Order.objects.filter(
        strategy_id=position.strategy_id,
        token_id=position.token_id,
        mode=position.mode,
        size_matched__gt=0,
        redemption__isnull=True,
    )
    if previous_close is not None:
        orders = orders.filter(created_at__gt=previous_close)
    orders.update(redemption=redemption)


def _allocate_merge(redemption: Redemption) -> None:
    """Each strategy's merged YES and NO legs are sold back at prices summing to 1, split by
    the legs' average cost, so the merge realises exactly (1 − cost of the pair) per share."""
    allocations = list(
        redemption.allocations.select_for_update(of=("self",)).order_by("strategy_id", "pk")
    )
    by_strategy: dict[int, list[RedemptionAllocation]] = {}
    for allocation in allocations:
        by_strategy.setdefault(allocation.strategy_id, []).append(allocation)
    for legs in by_strategy.values():
        positions = [Position.objects.select_for_update().get(pk=a.position_id) for a in legs]
        for allocation, position, price in zip(
            legs, positions, _merge_prices(positions), strict=True
        ):
            if position.status != PositionStatus.OPEN or position.size <= 0:
                log.warning("merge %s: position %s no longer open", redemption.pk, position.pk)
                continue
            sold = min(allocation.shares, position.size)
            position_apply_fill(position, side=Side.SELL, size=sold, price=price)
            allocation.payout = quantize_pusd(sold * price)
            allocation.save(update_fields=["payout"])


def _merge_prices(positions: list[Position]) -> list[Decimal]:
    costs = [p.avg_cost for p in positions]
    total = sum(costs, ZERO)
    if total <= 0:
        even = quantize_price(Decimal(1) / len(positions))
        prices = [even] * len(positions)
    else:
        prices = [quantize_price(c / total) for c in costs]
    prices[-1] = Decimal(1) - sum(prices[:-1], ZERO)  # exactly 1 per merged share in all
    return prices


def _split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Pro-rata shares rounded down to the base unit; the remainder goes to the largest weight."""
    total = sum(weights, ZERO)
    if total == 0:
        return [ZERO for _ in weights]
    shares = [(amount * w / total).quantize(BASE_UNIT, rounding=ROUND_DOWN) for w in weights]
    if shares:
        largest = max(range(len(weights)), key=lambda i: weights[i])
        shares[largest] += quantize_pusd(amount - sum(shares, ZERO))
    return shares


def _finish_without_payout(
    redemption: Redemption, *, code: str, payout: Decimal | None = None, book: bool = True
) -> None:
    """Close without a transaction; `book` settles the positions at their resolution value
    (a merge that is not needed leaves them as they are)."""
    with transaction.atomic():
        _update_claimed(
            redemption,
            state=RedemptionState.NOT_NEEDED,
            outcome_code=code,
            lease_until=None,
            confirmed_at=timezone.now(),
            last_error=redemption.last_error,
        )
        if book:
            _allocate(redemption, payout=payout)
        _alerts_settle(redemption, f"closed without a transaction ({code})")


def redemption_preview(*, redemption: Redemption, chain: Chain) -> dict[str, object]:
    """What the next pass would do with one redemption (reads only; for `lt_redeem --dry-run`)."""
    preview: dict[str, object] = {
        "redemption": redemption.pk,
        "condition_id": redemption.condition_id,
        "state": redemption.state,
        "route": redemption.route,
    }
    if redemption.state == RedemptionState.SUBMITTED:
        return preview | {"would": "follow transaction", "tx_hash": _tx_hash(redemption)}
    if redemption.kind == RedemptionKind.MERGE:
        return preview | {"would": "send merge", "expected_payout": str(redemption.amounts[0])}
    plan = _plan(redemption, chain)
    if plan is None:
        return preview | {"would": "wait: not resolved on-chain"}
    if sum(plan.balances) == 0:
        return preview | {"would": "mark not_needed: already redeemed"}
    if plan.expected == 0:
        return preview | {"would": "mark not_needed: loss"}
    return preview | {"would": "send redeem", "expected_payout": str(to_pusd(plan.expected))}


def _tx_hash(redemption: Redemption) -> str:
    if redemption.relayed is not None:
        return redemption.relayed.tx_hash or f"relayer:{redemption.relayed.transaction_id}"
    tx = redemption.transaction
    return tx.tx_hash if tx else ""


# --- alerts and operator actions -----------------------------------------------------------


# What LT does about each redemption alert, for the mail.
_ACTIONS = {
    RedemptionAlert.OVERDUE: "LT keeps trying every minute; the shares stay in the wallet "
    "meanwhile, so nothing is lost, only late.",
    RedemptionAlert.FAILED: "LT stopped retrying. Fix the cause, then use the admin's "
    "'Retry' action on the redemption.",
    RedemptionAlert.PAID_NOTHING: "Booked as failed and not retried (a repeat would pay "
    "nothing too): check the redemption route and collateral.",
    RedemptionAlert.PAYOUT_MISMATCH: "Booked at the amount that arrived.",
    RedemptionAlert.BALANCE_SHORT: "The merge was not sent; the positions stay as they are.",
}


def _alert(redemption: Redemption, code: str, what: str, *, critical: bool = False) -> None:
    market = redemption.market
    name = (
        market.question
        if market is not None and market.question
        else (f"{redemption.condition_id[:12]}…")
    )
    alert_create(
        reason_code=code,
        severity=Alert.Severity.CRITICAL if critical else Alert.Severity.WARNING,
        subject=f"Redemption {what}: {name}",
        message=redemption.last_error,
        context={
            "redemption": redemption.pk,
            "kind": redemption.kind,
            "state": redemption.state,
            "expected payout (pUSD)": redemption.expected_payout,
            "attempts": redemption.attempts,
            "resolved at": redemption.resolved_at.isoformat() if redemption.resolved_at else None,
            "wallet": redemption.wallet_address,
        },
        action=_ACTIONS.get(RedemptionAlert(code), ""),
        dedupe_key=f"{code}:{redemption.pk}",
        condition_id=redemption.condition_id,
    )


def _alerts_settle(redemption: Redemption, note: str) -> None:
    """The redemption ended, or an operator took it over: its overdue and failure alerts are
    over."""
    keys = [f"{code}:{redemption.pk}" for code in (RedemptionAlert.OVERDUE, RedemptionAlert.FAILED)]
    keys.append(f"{RedemptionAlert.FAILED}:unknown-collateral:{redemption.condition_id}")
    for key in keys:
        alert_resolve(dedupe_key=key, note=note)


def _alert_failed(redemption: Redemption, *, error: str) -> None:
    redemption.last_error = error
    _alert(redemption, RedemptionAlert.FAILED, "failed after retries", critical=True)


def redemptions_alert_overdue(*, now: datetime | None = None) -> int:
    """One alert per winner still unpaid REDEMPTION_ALERT_AFTER_MINUTES after resolution."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REDEMPTION_ALERT_AFTER_MINUTES)
    raised = 0
    for redemption in redemptions_overdue(resolved_before=cutoff):
        if alert_exists(dedupe_key=f"{RedemptionAlert.OVERDUE}:{redemption.pk}"):
            continue
        with transaction.atomic():
            _alert(redemption, RedemptionAlert.OVERDUE, "unredeemed an hour after resolution")
        raised += 1
    return raised


@transaction.atomic
def redemption_retry(*, redemption: Redemption) -> bool:
    """Operator action: put a failed redemption back to pending, attempts reset."""
    rows = Redemption.objects.filter(pk=redemption.pk, state=RedemptionState.FAILED).update(
        state=RedemptionState.PENDING,
        attempts=0,
        next_attempt_at=None,
        lease_until=None,
        outcome_code="",
    )
    if rows:
        _alerts_settle(redemption, "an operator asked for another try")
    return rows == 1


@transaction.atomic
def redemption_mark(*, redemption: Redemption, state: str, note: str) -> bool:
    """Operator action: mark a redemption not needed or failed (e.g. redeemed by hand)."""
    if state not in (RedemptionState.NOT_NEEDED, RedemptionState.FAILED):
        raise ValueError("an operator may mark a redemption not_needed or failed only")
    rows = (
        Redemption.objects.filter(pk=redemption.pk)
        .exclude(state__in=(RedemptionState.CONFIRMED, RedemptionState.SUBMITTED))
        .update(
            state=state,
            outcome_code=RedemptionCode.MANUAL,
            last_error=note[:1000],
            lease_until=None,
        )
    )
    if rows:
        _alerts_settle(redemption, f"marked {state} by an operator: {note}")
    return rows == 1
