"""The `make run` demo: a recorded FT signal stream fed into two demo strategies over HTTP.

`data/demo_ft_signals.jsonl` is what a copy-trading FT system sends: entries and later exits
of two copied wallets across the sandbox scenario's markets. One JSON object a line:

    {"at": 0, "ft_signal_id": "ft-copy-0001", "leader": "0x…", "market": "fed-cut-december",
     "outcome": "Yes", "side": "BUY", "price": "0.63", "size": "80"}

`at` is seconds from the start of the stream, `price` the FT's price and `size` its shares
(decimal strings), `leader` the copied wallet (optional). Markets are named by slug and
outcome because token ids are the sandbox chain's position ids: only the slug is stable
across scenarios and deployments. They are resolved from the venue's `GET /markets` before
anything is written or sent, so a bad file changes nothing. The prices were recorded at the
scenario's opening prices; the sandbox's crowd walks from there, so each is replayed moved
by as much as its token's mid has (`ft_price_now`).

Every signal goes to both strategies (`demo-copy-paper`, `demo-copy-live`) through
`POST /api/v1/signals/`, signed like any FT system's, so the risk layer, the executor and
the FT-vs-LT comparison see exactly what they would in production.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from eth_account import Account

from execution.models import Order, Position, PositionStatus
from execution.reconcile import reconcile
from execution.venue import Book, VenueAdapter, VenueError
from execution.venue.session import get_venue
from ltproject.devkeys import ANVIL_KEYS
from ltproject.domain import Side, TradingMode
from ltproject.money import ONE, SHARES_QUANTUM, ZERO, price_on_tick
from risk.rules_io import rules_import
from strategies.models import Strategy
from strategies.services import credential_issue, credential_revoke, strategy_create
from strategies.signing import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_compute

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_ft_signals.jsonl"
PAPER_SLUG = "demo-copy-paper"
LIVE_SLUG = "demo-copy-live"
DEMO_STRATEGIES = ((PAPER_SLUG, TradingMode.PAPER), (LIVE_SLUG, TradingMode.LIVE))
SIGNALS_PATH = "/api/v1/signals/"

# LT's wallet in the demo: anvil's second dev account (anvil gives it gas; pUSD comes from the
# sandbox faucet). Never account 0: it is the sandbox chain's faucet and oracle, whose own
# transactions would race LT's nonces and blur which balance is whose.
DEMO_SIGNER_KEY = ANVIL_KEYS[1]
FAUCET_ADDRESS = Account.from_key(ANVIL_KEYS[0]).address.lower()
WALLET_PUSD = Decimal(1000)  # what the live demo wallet is topped up to at each start

# Copy half the leader's size, capped per order; limits small enough that a two-minute stream
# shows the risk layer refusing some entries (event and market exposure, open positions, too
# small to trade) while most go through. A market outside any neg-risk event counts as its
# own event, so the event limit caps single markets too.
DEMO_RULES: dict[str, Any] = {
    "budget_daily": "300",
    "max_consecutive_losses": 10,
    "loss_streak_pause_minutes": 30,
    "max_exposure_per_market": "30",
    "max_exposure_per_event": "25",
    "max_concurrent_positions": 4,
    "min_order_notional": "3",
    "max_order_notional": "20",
    "sizing": {"mode": "ft_proportional", "multiplier": "0.5"},
    "stop_loss_pct": "30",
    "order": {"type": "FAK", "max_slippage_bps": 200},
}

POST_ATTEMPTS = 5
_FIELDS = {"at", "ft_signal_id", "leader", "market", "outcome", "side", "price", "size"}
_REQUIRED = _FIELDS - {"leader"}
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_MAX_SIZE = Decimal(10) ** 14


class DemoError(Exception):
    """The demo cannot run; the message is one readable line."""


@dataclass(frozen=True)
class FtSignal:
    line: int
    at: Decimal
    ft_signal_id: str
    market: str
    outcome: str
    side: str
    price: Decimal
    size: Decimal
    leader: str = ""

    @property
    def ref(self) -> tuple[str, str]:
        return self.market, self.outcome.casefold()


@dataclass(frozen=True)
class DemoToken:
    token_id: str
    condition_id: str
    tick: Decimal
    opening_price: Decimal  # the scenario's price, which the file's prices were recorded at


@dataclass(frozen=True)
class DemoTarget:
    slug: str
    mode: str
    key_id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class DemoPlan:
    signals: list[FtSignal]
    tokens: dict[tuple[str, str], DemoToken]


@dataclass
class FeedTally:
    accepted: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


# --- the file ---------------------------------------------------------------------------


def ft_signals_load(path: Path) -> list[FtSignal]:
    """Every signal of a JSON-lines file, or DemoError naming the first bad line."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise DemoError(f"cannot read {path}: {reason}") from None
    signals: list[FtSignal] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            signal = _ft_signal(number, raw)
            _follows(signal, signals)
        except ValueError as error:
            raise DemoError(f"{path.name}:{number}: {error}") from None
        signals.append(signal)
    if not signals:
        raise DemoError(f"{path}: no signals in the file")
    return signals


def _ft_signal(number: int, raw: str) -> FtSignal:
    try:
        data = json.loads(raw, parse_float=Decimal)
    except ValueError as error:
        raise ValueError(f"not a JSON object ({error})") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if unknown := sorted(set(data) - _FIELDS):
        raise ValueError(f"unknown key {unknown[0]!r}")
    if missing := sorted(_REQUIRED - set(data)):
        raise ValueError(f"missing key {missing[0]!r}")
    return FtSignal(
        line=number,
        at=_seconds(data["at"]),
        ft_signal_id=_signal_id(data["ft_signal_id"]),
        market=_text(data, "market"),
        outcome=_text(data, "outcome"),
        side=_side(data["side"]),
        price=_decimal(data, "price", below=ONE),
        size=_decimal(data, "size"),
        leader=_leader(data.get("leader", "")),
    )


def _follows(signal: FtSignal, earlier: list[FtSignal]) -> None:
    if earlier and signal.at < earlier[-1].at:
        raise ValueError(f"at {signal.at} is before the previous line's {earlier[-1].at}")
    if any(s.ft_signal_id == signal.ft_signal_id for s in earlier):
        raise ValueError(f"ft_signal_id {signal.ft_signal_id!r} appears twice")


def _seconds(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
        raise ValueError("at: must be a number of seconds >= 0")
    return Decimal(value)


def _text(data: dict[str, Any], key: str, *, limit: int = 200) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValueError(f"{key}: must be a non-empty string of at most {limit} characters")
    return value.strip()


def _signal_id(value: Any) -> str:
    # What LT's signal API takes as an id (and the demo's idempotency keys are built from).
    if not isinstance(value, str) or not re.fullmatch(r"[\x21-\x7e]{1,100}", value):
        raise ValueError("ft_signal_id: 1 to 100 printable ASCII characters, no spaces")
    return value


def _side(value: Any) -> str:
    if value not in Side.values:
        raise ValueError(f"side: must be BUY or SELL, not {value!r}")
    return str(value)


def _decimal(data: dict[str, Any], key: str, *, below: Decimal | None = None) -> Decimal:
    value = data[key]
    bounds = "in (0, 1)" if below is not None else "> 0"
    if not isinstance(value, str):
        raise ValueError(f'{key}: must be a decimal string {bounds}, e.g. "0.55"')
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{key}: {value!r} is not a decimal number") from None
    if not number.is_finite() or number <= 0 or (below is not None and number >= below):
        raise ValueError(f"{key}: must be {bounds}, not {value}")
    if number != number.quantize(SHARES_QUANTUM, rounding=ROUND_DOWN) or number >= _MAX_SIZE:
        # What the signal API takes (6 places, 20 digits): refused here, not halfway through.
        raise ValueError(f"{key}: at most 6 decimal places and 14 digits, not {value}")
    return number


def _leader(value: Any) -> str:
    if value == "":
        return ""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ValueError("leader: must be a 0x-prefixed 40-hex-digit wallet address")
    return value


# --- checks before anything is written --------------------------------------------------


def demo_plan(*, path: Path, venue: VenueAdapter | None = None) -> DemoPlan:
    """Read the file and resolve its markets at the venue: no writes, DemoError on bad input."""
    signals = ft_signals_load(path)
    _live_settings_check()
    venue = venue or _connected_venue()
    tokens = demo_tokens_resolve(signals, venue=venue, source=path.name)
    _sandbox_check()
    return DemoPlan(signals=signals, tokens=tokens)


def _live_settings_check() -> None:
    if not settings.LIVE_TRADING or not settings.SIGNER_PRIVATE_KEY:
        raise DemoError(
            "the live demo strategy needs LIVE_TRADING=true and SIGNER_PRIVATE_KEY "
            "(`make run` sets both for the sandbox)"
        )
    if _signer_address() == FAUCET_ADDRESS:
        raise DemoError(
            "SIGNER_PRIVATE_KEY is anvil account 0, the sandbox chain's faucet and oracle; "
            "give LT a wallet of its own"
        )


def _signer_address() -> str:
    try:
        return str(Account.from_key(settings.SIGNER_PRIVATE_KEY).address).lower()
    except (ValueError, TypeError):
        raise DemoError("SIGNER_PRIVATE_KEY is not a valid private key") from None


def _connected_venue() -> VenueAdapter:
    try:
        return get_venue()
    except VenueError as error:
        raise DemoError(f"cannot reach the venue at {settings.CLOB_HOST}: {error}") from None


def demo_tokens_resolve(
    signals: Iterable[FtSignal], *, venue: VenueAdapter, source: str = "file"
) -> dict[tuple[str, str], DemoToken]:
    """Token ids (and tick, opening price) of every (market slug, outcome) the signals name."""
    try:
        listed = _venue_tokens(venue.markets())
    except VenueError as error:
        raise DemoError(f"cannot list the venue's markets: {error}") from None
    resolved: dict[tuple[str, str], DemoToken] = {}
    for signal in signals:
        token = listed.get(signal.ref)
        if token is None:
            raise DemoError(
                f"{source}:{signal.line}: the venue has no market {signal.market!r} "
                f"with outcome {signal.outcome!r}"
            )
        resolved[signal.ref] = token
    return resolved


def _venue_tokens(markets: list[dict[str, Any]]) -> dict[tuple[str, str], DemoToken]:
    listed: dict[tuple[str, str], DemoToken] = {}
    for market in markets:
        tick = Decimal(str(market.get("minimum_tick_size") or "0.01"))
        for token in market.get("tokens") or []:
            key = (str(market.get("market_slug", "")), str(token.get("outcome", "")).casefold())
            listed[key] = DemoToken(
                token_id=str(token["token_id"]),
                condition_id=str(market.get("condition_id", "")),
                tick=tick,
                opening_price=Decimal(str(token.get("price", 0))),
            )
    return listed


def _sandbox_check() -> None:
    # The live demo strategy is funded by the sandbox faucet: against any other venue it
    # would trade a real wallet, so it refuses.
    try:
        answer = httpx.get(f"{settings.CLOB_HOST}/_sandbox/faults", timeout=5)
    except httpx.HTTPError as error:
        raise DemoError(f"cannot reach the venue at {settings.CLOB_HOST}: {error}") from None
    if answer.status_code != 200:
        raise DemoError(
            f"{settings.CLOB_HOST} is not the sandbox venue; the demo trades only against it"
        )


# --- setup: strategies, keys, wallet, reconciliation ------------------------------------


@transaction.atomic
def demo_strategies_ensure() -> list[DemoTarget]:
    """The two demo strategies (created with the demo rules when missing; an operator's later
    edits are kept) and a fresh signing key each; older keys of theirs are revoked, so runs
    do not pile keys up."""
    targets = []
    for slug, mode in DEMO_STRATEGIES:
        strategy = Strategy.objects.filter(slug=slug).first() or _demo_strategy_create(slug, mode)
        for credential in strategy.credentials.filter(is_active=True):
            credential_revoke(credential=credential)
        issued = credential_issue(strategy=strategy)
        targets.append(DemoTarget(strategy.slug, strategy.mode, issued.key_id, issued.secret))
    return targets


def _demo_strategy_create(slug: str, mode: str) -> Strategy:
    strategy = strategy_create(slug=slug, mode=mode, name=f"Demo: copy two leaders ({mode})")
    strategy.description = "Fed by `make run` from the bundled FT stream (strategies/data)."
    strategy.ft_source = DEMO_FILE.name
    strategy.save(update_fields=["description", "ft_source", "updated_at"])
    rules_import(strategy.risk_rules, DEMO_RULES)
    return strategy


def demo_wallet_prepare(*, venue: VenueAdapter, write: Callable[[str], None]) -> None:
    """Give the wallet back what LT's ledger says it holds, then top its pUSD up.

    The sandbox starts empty each run while LT's database persists: without the first step,
    positions of an earlier run would make every reconciliation fail, halting live entries.
    """
    wallet = venue.funder
    for token_id, held in _ledger_holdings().items():
        short = held - _venue_balance(venue, token_id)
        if short <= 0:
            continue
        try:
            _faucet(wallet, token_id=token_id, shares=short)
        except DemoError as error:  # e.g. a token of another scenario: reconcile will say so
            write(f"demo: cannot restore token {token_id[:12]}…: {error}")
            continue
        write(f"demo: restored {short} shares of token {token_id[:12]}… to the wallet")
    try:
        cash = venue.balance().balance
    except VenueError as error:
        raise DemoError(f"cannot read the live wallet's pUSD at the venue: {error}") from None
    if cash < WALLET_PUSD:
        _faucet(wallet, pusd=WALLET_PUSD - cash)
    write(f"demo: live wallet {wallet} holds {max(cash, WALLET_PUSD)} pUSD at the sandbox")


def _ledger_holdings() -> dict[str, Decimal]:
    rows = (
        Position.objects.filter(mode=TradingMode.LIVE, status=PositionStatus.OPEN, size__gt=0)
        .values("token_id")
        .annotate(total=Sum("size"))
    )
    return {row["token_id"]: row["total"] for row in rows}


def _venue_balance(venue: VenueAdapter, token_id: str) -> Decimal:
    try:
        return venue.balance(token_id).balance
    except VenueError:
        return ZERO  # a token this sandbox does not list: funding it is refused below


def _faucet(
    wallet: str, *, pusd: Decimal = ZERO, token_id: str = "", shares: Decimal = ZERO
) -> None:
    body = {"address": wallet, "pusd": str(pusd), "token_id": token_id, "shares": str(shares)}
    try:
        answer = httpx.post(f"{settings.CLOB_HOST}/_sandbox/fund", json=body, timeout=30)
    except httpx.HTTPError as error:
        raise DemoError(f"the sandbox faucet did not answer: {error}") from None
    if answer.status_code != 200:
        raise DemoError(f"the sandbox faucet refused {body}: {answer.text.strip()[:200]}")


def demo_reconcile(*, write: Callable[[str], None]) -> bool:
    """Reconcile now: live entries wait for it (NOT_RECONCILED), and the scheduled one may be
    most of a minute away."""
    try:
        report = reconcile()
    except VenueError as error:
        write(f"demo: reconciliation failed ({error}); live entries wait for the next one")
        return False
    if not report.clean:
        write(
            f"demo: ledger and wallet disagree on {len(report.balance_mismatches)} token(s); "
            "live entries stay halted until they agree"
        )
        return False
    write("demo: reconciled with the venue; live entries are open")
    return True


# --- the feed ---------------------------------------------------------------------------


def demo_feed(
    plan: DemoPlan,
    *,
    targets: list[DemoTarget],
    client: httpx.Client,
    venue: VenueAdapter,
    write: Callable[[str], None],
    speed: float = 1.0,
) -> FeedTally:
    """Send every signal of the plan to every target at the file's pace (`speed` × its
    timing; 0 = no waiting), one printed line per decision."""
    tally = FeedTally()
    # A new idempotency key space per run: two runs within a second must not collide.
    run = f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    started = time.monotonic()
    for signal in plan.signals:
        if speed > 0:
            time.sleep(max(0.0, started + float(signal.at) / speed - time.monotonic()))
        token = plan.tokens[signal.ref]
        price = ft_price_now(signal, token, _book(venue, token.token_id))
        for target in targets:
            body = signal_body(signal, token, target=target, price=price, run=run)
            answer = signal_post(client, target, body)
            write(_decision_line(target, signal, price, answer, tally))
    return tally


def ft_price_now(signal: FtSignal, token: DemoToken, book: Book | None) -> Decimal:
    """The file's price, moved by how far the token's mid has walked from the price the file
    was recorded at, on the tick: an FT that paid the ask then pays the ask now."""
    mid = book.mid if book is not None else None
    if mid is None:
        return signal.price
    moved = price_on_tick(signal.price + mid - token.opening_price, token.tick)
    return min(max(moved, token.tick), ONE - token.tick)


def _book(venue: VenueAdapter, token_id: str) -> Book | None:
    try:
        return venue.book(token_id)
    except VenueError:
        return None  # no book: the file's price as it is, and the risk check says why


def signal_body(
    signal: FtSignal, token: DemoToken, *, target: DemoTarget, price: Decimal, run: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "strategy": target.slug,
        "idempotency_key": f"demo-{run}-{signal.ft_signal_id}",
        "token_id": token.token_id,
        "condition_id": token.condition_id,
        "side": signal.side,
        "price": str(price),
        "size": str(signal.size),
        "ft_signal_id": signal.ft_signal_id,
        "ft_created_at": timezone.now().isoformat(),
    }
    if signal.leader:
        body["leader"] = signal.leader
    return body


def signal_post(client: httpx.Client, target: DemoTarget, body: dict[str, Any]) -> httpx.Response:
    """POST one signal, signed. A retry is signed anew (a signature is accepted once); if the
    first attempt did arrive, the same idempotency key and body get its answer replayed."""
    raw = json.dumps(body).encode()
    error: httpx.TransportError | None = None
    for attempt in range(POST_ATTEMPTS):
        if attempt:
            time.sleep(attempt)
        stamp = str(int(time.time()))
        signature = signature_compute(
            secret=target.secret, timestamp=stamp, method="POST", path=SIGNALS_PATH, body=raw
        )
        headers = {
            KEY_HEADER: target.key_id,
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature,
            "Content-Type": "application/json",
        }
        try:
            return client.post(SIGNALS_PATH, content=raw, headers=headers)
        except httpx.TransportError as failure:
            error = failure
    raise DemoError(f"LT at {client.base_url} does not answer: {error}")


def _decision_line(
    target: DemoTarget, signal: FtSignal, price: Decimal, answer: httpx.Response, tally: FeedTally
) -> str:
    head = (
        f"[{target.mode:<5}] {signal.ft_signal_id} {signal.side:<4} {signal.market} "
        f"{signal.outcome} {signal.size} @ {price} ->"
    )
    if answer.status_code not in (200, 201):
        tally.failed[target.slug] += 1
        return f"{head} HTTP {answer.status_code}: {' '.join(answer.text.split())[:200]}"
    decision = answer.json()
    if decision.get("decision") != "accepted":
        tally.rejected[target.slug] += 1
        return f"{head} rejected {decision.get('reason_code')}: {decision.get('message')}"
    tally.accepted[target.slug] += 1
    order = decision.get("order") or {}
    return f"{head} accepted: {decision.get('message')}{_order_status(order.get('id'))}"


def _order_status(order_id: Any) -> str:
    # The executor sends an accepted order before the answer leaves LT, so its row already
    # says how the send went.
    status = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
    return f"; order #{order_id} {status}" if status else ""


def tally_lines(tally: FeedTally, targets: list[DemoTarget]) -> list[str]:
    return [
        f"demo: {t.slug} ({t.mode}): {tally.accepted[t.slug]} accepted, "
        f"{tally.rejected[t.slug]} rejected"
        + (f", {tally.failed[t.slug]} refused by the API" if tally.failed[t.slug] else "")
        for t in targets
    ]
