from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ltproject.admin_utils import ReadOnlyAdmin
from risk.services import strategy_halt, strategy_resume

from .models import ApiCredential, Signal, SignalNonce, Strategy
from .services import credential_revoke


class ApiCredentialInline(admin.TabularInline):
    model = ApiCredential
    extra = 0
    can_delete = False
    fields = ("key_id", "is_active", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Secrets are shown once, by `lt_credentials`; the admin never sees one.
        return False


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "mode", "trading_state", "health_status", "updated_at")
    list_filter = ("mode", "health_status", "risk_state__trading_state")
    search_fields = ("slug", "name", "ft_source")
    readonly_fields = ("trading_state", "health_status", "health_checked_at", "created_at")
    fieldsets = (
        (None, {"fields": ("slug", "name", "description", "ft_source")}),
        ("Trading", {"fields": ("mode", "risk_rules", "trading_state")}),
        ("Health", {"fields": ("health_status", "health_checked_at", "created_at")}),
    )
    inlines = [ApiCredentialInline]
    actions = ["halt", "resume"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Strategy]:
        return super().get_queryset(request).select_related("risk_state")

    @admin.display(description="Trading state", ordering="risk_state__trading_state")
    def trading_state(self, obj: Strategy) -> str:
        state = getattr(obj, "risk_state", None)
        return state.trading_state if state else "—"

    @admin.action(description="Halt selected strategies (no new entries)")
    def halt(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        for strategy in queryset:
            strategy_halt(strategy=strategy, actor=request.user.get_username())
        self.message_user(request, f"Halted {queryset.count()} strateg(ies).", messages.WARNING)

    @admin.action(description="Resume selected strategies")
    def resume(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        for strategy in queryset:
            strategy_resume(strategy=strategy, actor=request.user.get_username())
        self.message_user(request, f"Resumed {queryset.count()} strateg(ies).", messages.SUCCESS)


@admin.register(ApiCredential)
class ApiCredentialAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "strategy", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("key_id", "strategy__slug")
    exclude = ("salt",)
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the revoke action; every field stays read-only.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return ["key_id", "strategy", "is_active", "created_at", "last_used_at", "revoked_at"]

    @admin.action(description="Revoke selected credentials")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiCredential]) -> None:
        for credential in queryset:
            credential_revoke(credential=credential)
        self.message_user(request, "Revoked.", messages.WARNING)


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "strategy",
        "side",
        "token_id",
        "price",
        "size",
        "ft_signal_id",
        "response_status",
    )
    list_filter = ("strategy", "side")
    search_fields = ("idempotency_key", "ft_signal_id", "token_id", "leader")
    date_hierarchy = "received_at"
    exclude = ("credential",)


@admin.register(SignalNonce)
class SignalNonceAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "request_ts", "created_at")
    search_fields = ("key_id",)
