"""The sandbox venue's side of the chain (issue 6): every market is a real condition, funding
is minted on-chain, fills settle on-chain and resolutions are reported on-chain.

The venue's ledger stays the matching authority; the chain mirrors it leg by leg, in match
order: a COMPLEMENTARY leg moves shares from seller to buyer and pUSD back; a MINT leg takes
both buyers' pUSD into the faucet (the exchange's hand), splits the pair and hands each its
outcome; a MERGE leg takes both sellers' outcomes, merges them and pays each its pUSD. The
taker's fee goes from the taker to the fee collector's address.

The crowd is virtual: what it sells is minted by the faucet (split, the other outcome stays
with the faucet), what it pays is minted as pUSD, and what it buys or is paid lands at its
address. A leg between the crowd and itself never reaches the chain.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable

from eth_utils import keccak

from sandbox.engine import Leg, MatchType, Order, Side, Trade
from sandbox.fees import FEE_COLLECTOR
from sandbox.scenario import Market

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
        """Move what a batch of trades moved on the ledger, leg by leg in match order (so no
        one ever moves more than the ledger had at that point)."""
        for trade in trades:
            for leg in trade.legs:
                self._guarded(self._settle_leg, trade.taker, leg)

    def _settle_leg(self, taker: Order, leg: Leg) -> None:
        taker_address, maker_address = taker.maker.lower(), leg.maker.maker.lower()
        if taker_address == maker_address == self.crowd:
            return
        if leg.kind is MatchType.COMPLEMENTARY:
            buyer, seller = (
                (taker_address, maker_address)
                if taker.side is Side.BUY
                else (maker_address, taker_address)
            )
            self._deliver(leg.token_id, seller, buyer, leg.size)
            self._pay(buyer, seller, leg.taker_pusd)
        elif leg.kind is MatchType.MINT:
            self._mint(taker_address, taker.token_id, leg.taker_pusd, maker_address, leg)
        else:
            self._merge(taker_address, taker.token_id, leg.taker_pusd, maker_address, leg)
        if leg.fee > 0:
            self._pay(taker_address, FEE_COLLECTOR, leg.fee)

    def _mint(self, taker: str, taker_token: str, taker_pusd: int, maker: str, leg: Leg) -> None:
        onchain, _ = self.outcomes[taker_token]
        for payer, amount in ((taker, taker_pusd), (maker, leg.maker_pusd)):
            if amount <= 0:
                continue
            if payer == self.crowd:
                self.chain.fund_pusd(self.chain.deployer, amount)
            else:
                self.chain.collect_pusd(payer, amount)
        self.chain.split_from_pusd(onchain, leg.size)
        self.chain.send_position(taker, int(taker_token), leg.size)
        self.chain.send_position(maker, int(leg.token_id), leg.size)

    def _merge(self, taker: str, taker_token: str, taker_pusd: int, maker: str, leg: Leg) -> None:
        onchain, _ = self.outcomes[taker_token]
        for seller, token_id in ((taker, taker_token), (maker, leg.token_id)):
            if seller == self.crowd:
                # The crowd's shares are virtual: the faucet mints a pair, the merge burns one
                # side of it and the other stays with the faucet.
                self.chain.mint_to_faucet(onchain, leg.size)
            else:
                self.chain.move_position(seller, self.chain.deployer, int(token_id), leg.size)
        self.chain.merge_to_pusd(onchain, leg.size)
        for payee, amount in ((taker, taker_pusd), (maker, leg.maker_pusd)):
            if amount > 0:
                self.chain.pay_pusd(payee, amount)

    def _deliver(self, token_id: str, seller: str, buyer: str, size: int) -> None:
        if seller == self.crowd:
            onchain, index = self.outcomes[token_id]
            self.chain.give_position(buyer, onchain, index, size)
        else:
            self.chain.move_position(seller, buyer, int(token_id), size)

    def _pay(self, payer: str, payee: str, amount: int) -> None:
        if amount <= 0:
            return
        if payer == self.crowd:
            self.chain.fund_pusd(payee, amount)
        else:
            self.chain.move_pusd(payer, payee, amount)

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
