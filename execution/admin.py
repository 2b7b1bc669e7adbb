from __future__ import annotations

from django.contrib import admin

from ltproject.admin_utils import ReadOnlyAdmin

from .models import (
    Fill,
    Market,
    MarketToken,
    MidPrice,
    Order,
    Position,
    ReconcileRun,
    SyncCursor,
)


class MarketTokenInline(admin.TabularInline):
    model = MarketToken
    extra = 0
    can_delete = False
    readonly_fields = ("token_id", "outcome", "outcome_index", "winner")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Market)
class MarketAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "condition_id",
        "neg_risk",
        "tick_size",
        "accepting_orders",
        "closed",
    )
    list_filter = ("neg_risk", "closed", "accepting_orders")
    search_fields = ("condition_id", "question", "slug", "event_id")
    inlines = [MarketTokenInline]


@admin.register(MarketToken)
class MarketTokenAdmin(ReadOnlyAdmin):
    list_display = ("token_id", "market", "outcome", "winner")
    search_fields = ("token_id",)


class FillInline(admin.TabularInline):
    model = Fill
    extra = 0
    can_delete = False
    fields = ("venue_trade_id", "status", "price", "size", "fee", "match_time", "voided_at")
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "strategy",
        "purpose",
        "side",
        "price",
        "size",
        "size_matched",
        "status",
        "mode",
        "redemption",
    )
    list_filter = ("status", "mode", "purpose", "side", "strategy")
    search_fields = ("venue_order_id", "token_id")
    date_hierarchy = "created_at"
    inlines = [FillInline]


@admin.register(Fill)
class FillAdmin(ReadOnlyAdmin):
    list_display = ("match_time", "venue_trade_id", "order", "status", "price", "size", "is_paper")
    list_filter = ("status", "is_paper")
    search_fields = ("venue_trade_id", "transaction_hash")


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = (
        "strategy",
        "token_id",
        "mode",
        "status",
        "size",
        "avg_cost",
        "mark_price",
        "realised_pnl",
    )
    list_filter = ("status", "mode", "strategy")
    search_fields = ("token_id",)


@admin.register(MidPrice)
class MidPriceAdmin(ReadOnlyAdmin):
    list_display = ("observed_at", "token_id", "mid")
    search_fields = ("token_id",)


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ("name", "cursor", "updated_at")


@admin.register(ReconcileRun)
class ReconcileRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "agreed",
        "fills_recorded",
        "orders_imported",
        "orders_closed",
        "collateral",
        "persisting",
        "error",
    )
    list_filter = ("agreed",)
    date_hierarchy = "started_at"
