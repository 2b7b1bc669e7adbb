"""The intake's statements, sent with the decision's: one round trip to claim the signed
request, store the signal and read the decision's snapshot; one to write the decision, the
stored answer and the key's last use, with the COMMIT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from strategies.models import ApiCredential, Signal
from strategies.signing import SignedRequest, credential_check

from .credentials import credential_check_statement
from .decisions import Decided, DecisionUnit
from .sql import Statement, insert_statement

_NONCE_SQL = (
    "INSERT INTO lt_signal_nonces (signature, key_id, request_ts, created_at) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (signature) DO NOTHING RETURNING 1"
)
_ANSWER_SQL = "UPDATE lt_signals SET response_status = 201, response_body = %s WHERE id = %s"
_TOUCH_SQL = "UPDATE lt_api_credentials SET last_used_at = %s WHERE id = %s"


@dataclass(frozen=True)
class Claim:
    """What the first round trip found: whether the signature was new, and whether the
    signal was stored (not: its idempotency key was taken, a replay of that signal)."""

    claimed: bool
    stored: bool


class IntakeUnit(DecisionUnit):
    """A decision made by the intake, for a signal it stores in the same transaction."""

    def __init__(
        self,
        *,
        signed: SignedRequest,
        signal: Signal,
        at: datetime,
        answer: Callable[[Signal, Decided], dict[str, Any]],
    ) -> None:
        strategy = signed.credential.strategy
        super().__init__(signal=signal, strategy=strategy, rules=strategy.risk_rules, at=at)
        self.signed = signed
        self.answer = answer

    def claim(self) -> Claim:
        """Check the key is still the one verified, claim the request's signature, insert
        the signal unless its key is taken, and read the decision's snapshot (its locks, in
        its order), in one round trip.

        A revoked key raises SignatureInvalid, a changed strategy or rules CredentialChanged:
        the caller's transaction rolls the signal row back with them.
        """
        signed, signal = self.signed, self.signal
        nonce = [signed.signature, signed.credential.key_id, signed.timestamp, timezone.now()]
        current, claimed, inserted = self.load(
            [
                credential_check_statement(signed.credential.key_id),
                (_NONCE_SQL, nonce),
                # ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first to
                # commit, then finds its row instead of failing halfway through.
                insert_statement(signal, on_conflict="(strategy_id, idempotency_key) DO NOTHING"),
            ]
        )
        credential_check(signed, current)  # revoked, or changed since verified: roll back
        if not claimed or not inserted:
            return Claim(claimed=bool(claimed), stored=False)
        signal.pk = inserted[0][0]
        signal._state.adding = False
        return Claim(claimed=True, stored=True)

    def then(self, decided: Decided) -> list[Statement]:
        """The first answer, stored for replays, and the key's last use."""
        field = Signal._meta.get_field("response_body")
        body = field.get_db_prep_save(
            self.answer(self.signal, decided), connections[DEFAULT_DB_ALIAS]
        )
        return [
            (_ANSWER_SQL, [body, self.signal.pk]),
            *_credential_touch(self.signed.credential, self.at),
        ]

    def finishing(self) -> bool:
        """The intake's transaction is the outermost one and commits when it ends: on
        PostgreSQL, not inside a caller's transaction (nor a test's)."""
        db: Any = connections[DEFAULT_DB_ALIAS]
        return bool(db.vendor == "postgresql" and db.commit_on_exit and len(db.atomic_blocks) == 1)


def _credential_touch(credential: ApiCredential, now: datetime) -> list[Statement]:
    """The key's `last_used_at`: one write a minute per key at most, as the column says
    "in use", not "every request"."""
    last = credential.last_used_at
    if last is not None and now - last < timedelta(minutes=1):
        return []
    credential.last_used_at = now  # the instance a worker remembers (strategies.signing)
    return [(_TOUCH_SQL, [now, credential.pk])]
