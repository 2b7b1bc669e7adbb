"""Scenarios: the markets, seeded books, resolutions and pre-funded accounts of a sandbox run.

A scenario is JSON (see scenarios/default.json). Ids may be omitted: condition ids and token
ids are then derived from the market's slug, so the same file always yields the same ids.
A market's `fee` is `{"r": rate, "e": exponent, "to": taker_only}` (fees.py; no fee when
absent); `accepting_orders_when_closed: true` keeps a closed market answering
`accepting_orders: true`, a shape the venue sends too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_utils import keccak

from sandbox.fees import FeeSchedule
from sandbox.units import PRICE_SCALE, UNIT, parse_price, parse_units

DEFAULT_SCENARIO = Path(__file__).resolve().parent / "scenarios" / "default.json"
CROWD_ADDRESS = "0x00000000000000000000000000000000000c40bd"


class ScenarioError(ValueError):
    pass


@dataclass(slots=True)
class Token:
    token_id: str
    outcome: str
    condition_id: str


@dataclass(slots=True, eq=False)
class Market:
    slug: str
    question: str
    condition_id: str
    tokens: list[Token]
    tick: int
    neg_risk: bool = False
    event: str = ""
    min_order_size: int = 5 * UNIT
    fee_rate: Decimal = Decimal(0)
    fee_exponent: Decimal = Decimal(0)
    fee_taker_only: bool = True
    mid: int = PRICE_SCALE // 2
    spread_ticks: int = 2
    depth: int = 5
    level_size: int = 200 * UNIT
    volatility: float = 0.004
    resolve_after: float | None = None
    winner: str = ""
    end_date_iso: str = "2026-12-31T00:00:00Z"
    closed: bool = False
    winner_token: str = ""
    closed_time: float | None = None
    # A closed market still answering `accepting_orders: true` (the venue does that at times).
    accepting_orders_when_closed: bool = False
    base_tick: int = 0  # the scenario's tick, which the crowd's extreme-price rule returns to
    tick_pinned: bool = False  # set by hand (Venue.set_tick): the crowd's rule leaves it be

    def __post_init__(self) -> None:
        self.base_tick = self.base_tick or self.tick

    @property
    def fees(self) -> FeeSchedule:
        return FeeSchedule(self.fee_rate, self.fee_exponent, self.fee_taker_only)

    @property
    def yes(self) -> Token:
        return self.tokens[0]

    @property
    def no(self) -> Token:
        return self.tokens[1]


@dataclass(slots=True)
class AccountSpec:
    address: str
    pusd: int
    shares: dict[str, int] = field(default_factory=dict)
    signer: str = ""


@dataclass(slots=True)
class CrowdSpec:
    take_probability: float = 0.3
    max_take: int = 15


@dataclass(slots=True)
class Scenario:
    name: str
    markets: list[Market]
    accounts: list[AccountSpec]
    crowd: CrowdSpec
    start: float | None = None

    def market(self, slug_or_condition: str) -> Market:
        for market in self.markets:
            if slug_or_condition in (market.slug, market.condition_id):
                return market
        raise KeyError(slug_or_condition)


def derived_condition_id(slug: str) -> str:
    return "0x" + keccak(text=f"sandbox:condition:{slug}").hex()


def derived_token_id(slug: str, outcome: str) -> str:
    return str(int.from_bytes(keccak(text=f"sandbox:token:{slug}:{outcome}"), "big"))


def load_scenario(path: str | Path | None = None) -> Scenario:
    source = Path(path) if path else DEFAULT_SCENARIO
    try:
        raw = json.loads(source.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario {source}: {exc}") from exc
    return parse_scenario(raw)


def parse_scenario(raw: dict[str, Any]) -> Scenario:
    markets = [_parse_market(m) for m in raw.get("markets", [])]
    if not markets:
        raise ScenarioError("a scenario needs at least one market")
    tokens = {f"{m.slug}:{t.outcome}": t.token_id for m in markets for t in m.tokens}
    accounts = [_parse_account(a, tokens) for a in raw.get("accounts", [])]
    crowd = CrowdSpec(**raw.get("crowd", {}))
    return Scenario(raw.get("name", "scenario"), markets, accounts, crowd, raw.get("start"))


def _parse_market(raw: dict[str, Any]) -> Market:
    slug = raw["slug"]
    condition_id = raw.get("condition_id") or derived_condition_id(slug)
    outcomes = raw.get("outcomes", ["Yes", "No"])
    token_ids = raw.get("token_ids") or [derived_token_id(slug, o) for o in outcomes]
    if len(outcomes) != 2 or len(token_ids) != 2:
        raise ScenarioError(f"{slug}: a market has exactly two outcome tokens")
    fee = raw.get("fee", {})
    return Market(
        slug=slug,
        question=raw.get("question", slug),
        condition_id=condition_id,
        tokens=[Token(str(t), o, condition_id) for t, o in zip(token_ids, outcomes, strict=True)],
        tick=parse_price(raw.get("tick_size", "0.01")),
        neg_risk=bool(raw.get("neg_risk", False)),
        event=raw.get("event") or "",
        min_order_size=parse_units(raw.get("min_order_size", 5)),
        fee_rate=Decimal(str(fee.get("r", 0))),
        fee_exponent=Decimal(str(fee.get("e", 0))),
        fee_taker_only=bool(fee.get("to", True)),
        mid=parse_price(raw.get("mid", "0.5")),
        spread_ticks=int(raw.get("spread_ticks", 2)),
        depth=int(raw.get("depth", 5)),
        level_size=parse_units(raw.get("level_size", 200)),
        volatility=float(raw.get("volatility", 0.004)),
        resolve_after=raw.get("resolve_after"),
        winner=raw.get("winner") or "",
        end_date_iso=raw.get("end_date_iso", "2026-12-31T00:00:00Z"),
        accepting_orders_when_closed=bool(raw.get("accepting_orders_when_closed", False)),
    )


def _parse_account(raw: dict[str, Any], tokens: dict[str, str]) -> AccountSpec:
    shares = {tokens.get(k, k): parse_units(v) for k, v in raw.get("shares", {}).items()}
    return AccountSpec(
        address=raw["address"],
        pusd=parse_units(raw.get("pusd", 0)),
        shares=shares,
        signer=raw.get("signer", ""),
    )
