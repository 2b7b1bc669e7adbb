from __future__ import annotations

from django.contrib import admin

from ltproject.admin_utils import ReadOnlyAdmin

from .models import ChainNonce, ChainTransaction, Redemption, RedemptionAllocation


class AllocationInline(admin.TabularInline):
    model = RedemptionAllocation
    extra = 0
    can_delete = False
    readonly_fields = ("position", "strategy", "shares", "payout")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = (
        "condition_id",
        "wallet_address",
        "route",
        "state",
        "expected_payout",
        "actual_payout",
        "attempts",
    )
    list_filter = ("state", "route")
    search_fields = ("condition_id", "wallet_address")
    inlines = [AllocationInline]


@admin.register(RedemptionAllocation)
class RedemptionAllocationAdmin(ReadOnlyAdmin):
    list_display = ("redemption", "strategy", "position", "shares", "payout")


@admin.register(ChainTransaction)
class ChainTransactionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "tx_hash", "from_address", "nonce", "purpose", "status")
    list_filter = ("status", "purpose")
    search_fields = ("tx_hash", "from_address")


@admin.register(ChainNonce)
class ChainNonceAdmin(ReadOnlyAdmin):
    list_display = ("address", "chain_id", "next_nonce", "updated_at")
