from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ltproject.admin_utils import QUESTION, UNKNOWN_MARKET, MarketLabelsAdmin, ReadOnlyAdmin

from .models import (
    ChainNonce,
    ChainTransaction,
    Redemption,
    RedemptionAllocation,
    RedemptionState,
    RelayedTransaction,
)
from .services import redemption_mark, redemption_retry


class AllocationInline(admin.TabularInline):
    model = RedemptionAllocation
    extra = 0
    can_delete = False
    readonly_fields = ("position", "strategy", "shares", "payout")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    # The payouts early, so a long question does not push them off-screen.
    list_display = (
        "market_question",
        "kind",
        "expected_payout",
        "actual_payout",
        "state",
        "wallet_address",
        "wallet_type",
        "route",
        "attempts",
    )
    list_select_related = ("market",)
    list_filter = ("kind", "state", "route", "wallet_type", "outcome_code")
    # The condition id stays searchable and on the detail page; the list names the market.
    search_fields = ("condition_id", "wallet_address", "market__question")
    inlines = [AllocationInline]
    actions = ["retry", "mark_not_needed", "mark_failed"]

    @admin.display(description="Market", ordering="market__question")
    def market_question(self, obj: Redemption) -> str:
        return obj.market.question if obj.market and obj.market.question else UNKNOWN_MARKET

    @admin.action(description="Retry (failed → pending, attempts reset)")
    def retry(self, request: HttpRequest, queryset: QuerySet[Redemption]) -> None:
        done = sum(redemption_retry(redemption=r) for r in queryset)
        self._report(request, done, len(queryset), "put back to pending", "failed")

    @admin.action(description="Mark not needed (e.g. redeemed by hand)")
    def mark_not_needed(self, request: HttpRequest, queryset: QuerySet[Redemption]) -> None:
        self._mark(request, queryset, RedemptionState.NOT_NEEDED)

    @admin.action(description="Mark failed (stop retrying)")
    def mark_failed(self, request: HttpRequest, queryset: QuerySet[Redemption]) -> None:
        self._mark(request, queryset, RedemptionState.FAILED)

    def _mark(self, request: HttpRequest, queryset: QuerySet[Redemption], state: str) -> None:
        note = f"marked {state} by {request.user}"
        done = sum(redemption_mark(redemption=r, state=state, note=note) for r in queryset)
        self._report(request, done, len(queryset), f"marked {state}", "not submitted or confirmed")

    def _report(self, request: HttpRequest, done: int, total: int, what: str, rule: str) -> None:
        self.message_user(request, f"{done} redemption(s) {what}.", messages.SUCCESS)
        if done < total:
            self.message_user(
                request, f"{total - done} skipped: only {rule} ones qualify.", messages.WARNING
            )


@admin.register(RedemptionAllocation)
class RedemptionAllocationAdmin(MarketLabelsAdmin):
    # The position's market and outcome, rather than the position (named by its token id).
    list_display = ("redemption", "strategy", "shares", "payout", "market_and_outcome")
    list_select_related = ("redemption", "strategy")
    token_path = "position__token_id"
    market_path = "position__market"
    search_fields = ("strategy__slug", "position__token_id", QUESTION)


@admin.register(ChainTransaction)
class ChainTransactionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "tx_hash", "from_address", "nonce", "purpose", "status")
    list_filter = ("status", "purpose")
    search_fields = ("tx_hash", "from_address")


@admin.register(ChainNonce)
class ChainNonceAdmin(ReadOnlyAdmin):
    list_display = ("address", "chain_id", "next_nonce", "updated_at")


@admin.register(RelayedTransaction)
class RelayedTransactionAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "wallet_type",
        "wallet_address",
        "nonce",
        "purpose",
        "state",
        "tx_hash",
    )
    list_filter = ("state", "wallet_type", "purpose")
    search_fields = ("tx_hash", "transaction_id", "wallet_address")
