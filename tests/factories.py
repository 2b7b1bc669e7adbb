"""factory_boy factories for every LT model, in one place."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from execution.models import (
    Fill,
    Market,
    MarketToken,
    MidPrice,
    Order,
    OrderPurpose,
    OrderStatus,
    Position,
    ReconcileRun,
    SyncCursor,
    TradeStatus,
)
from ltproject.domain import OrderType, Side, TradingMode
from monitoring.models import Alert, HealthCheck, HealthDaily, HealthStatus, VenueCalls
from redemption.models import (
    ChainNonce,
    ChainTransaction,
    Redemption,
    RedemptionAllocation,
    RedemptionRoute,
)
from risk.models import (
    Breaker,
    BreakerEvent,
    BreakerKind,
    BudgetPeriod,
    BudgetReservation,
    BudgetWindow,
    RiskDecision,
    RiskRules,
    RiskState,
)
from risk.reasons import ReasonCode
from strategies.models import ApiCredential, Signal, SignalNonce, Strategy

WALLET = "0x" + "ab" * 20


class RiskRulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskRules


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"strategy-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    mode = TradingMode.PAPER
    risk_rules = factory.SubFactory(RiskRulesFactory)
    risk_state = factory.RelatedFactory(
        "tests.factories.RiskStateFactory", factory_related_name="strategy"
    )


class RiskStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskState


class ApiCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiCredential

    strategy = factory.SubFactory(StrategyFactory)
    key_id = factory.Sequence(lambda n: f"ltk_{n:024x}")
    salt = "00" * 16


class SignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signal

    strategy = factory.SubFactory(StrategyFactory)
    idempotency_key = factory.Sequence(lambda n: f"key-{n}")
    request_hash = "0" * 64
    ft_signal_id = factory.Sequence(lambda n: f"ft-{n}")
    ft_created_at = factory.LazyFunction(timezone.now)
    token_id = factory.Sequence(lambda n: str(10**40 + n))
    side = Side.BUY
    price = Decimal("0.55")
    size = Decimal("10")


class SignalNonceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalNonce

    signature = factory.Sequence(lambda n: f"sig-{n:040d}")
    key_id = "ltk_0"
    request_ts = 1_700_000_000


class MarketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Market

    condition_id = factory.Sequence(lambda n: "0x" + f"{n:064x}")
    question = factory.Sequence(lambda n: f"Will event {n} happen?")
    tick_size = Decimal("0.01")


class MarketTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketToken

    market = factory.SubFactory(MarketFactory)
    token_id = factory.Sequence(lambda n: str(2 * 10**40 + n))
    outcome = "Yes"
    outcome_index = 0


class RiskDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskDecision

    signal = factory.SubFactory(SignalFactory)
    strategy = factory.SelfAttribute("signal.strategy")
    outcome = RiskDecision.Outcome.ACCEPTED
    reason_code = ReasonCode.ACCEPTED
    size = Decimal("18.18")
    notional = Decimal("10")
    limit_price = Decimal("0.55")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    strategy = factory.SubFactory(StrategyFactory)
    token_id = factory.Sequence(lambda n: str(3 * 10**40 + n))
    side = Side.BUY
    order_type = OrderType.FAK
    purpose = OrderPurpose.ENTRY
    mode = TradingMode.PAPER
    price = Decimal("0.55")
    size = Decimal("18")
    notional = Decimal("9.9")
    status = OrderStatus.INTENT


class FillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fill

    order = factory.SubFactory(OrderFactory)
    venue_trade_id = factory.Sequence(lambda n: f"trade-{n}")
    status = TradeStatus.MATCHED
    side = Side.BUY
    trader_side = Fill.TraderSide.TAKER
    price = Decimal("0.55")
    size = Decimal("5")
    match_time = factory.LazyFunction(timezone.now)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    strategy = factory.SubFactory(StrategyFactory)
    token_id = factory.Sequence(lambda n: str(4 * 10**40 + n))
    mode = TradingMode.PAPER
    size = Decimal("10")
    avg_cost = Decimal("0.5")
    cost_basis = Decimal("5")


class MidPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MidPrice

    token_id = "1"
    mid = Decimal("0.5")


class SyncCursorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncCursor

    name = factory.Sequence(lambda n: f"cursor-{n}")
    cursor = "MA=="


class BudgetWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetWindow

    strategy = factory.SubFactory(StrategyFactory)
    period = BudgetPeriod.DAILY
    window_start = factory.LazyFunction(lambda: timezone.now().date())
    limit = Decimal("100")


class BudgetReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetReservation

    window = factory.SubFactory(BudgetWindowFactory)
    order = factory.SubFactory(OrderFactory)
    reserved = Decimal("10")


class BreakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Breaker

    strategy = factory.SubFactory(StrategyFactory)
    kind = BreakerKind.SPREAD


class BreakerEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BreakerEvent

    breaker = factory.SubFactory(BreakerFactory)
    event = BreakerEvent.Event.TRIP
    reason_code = ReasonCode.BREAKER_SPREAD_OPEN


class ChainTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChainTransaction

    chain_id = 137
    from_address = WALLET
    to_address = "0x" + "cd" * 20
    nonce = factory.Sequence(int)
    raw_transaction = "0x02f8"
    tx_hash = factory.Sequence(lambda n: "0x" + f"{n:064x}")


class ChainNonceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChainNonce

    chain_id = 137
    address = factory.Sequence(lambda n: "0x" + f"{n:040x}")


class RedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Redemption

    condition_id = factory.Sequence(lambda n: "0x" + f"{n:064x}")
    wallet_address = WALLET
    route = RedemptionRoute.COLLATERAL_ADAPTER


class RedemptionAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RedemptionAllocation

    redemption = factory.SubFactory(RedemptionFactory)
    position = factory.SubFactory(PositionFactory)
    strategy = factory.SelfAttribute("position.strategy")
    shares = Decimal("10")


class HealthCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthCheck

    name = "database"
    status = HealthStatus.OK


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    reason_code = ReasonCode.MANUAL_HALT
    subject = "Halted"


class HealthDailyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthDaily

    day = factory.LazyFunction(lambda: timezone.now().date())
    name = "venue"
    worst = HealthStatus.OK


class VenueCallsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VenueCalls

    process = "test:1"
    minute = factory.LazyFunction(lambda: timezone.now().replace(second=0, microsecond=0))
    call = "post_order"
    count = 1
    histogram = factory.LazyFunction(lambda: {"20": 1})


class ReconcileRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReconcileRun

    finished_at = factory.LazyFunction(timezone.now)
    agreed = True


FACTORY_BY_MODEL: dict[type[Any], type[factory.django.DjangoModelFactory]] = {
    f._meta.model: f
    for f in (
        RiskRulesFactory,
        StrategyFactory,
        RiskStateFactory,
        ApiCredentialFactory,
        SignalFactory,
        SignalNonceFactory,
        MarketFactory,
        MarketTokenFactory,
        RiskDecisionFactory,
        OrderFactory,
        FillFactory,
        PositionFactory,
        MidPriceFactory,
        SyncCursorFactory,
        BudgetWindowFactory,
        BudgetReservationFactory,
        BreakerFactory,
        BreakerEventFactory,
        ChainTransactionFactory,
        ChainNonceFactory,
        RedemptionFactory,
        RedemptionAllocationFactory,
        HealthCheckFactory,
        AlertFactory,
        HealthDailyFactory,
        VenueCallsFactory,
        ReconcileRunFactory,
    )
}
