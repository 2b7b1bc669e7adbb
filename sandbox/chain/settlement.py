"""The sandbox venue's side of the chain (issue 6): every market is a real condition, funding
is minted on-chain, fills settle on-chain and resolutions are reported on-chain.

The venue's ledger stays the matching authority; the chain mirrors it. The crowd is virtual:
what it sells is minted by the faucet (split, the other outcome stays with the faucet), what
it pays is minted as pUSD, and what it buys or is paid lands at its address.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Callable, Iterable

from eth_utils import keccak

from sandbox.engine import Side, Trade
from sandbox.scenario import Market
from sandbox.units import cost

from .deploy import SandboxChain, SandboxMarket

log = logging.getLogger(__name__)


class VenueChain:
    def __init__(self, chain: SandboxChain, crowd: str) -> None:
        self.chain = chain
        self.crowd = crowd.lower()
        self.outcomes: dict[str, tuple[SandboxMarket, int]] = {}  # token id → (condition, index)
        self.errors: list[str] = []  # settlement failures (logged too): a test can assert none

    def register(self, markets: Iterable[Market]) -> dict[str, str]:
        """Prepare one condition per market (neg-risk ones through the neg-risk adapter) and
        give the market the chain's ids: token ids ARE the CTF position ids, as on Polygon.
        Returns the scenario's token ids → the chain's."""
        renamed: dict[str, str] = {}
        for market in markets:
            question = self._free_question(market.slug, neg_risk=market.neg_risk)
            onchain = self.chain.prepare_condition(question, neg_risk=market.neg_risk)
            market.condition_id = onchain.condition_id
            for index, token in enumerate(market.tokens):
                renamed[token.token_id] = str(onchain.token_ids[index])
                token.token_id, token.condition_id = renamed[token.token_id], market.condition_id
                self.outcomes[token.token_id] = (onchain, index)
        return renamed

    def _free_question(self, slug: str, *, neg_risk: bool) -> bytes:
        # Same slug → same ids on a fresh chain; a second venue on one chain gets the next ones.
        for n in itertools.count():
            question = keccak(text=f"sandbox:question:{slug}:{n}")
            if not self.chain.condition_prepared(question, neg_risk=neg_risk):
                return question
        raise AssertionError("unreachable")

    def fund(self, address: str, *, pusd: int = 0, token_id: str = "", shares: int = 0) -> None:
        if pusd > 0:
            self.chain.fund_pusd(address, pusd)
        if token_id and shares > 0:
            onchain, index = self.outcomes[token_id]
            self.chain.give_position(address, onchain, index, shares)

    def settle(self, trades: Iterable[Trade]) -> None:
        """Move what a batch of fills moved on the ledger, netted per pair and token."""
        shares: Counter[tuple[str, str, str]] = Counter()  # (token, seller, buyer) → units
        paid: Counter[tuple[str, str]] = Counter()  # (buyer, seller) → pUSD base units
        for trade in trades:
            taker, maker = trade.taker.maker.lower(), trade.maker.maker.lower()
            buyer, seller = (taker, maker) if trade.side is Side.BUY else (maker, taker)
            shares[(trade.token_id, seller, buyer)] += trade.size
            paid[(buyer, seller)] += cost(trade.size, trade.price)
        for (token_id, seller, buyer), size in shares.items():
            self._guarded(self._deliver, token_id, seller, buyer, size)
        for (buyer, seller), amount in paid.items():
            self._guarded(self._pay, buyer, seller, amount)

    def _deliver(self, token_id: str, seller: str, buyer: str, size: int) -> None:
        if seller == self.crowd:
            onchain, index = self.outcomes[token_id]
            self.chain.give_position(buyer, onchain, index, size)
        else:
            self.chain.move_position(seller, buyer, int(token_id), size)

    def _pay(self, buyer: str, seller: str, amount: int) -> None:
        if amount <= 0:
            return
        if buyer == self.crowd:
            self.chain.fund_pusd(seller, amount)
        else:
            self.chain.move_pusd(buyer, seller, amount)

    def _guarded(self, action: Callable[..., None], *args: object) -> None:
        # A failed transfer must not stop the venue's clock (the ClockDriver thread calls us).
        try:
            action(*args)
        except Exception as exc:
            log.exception("sandbox chain settlement failed")
            self.errors.append(f"{action.__name__}{args}: {exc}")

    def resolve(self, condition_id: str, winner_token_id: str) -> None:
        onchain, _ = self.outcomes[winner_token_id]
        self.chain.resolve(onchain, int(winner_token_id))
