"""Circuit breakers: a CLOSED/OPEN state machine per strategy (and global) and kind.

An observation over its threshold trips the breaker (a TRIP event and an alert). An open
breaker closes by time (`resume_after_minutes` after the trip), by condition
(`resume_when_normal`: the input has stayed under threshold for `resume_after_minutes`), or
by hand (OVERRIDE, from the admin or `lt_resume`); with no resume period only a person can
close it. Resumes are applied lazily when the breaker is next looked at, so no job is needed.

Spread and liquidity are observed by the risk engine at decision time; the executor feeds
slippage, latency and error rate through `breaker_observe`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from monitoring.models import Alert
from monitoring.services import alert_create, alert_resolve
from strategies.models import Strategy

from .decision import (
    KIND_ORDER,
    OPEN_CODE,
    BreakerNormal,
    BreakerResumed,
    BreakerTripped,
    breaker_threshold,
    is_abnormal,
    resume_due,
)
from .models import Breaker, BreakerEvent, BreakerKind
from .reasons import ReasonCode

BreakerChange = BreakerTripped | BreakerNormal | BreakerResumed
__all__ = ["KIND_ORDER", "OPEN_CODE", "breaker_threshold", "is_abnormal", "resume_due"]

_VALUE_QUANTUM = Decimal("0.000001")


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(_VALUE_QUANTUM)


def _locked(strategy: Strategy | None, kind: BreakerKind) -> Breaker:
    # Created on first use; concurrent creators meet on the unique indexes and both lock it.
    Breaker.objects.bulk_create([Breaker(strategy=strategy, kind=kind)], ignore_conflicts=True)
    return Breaker.objects.select_for_update().get(strategy=strategy, kind=kind)


def _event(
    breaker: Breaker,
    event: BreakerEvent.Event,
    reason_code: ReasonCode,
    message: str,
    *,
    value: Decimal | None = None,
    actor: str = "",
    token_id: str = "",
) -> None:
    BreakerEvent.objects.create(
        breaker=breaker,
        event=event,
        reason_code=reason_code,
        input_value=_q(value),
        threshold=breaker.threshold,
        message=message,
        actor=actor,
    )
    key = breaker_alert_key(breaker)
    if event != BreakerEvent.Event.TRIP:
        # The trip's alert is over: resolved, and whoever was told hears that it closed.
        alert_resolve(dedupe_key=key, note=f"closed ({event.label.lower()}): {message}")
        return
    scope = breaker.strategy.slug if breaker.strategy else "every strategy (global)"
    kind = BreakerKind(breaker.kind)
    alert_create(
        reason_code=reason_code,
        severity=Alert.Severity.WARNING,
        strategy=breaker.strategy,
        subject=f"{kind.label} breaker tripped: {scope}",
        message=message,
        context={
            "observed": "unbounded" if value is None else _shown(value),
            "threshold": None if breaker.threshold is None else _shown(breaker.threshold),
            "breaker": str(kind.label),
        },
        action=_trip_action(breaker, scope),
        dedupe_key=key,
        token_id=token_id,
    )


def _shown(value: Decimal) -> str:
    """5000.000000 as 5000, 0.0300 as 0.03: the figure as a person would write it."""
    return format(value.normalize(), "f")


def breaker_alert_key(breaker: Breaker) -> str:
    scope = breaker.strategy.slug if breaker.strategy else "global"
    return f"breaker:{scope}:{breaker.kind}"


def _trip_action(breaker: Breaker, scope: str) -> str:
    refused = f"New entries of {scope} are refused while it is open; exits and stops still run."
    if breaker.resume_after_minutes is None:
        return f"{refused} It stays open until an operator closes it (admin or lt_resume)."
    if breaker.resume_when_normal:
        return (
            f"{refused} It closes once the input has stayed under its threshold for "
            f"{breaker.resume_after_minutes} min (the venue probe looks every minute)."
        )
    assert breaker.resume_at is not None
    return f"{refused} It closes by itself at {breaker.resume_at:%Y-%m-%d %H:%M} UTC."


def _trip(
    *,
    strategy: Strategy | None,
    kind: BreakerKind,
    value: Decimal | None,
    threshold: Decimal,
    resume_after_minutes: int | None,
    resume_when_normal: bool,
    at: datetime,
    token_id: str = "",
) -> Breaker:
    breaker = _locked(strategy, kind)
    if breaker.state == Breaker.State.OPEN:
        return breaker  # a concurrent observation tripped it first
    breaker.state = Breaker.State.OPEN
    breaker.tripped_at = at
    breaker.normal_since = None
    breaker.last_value = _q(value)
    breaker.threshold = _q(threshold)
    breaker.resume_after_minutes = resume_after_minutes
    breaker.resume_when_normal = resume_when_normal
    breaker.resume_at = (
        at + timedelta(minutes=resume_after_minutes)
        if resume_after_minutes is not None and not resume_when_normal
        else None
    )
    breaker.save()
    shown = "unbounded" if value is None else str(_q(value))
    _event(
        breaker,
        BreakerEvent.Event.TRIP,
        OPEN_CODE[kind],
        f"{kind} {shown} against threshold {threshold}",
        value=value,
        token_id=token_id,
    )
    return breaker


def _close(
    breaker: Breaker,
    event: BreakerEvent.Event,
    reason_code: ReasonCode,
    message: str,
    *,
    actor: str = "",
) -> Breaker:
    locked = Breaker.objects.select_for_update().get(pk=breaker.pk)
    if locked.state == Breaker.State.CLOSED:
        return locked
    locked.state = Breaker.State.CLOSED
    locked.resume_at = None
    locked.normal_since = None
    locked.save()
    _event(locked, event, reason_code, message, value=locked.last_value, actor=actor)
    return locked


def _note_normal(breaker: Breaker, *, normal: bool, value: Decimal | None, at: datetime) -> Breaker:
    """Start or break the hold period of a breaker that resumes when normal."""
    if breaker.state != Breaker.State.OPEN or not breaker.resume_when_normal:
        return breaker
    if normal == (breaker.normal_since is not None):
        return breaker
    Breaker.objects.filter(pk=breaker.pk, state=Breaker.State.OPEN).update(
        normal_since=at if normal else None, last_value=_q(value), updated_at=at
    )
    breaker.normal_since = at if normal else None
    return breaker


def _apply(
    *,
    strategy: Strategy | None,
    kind: BreakerKind,
    value: Decimal | None,
    threshold: Decimal,
    current: Breaker | None,
    resume_after_minutes: int | None,
    resume_when_normal: bool,
    at: datetime,
    token_id: str = "",
) -> Breaker | None:
    abnormal = is_abnormal(kind, value, threshold)
    if abnormal and (current is None or current.state == Breaker.State.CLOSED):
        return _trip(
            strategy=strategy,
            kind=kind,
            value=value,
            threshold=threshold,
            resume_after_minutes=resume_after_minutes,
            resume_when_normal=resume_when_normal,
            at=at,
            token_id=token_id,
        )
    if current is None:
        return None
    return _note_normal(current, normal=not abnormal, value=value, at=at)


def _resume_if_due(breaker: Breaker, at: datetime) -> Breaker:
    if not resume_due(breaker, at):
        return breaker
    how = "back under threshold" if breaker.resume_when_normal else "resume period over"
    return _close(breaker, BreakerEvent.Event.RESUME, ReasonCode.BREAKER_RESUMED, how)


def breaker_change_apply(
    *, strategy: Strategy, change: BreakerChange, at: datetime, token_id: str = ""
) -> None:
    """Write one transition a decision made (`risk.decision`): a trip, the start or end of
    a hold period, a resume. Runs inside the decision's transaction."""
    if isinstance(change, BreakerTripped):
        _trip(
            strategy=strategy,
            kind=change.kind,
            value=change.value,
            threshold=change.threshold,
            resume_after_minutes=change.resume_after_minutes,
            resume_when_normal=change.resume_when_normal,
            at=at,
            token_id=token_id,
        )
        return
    owner = None if isinstance(change, BreakerResumed) and change.is_global else strategy
    breaker = Breaker.objects.filter(strategy=owner, kind=change.kind).first()
    if breaker is None:
        return
    if isinstance(change, BreakerNormal):
        _note_normal(breaker, normal=change.normal, value=change.value, at=at)
    else:
        _close(breaker, BreakerEvent.Event.RESUME, ReasonCode.BREAKER_RESUMED, change.how)


@transaction.atomic
def breaker_observe(
    *,
    strategy: Strategy | None,
    kind: BreakerKind,
    value: Decimal | None,
    threshold: Decimal | None = None,
    resume_after_minutes: int | None = None,
    resume_when_normal: bool | None = None,
    at: datetime | None = None,
    token_id: str = "",
) -> Breaker | None:
    """Feed one measurement (slippage bps, latency ms, error rate 0–1, spread, depth pUSD).

    For a strategy the threshold and resume policy come from its rules unless given; a global
    breaker (strategy=None) needs `threshold`. Returns the breaker, or None when no threshold
    applies and no breaker exists.
    """
    at = at or timezone.now()
    rules = strategy.risk_rules if strategy is not None else None
    if threshold is None and rules is not None:
        threshold = breaker_threshold(rules, kind)
    if threshold is None:
        return None
    if rules is not None:
        resume_after_minutes = (
            rules.breaker_resume_after_minutes
            if resume_after_minutes is None
            else resume_after_minutes
        )
        if resume_when_normal is None:
            resume_when_normal = rules.breaker_resume_when_normal
    current = Breaker.objects.filter(strategy=strategy, kind=kind).first()
    breaker = _apply(
        strategy=strategy,
        kind=kind,
        value=value,
        threshold=threshold,
        current=current,
        resume_after_minutes=resume_after_minutes,
        resume_when_normal=bool(resume_when_normal),
        at=at,
        token_id=token_id,
    )
    return None if breaker is None else _resume_if_due(breaker, at)


@transaction.atomic
def breaker_override(*, breaker: Breaker, actor: str, message: str = "") -> Breaker:
    """Close an open breaker by hand (admin action, `lt_resume`)."""
    return _close(
        breaker,
        BreakerEvent.Event.OVERRIDE,
        ReasonCode.MANUAL_RESUME,
        message or f"closed by {actor}",
        actor=actor,
    )


@transaction.atomic
def breakers_override_all(*, strategy: Strategy | None, actor: str, message: str = "") -> int:
    """Close every open breaker of a strategy (or the global ones); returns how many."""
    rows = Breaker.objects.filter(strategy=strategy, state=Breaker.State.OPEN).order_by("pk")
    closed = 0
    for breaker in rows:
        breaker_override(breaker=breaker, actor=actor, message=message)
        closed += 1
    return closed
